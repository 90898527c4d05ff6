/*
 * fuzz_jsonint: the exact-integer JSON reader against cJSON.
 *
 * jsonint is stricter than cJSON (only the four JSON white-space bytes, no
 * bytes after the value, at most 128 levels, surrogate escapes in pairs),
 * so the check runs one way:
 * every text jsonint_valid accepts, cJSON parses too, and when it is an
 * object, for Limit, Next and GroupType, jsonint_members and cJSON's
 * GetObjectItemCaseSensitive agree on the member: both find it or neither
 * does, of the same JSON type; numbers equal where cJSON's double is exact
 * (below 2^53), strings equal after jsonint_string's unescaping.
 * jsonint_member and jsonint_depth_ok are held to the same answers.
 *
 * One known disagreement is left out: cJSON keeps strings as C strings, so
 * it reads a name or a value with \u0000 cut at the NUL (a member
 * "Limit\u0000" as "Limit").  jsonint reads them whole, which is right;
 * texts holding the escape \u0000 are compared only on validity.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "input.h"
#include "jsonint.h"

#define EXACT_MAX 9007199254740992.0 /* 2^53 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void disagree(const char *key, const char *what, const char *raw,
                     size_t len)
{
    fprintf(stderr, "fuzz_jsonint: %s: %s (jsonint's raw value: %.*s)\n", key,
            what, raw ? (int)(len < 200 ? len : 200) : 6, raw ? raw : "absent");
    abort();
}

/* The raw text raw (len bytes) and cJSON's item describe the same value. */
static void same_value(const char *key, const char *raw, size_t len,
                       const cJSON *item)
{
    static char out[1 << 16];
    uint64_t u;
    switch (raw[0]) {
    case '"': {
        long m = jsonint_string(raw, len, out, sizeof out);
        if (!cJSON_IsString(item))
            disagree(key, "cJSON does not read a string", raw, len);
        if (m < 0 || (size_t)m != strlen(item->valuestring) ||
            memcmp(out, item->valuestring, (size_t)m) != 0)
            disagree(key, "the strings differ", raw, len);
        break;
    }
    case '{':
        if (!cJSON_IsObject(item))
            disagree(key, "cJSON does not read an object", raw, len);
        break;
    case '[':
        if (!cJSON_IsArray(item))
            disagree(key, "cJSON does not read an array", raw, len);
        break;
    case 't':
        if (!cJSON_IsTrue(item))
            disagree(key, "cJSON does not read true", raw, len);
        break;
    case 'f':
        if (!cJSON_IsFalse(item))
            disagree(key, "cJSON does not read false", raw, len);
        break;
    case 'n':
        if (!cJSON_IsNull(item))
            disagree(key, "cJSON does not read null", raw, len);
        break;
    default:
        if (!cJSON_IsNumber(item))
            disagree(key, "cJSON does not read a number", raw, len);
        if (jsonint_parse_u64(raw, len, &u) == 0 && u < (1ULL << 53) &&
            item->valuedouble != (double)u)
            disagree(key, "the numbers differ", raw, len);
        if (jsonint_parse_u64(raw, len, &u) != 0 && item->valuedouble >= 0 &&
            item->valuedouble < EXACT_MAX && memchr(raw, '.', len) == NULL &&
            memchr(raw, 'e', len) == NULL && memchr(raw, 'E', len) == NULL &&
            raw[0] != '-')
            disagree(key, "jsonint refuses an exact integer", raw, len);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static const char *const keys[] = {"Limit", "Next", "GroupType"};
    struct input_part text = input_bytes(data, n);
    const char *vals[3], *one;
    size_t lens[3], one_len;
    int valid = jsonint_valid(text.p, n);
    if (valid && !jsonint_depth_ok(text.p, n, 128))
        disagree("(text)", "valid but deeper than 128", text.p, n);
    if (!valid) {
        input_free(&text);
        return 0;
    }
    cJSON *root = cJSON_ParseWithLength(text.p, n);
    if (!root)
        disagree("(text)", "cJSON refuses a text jsonint_valid accepts", text.p,
                 n);
    if (cJSON_IsObject(root) && !memmem(text.p, n, "\\u0000", 6)) {
        int found = jsonint_members(text.p, n, keys, 3, vals, lens);
        int count = 0;
        for (int k = 0; k < 3; k++) {
            const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, keys[k]);
            int has = jsonint_member(text.p, n, keys[k], &one, &one_len);
            if ((vals[k] != NULL) != (item != NULL))
                disagree(keys[k],
                         item ? "jsonint_members misses it"
                              : "jsonint_members finds one cJSON does not",
                         vals[k], lens[k]);
            if (has != (vals[k] != NULL) ||
                (has && (one != vals[k] || one_len != lens[k])))
                disagree(keys[k], "jsonint_member and jsonint_members differ",
                         vals[k], lens[k]);
            if (vals[k]) {
                same_value(keys[k], vals[k], lens[k], item);
                count++;
            }
        }
        if (count != found)
            disagree("(text)", "jsonint_members counts wrong", NULL, 0);
    }
    cJSON_Delete(root);
    input_free(&text);
    return 0;
}
