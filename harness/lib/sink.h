/*
 * sink: what the client library's two senders share: the buffer an answer
 * is received into (libcurl's write callback, with a hard cap), and filling
 * a struct tim_error.  Internal to the library.
 */
#ifndef TIM_SINK_H
#define TIM_SINK_H

#include <stddef.h>

#include "timclient.h"

#define SINK_MAX (64u << 20) /* an answer longer than this is refused */

struct sink {
    char *data; /* NUL-terminated; NULL until the first byte */
    size_t len, cap;
    int too_big;   /* the answer passed SINK_MAX */
    int no_memory; /* memory ran out while the answer came */
};

/* sink_write: libcurl's CURLOPT_WRITEFUNCTION for a struct sink *.
 * Returns the bytes taken; fewer (which stops the transfer) past the cap
 * (too_big set) or when memory runs out (no_memory set). */
size_t sink_write(char *p, size_t size, size_t n, void *sink);

/* sink_reset: empties the sink, keeping its storage. */
void sink_reset(struct sink *s);

/* tim_fail: fills err (when not NULL) with status and a message, and
 * returns status. */
int tim_fail(struct tim_error *err, enum tim_status status, const char *fmt,
             ...) __attribute__((format(printf, 3, 4)));

#endif
