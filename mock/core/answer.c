/* answer: the JSON answers written into one buffer (answer.h). */
#include "answer.h"

#include <string.h>

#include "errors.h"

int answer_json_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_append(b, "\"", 1))
        return -1;
    size_t run = 0; /* bytes that need no escape, not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        if (buf_append(b, s + i - run, run) || buf_append(b, esc, len))
            return -1;
        run = 0;
    }
    if (buf_append(b, s + n - run, run))
        return -1;
    return buf_append(b, "\"", 1);
}

static int write_success(struct buf *b, const struct page *p, int with_next)
{
    static const char head[] =
        "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"
        "\"TotalCount\":";
    static const char item[] = "{\"GroupId\":";
    if (buf_append(b, head, sizeof head - 1) || buf_put_u64(b, p->total) ||
        buf_puts(b, ",\"GroupIdList\":["))
        return -1;
    for (size_t i = 0; i < p->count; i++) {
        size_t n;
        const char *id = groupset_id(p->gs, page_group(p, i), &n);
        if ((i && buf_append(b, ",", 1)) ||
            buf_append(b, item, sizeof item - 1) ||
            answer_json_string(b, id, n) || buf_append(b, "}", 1))
            return -1;
    }
    if (buf_append(b, "]", 1))
        return -1;
    if (with_next && (buf_puts(b, ",\"Next\":") || buf_put_u64(b, p->next)))
        return -1;
    return buf_append(b, "}", 1);
}

int answer_success(struct buf *b, const struct page *p, int with_next)
{
    buf_reset(b);
    if (write_success(b, p, with_next) == 0)
        return 0;
    buf_reset(b);
    return -1;
}

int answer_error(struct buf *b, int code, const char *info)
{
    buf_reset(b);
    if (!info)
        info = tim_error_text(code);
    if (buf_puts(b, "{\"ActionStatus\":\"FAIL\",\"ErrorInfo\":") ||
        answer_json_string(b, info, strlen(info)) ||
        buf_printf(b, ",\"ErrorCode\":%d}", code)) {
        buf_reset(b);
        return -1;
    }
    return 0;
}
