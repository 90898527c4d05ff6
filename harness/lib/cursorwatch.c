/* cursorwatch: the set of cursors a pull was given (cursorwatch.h). */
#include "cursorwatch.h"

#include <stdlib.h>

void cursorwatch_init(struct cursorwatch *w)
{
    w->slots = NULL;
    w->mask = 0;
    w->count = 0;
}

void cursorwatch_release(struct cursorwatch *w)
{
    free(w->slots);
    cursorwatch_init(w);
}

static size_t slot_of(uint64_t v, size_t mask)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    return (size_t)v & mask;
}

static void put(uint64_t *slots, size_t mask, uint64_t v)
{
    size_t h = slot_of(v, mask);
    while (slots[h])
        h = (h + 1) & mask;
    slots[h] = v;
}

static int grow(struct cursorwatch *w)
{
    size_t size = w->slots ? (w->mask + 1) * 2 : 64;
    uint64_t *slots = calloc(size, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; w->slots && i <= w->mask; i++)
        if (w->slots[i])
            put(slots, size - 1, w->slots[i]);
    free(w->slots);
    w->slots = slots;
    w->mask = size - 1;
    return 0;
}

int cursorwatch_seen(struct cursorwatch *w, uint64_t next)
{
    if (next == 0)
        return 0;
    if ((!w->slots || (w->count + 1) * 2 > w->mask + 1) && grow(w) != 0)
        return -1;
    for (size_t h = slot_of(next, w->mask); w->slots[h]; h = (h + 1) & w->mask)
        if (w->slots[h] == next)
            return 1;
    put(w->slots, w->mask, next);
    w->count++;
    return 0;
}
