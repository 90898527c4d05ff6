/* jsonget: JSON from outside the program, read into cJSON safely
 * (jsonget.h). */
#include "jsonget.h"

#include <stdio.h>
#include <string.h>

#include "jsonint.h"

/* The offset of the first \u0000 escape in the strings of text (n bytes,
 * text cJSON accepted, so a backslash only ever starts an escape inside a
 * string), or n when there is none. */
static size_t nul_escape(const char *text, size_t n)
{
    int in_string = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_string) {
            in_string = text[i] == '"';
        } else if (text[i] == '"') {
            in_string = 0;
        } else if (text[i] == '\\') {
            if (n - i >= 6 && memcmp(text + i + 1, "u0000", 5) == 0)
                return i;
            i++; /* the escaped character */
        }
    }
    return n;
}

cJSON *jsonget_parse(const char *text, size_t n, char *why, size_t whylen)
{
    const char *end = NULL, *nul;
    cJSON *root = NULL;
    size_t at;
    if (!jsonint_depth_ok(text, n, JSON_DEPTH_MAX)) {
        snprintf(why, whylen, "nested deeper than %d levels", JSON_DEPTH_MAX);
        goto out;
    }
    if ((nul = memchr(text, '\0', n))) {
        snprintf(why, whylen, "a NUL byte at byte %zu", (size_t)(nul - text));
        goto out;
    }
    root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
    while (root && end && end < text + n && strchr(" \t\r\n", *end))
        end++;
    if (!root || (end && end < text + n)) {
        at = end && end >= text ? (size_t)(end - text) : 0;
        snprintf(why, whylen, "not valid JSON (near byte %zu)", at);
        cJSON_Delete(root);
        root = NULL;
        goto out;
    }
    if ((at = nul_escape(text, n)) < n) {
        snprintf(why, whylen, "a string holds \\u0000 (NUL) at byte %zu", at);
        cJSON_Delete(root);
        root = NULL;
    }
out:
    return root;
}

int jsonget_i64(const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    /* the range test comes first and also refuses NaN: only then is the
     * conversion defined */
    if (!(d >= (double)min && d <= (double)max) || (double)(int64_t)d != d)
        return -1;
    *out = (int64_t)d;
    return 0;
}

int jsonget_u64(const cJSON *v, uint64_t min, uint64_t max, uint64_t *out)
{
    int64_t x;
    if (max > (uint64_t)JSONGET_INT_MAX ||
        jsonget_i64(v, (int64_t)min, (int64_t)max, &x) != 0)
        return -1;
    *out = (uint64_t)x;
    return 0;
}
