/* sink: the answer buffer and error filling of the client library. */
#include "sink.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t sink_write(char *p, size_t size, size_t n, void *data)
{
    struct sink *s = data;
    size_t len = size * n;
    if (len > SINK_MAX - s->len) {
        s->too_big = 1;
        return 0;
    }
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + len + 1)
            cap *= 2;
        char *d = realloc(s->data, cap);
        if (!d) {
            s->no_memory = 1;
            return 0;
        }
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, len);
    s->len += len;
    s->data[s->len] = '\0';
    return len;
}

void sink_reset(struct sink *s)
{
    s->len = 0;
    s->too_big = 0;
    s->no_memory = 0;
    if (s->data)
        s->data[0] = '\0';
}

int tim_fail(struct tim_error *err, enum tim_status status, const char *fmt,
             ...)
{
    if (!err)
        return status;
    memset(err, 0, sizeof *err);
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}
