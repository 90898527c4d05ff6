/* reader: the envelope and a page, read without a JSON tree (reader.h). */
#include "reader.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonint.h"
#include "sink.h"

/* The first byte of the text after JSON white space, or 0 for none. */
static char first_byte(const char *json, size_t n)
{
    size_t i = 0;
    while (i < n && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' ||
                     json[i] == '\n'))
        i++;
    return i < n ? json[i] : 0;
}

int reader_envelope(const char *json, size_t n, struct tim_error *err)
{
    const char *raw;
    size_t len;
    uint64_t code = 0;
    if (!jsonint_valid(json, n) || first_byte(json, n) != '{' ||
        !jsonint_member(json, n, "ErrorCode", &raw, &len) ||
        jsonint_parse_u64(raw, len, &code) != 0)
        return tim_fail(
            err, TIM_E_PROTOCOL,
            "the answer is not a JSON object with an ErrorCode (%zu "
            "bytes)",
            n);
    if (code == 0)
        return TIM_OK;
    char info[256] = "";
    if (jsonint_member(json, n, "ErrorInfo", &raw, &len) &&
        jsonint_string(raw, len, info, sizeof info) < 0)
        snprintf(info, sizeof info, "%.*s", (int)(len < 200 ? len : 200), raw);
    int rc = tim_fail(err, TIM_E_API, "ErrorCode %" PRIu64 ": %s", code, info);
    err->error_code = code > LONG_MAX ? LONG_MAX : (long)code;
    snprintf(err->error_info, sizeof err->error_info, "%s", info);
    return rc;
}

void tim_page_release(struct tim_page *page)
{
    free(page->ids);
    free(page->storage);
    memset(page, 0, sizeof *page);
}

/* No tree of nodes: one pass finds the members, and the IDs are unescaped
 * into one block, one pointer each. */
int reader_page(const char *json, size_t n, struct tim_page *page,
                struct tim_error *err)
{
    static const char *const keys[] = {"TotalCount", "GroupIdList", "Next"};
    const char *v[3], *el, *raw;
    size_t len[3], el_len, raw_len, pos = 0, used = 0;
    struct tim_page p = {0};
    jsonint_members(json, n, keys, 3, v, len);
    if (!v[0] || jsonint_parse_u64(v[0], len[0], &p.total_count) != 0)
        return tim_fail(
            err, TIM_E_PROTOCOL,
            "the answer has no TotalCount that is an unsigned integer");
    if (v[2] && jsonint_parse_u64(v[2], len[2], &p.next) != 0)
        return tim_fail(err, TIM_E_PROTOCOL,
                        "the answer's Next is not an unsigned 64-bit integer");
    if (!v[1] || v[1][0] != '[')
        return tim_fail(err, TIM_E_PROTOCOL,
                        "the answer has no GroupIdList array");
    p.has_next = v[2] != NULL;
    /* an element {"GroupId":""} takes 15 bytes at least, and an unescaped
     * ID is never longer than the list's text */
    p.ids = malloc((len[1] / 15 + 1) * sizeof *p.ids);
    p.storage = malloc(len[1] + 1);
    if (!p.ids || !p.storage) {
        tim_page_release(&p);
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    }
    while (jsonint_element(v[1], len[1], &pos, &el, &el_len)) {
        long id_len = -1;
        if (el[0] == '{' && p.count <= len[1] / 15 &&
            jsonint_member(el, el_len, "GroupId", &raw, &raw_len))
            id_len = jsonint_string(raw, raw_len, p.storage + used,
                                    len[1] + 1 - used);
        /* an ID is a C string: one with \u0000 would be read cut short */
        if (id_len > 0 && memchr(p.storage + used, '\0', (size_t)id_len))
            id_len = -1;
        if (id_len < 0) {
            int at = (int)p.count;
            tim_page_release(&p);
            return tim_fail(err, TIM_E_PROTOCOL,
                            "GroupIdList[%d] has no GroupId string (without "
                            "NUL)",
                            at);
        }
        p.ids[p.count++] = p.storage + used;
        used += (size_t)id_len + 1;
    }
    *page = p;
    return TIM_OK;
}
