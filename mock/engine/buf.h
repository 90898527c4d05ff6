/*
 * buf: one growable byte buffer with a hard cap.
 *
 * Every answer and every copied request goes through a buf.  The cap is how
 * the mock enforces its size limits (the 1 MB answer limit that gives 10018,
 * the 1 MiB request-body limit) without special cases: an append that would
 * pass the cap fails and leaves the buffer as it was.  The contents are kept
 * NUL-terminated for convenience; the terminator is not counted in len or
 * against the cap.
 */
#ifndef TIM_BUF_H
#define TIM_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t size; /* allocated bytes */
    size_t cap;  /* len never exceeds this */
};

/* buf_init: an empty buffer that will hold at most cap bytes. */
void buf_init(struct buf *b, size_t cap);

/* buf_release: frees the storage; the buffer is empty again (same cap). */
void buf_release(struct buf *b);

/* buf_reset: empties the buffer, keeping its storage for reuse. */
void buf_reset(struct buf *b);

/* buf_append: appends n bytes.  Returns 0, or -1 when the cap would be
 * passed or memory runs out; on failure the buffer is unchanged. */
int buf_append(struct buf *b, const void *p, size_t n);

/* buf_puts: buf_append of a NUL-terminated string. */
int buf_puts(struct buf *b, const char *s);

/* buf_put_u64: appends the exact decimal text of v. */
int buf_put_u64(struct buf *b, uint64_t v);

/* buf_printf: appends formatted text; same failure rules as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* buf_reserve: makes room for n more bytes without appending them.
 * Returns 0, or -1 past the cap or out of memory. */
int buf_reserve(struct buf *b, size_t n);

#endif
