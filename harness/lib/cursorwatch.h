/*
 * cursorwatch: catches a pull that would never end.
 *
 * It remembers every Next a pull has been given (an open-addressing set of
 * 64-bit values) and says when one comes again, whether at once (A, A) or
 * after others (A, B, A).  The set grows with the pull: a few kilobytes for
 * a pull of large pages.
 */
#ifndef TIM_CURSORWATCH_H
#define TIM_CURSORWATCH_H

#include <stddef.h>
#include <stdint.h>

struct cursorwatch {
    uint64_t *slots; /* 0 is an empty slot; cursor 0 is never stored */
    size_t mask;
    size_t count;
};

/* cursorwatch_init / cursorwatch_release: an empty watch, and its end. */
void cursorwatch_init(struct cursorwatch *w);
void cursorwatch_release(struct cursorwatch *w);

/* cursorwatch_seen: records next; returns 1 if it was seen before, 0 if
 * not, -1 when memory runs out.  0 (the end of a pull) is never "seen". */
int cursorwatch_seen(struct cursorwatch *w, uint64_t next);

#endif
