/*
 * page: where a page of group IDs is cut.
 *
 * A cursor is a position in the app's one order (see groupset.h): the page
 * holds the first Limit groups of the requested type whose key is greater
 * than the cursor, and its items are one slice of the groupset's rendered
 * items (groupset.h).  Any cursor value is accepted, issued or not, under any
 * type.  Because a cursor names a position and not a group, paging stays
 * correct while groups come and go: every group that exists for the whole
 * pull is met exactly once.  A type with keys of its own (groupset.h) has
 * its typed pages cut, and its Next given, by those, in the same order.
 * Cost: one binary search, whatever the page's
 * length.
 */
#ifndef TIM_PAGE_H
#define TIM_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct page {
    const struct groupset *gs;
    const uint32_t *index; /* positions of the type's groups; NULL: all */
    size_t first;          /* first entry of index (or groups) on the page */
    size_t count;          /* entries on the page */
    uint64_t total;        /* TotalCount: groups of the type (or all) */
    uint64_t next;         /* the Next to answer */
    const char *items;     /* the page's rendered items, commas between */
    size_t items_len;      /* 0 for an empty page */
};

/* page_cut: cuts the page after cursor `after` of at most limit groups of
 * type (GT_ALL for all) from gs, the groups of app.  Next is the key of the
 * page's last group (its type key when the type has keys of its own); it is 0
 * when the page is empty, and also when nothing follows the page unless the
 * app's next_on_last_page quirk is on.  The page points into gs, which must
 * outlive it.  Returns 0, or -1 when the type's items cannot be rendered (out
 * of memory).  Thread-safe. */
int page_cut(const struct app *app, struct groupset *gs, int type,
             uint64_t after, uint32_t limit, struct page *out);

/* page_group: the position in app->groups of entry i of the page. */
static inline size_t page_group(const struct page *p, size_t i)
{
    return p->index ? p->index[p->first + i] : p->first + i;
}

#endif
