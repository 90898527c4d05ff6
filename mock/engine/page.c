/* page: cutting a page after a cursor (page.h). */
#include "page.h"

static uint64_t key_at(const struct groupset *g, const uint32_t *index,
                       size_t i)
{
    return g->groups[index ? index[i] : i].key;
}

/* The first entry whose key is greater than after. */
static size_t first_after(const struct groupset *a, const uint32_t *index,
                          size_t n, uint64_t after)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_at(a, index, mid) <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The same over a type's own keys (groupset.h). */
static size_t first_above(const uint64_t *keys, size_t n, uint64_t after)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int page_cut(const struct app *app, struct groupset *gs, int type,
             uint64_t after, uint32_t limit, struct page *out)
{
    const uint32_t *index = type == GT_ALL ? NULL : gs->by_type[type];
    size_t n = type == GT_ALL ? gs->n_groups : gs->n_by_type[type];
    const uint64_t *own = type == GT_ALL ? NULL : gs->type_keys[type];
    size_t first =
        own ? first_above(own, n, after) : first_after(gs, index, n, after);
    size_t count = n - first < limit ? n - first : limit;
    uint64_t next = 0;
    const char *items = NULL;
    size_t items_len = 0;
    if (count) {
        const struct items *it = groupset_items(gs, type);
        if (!it)
            return -1;
        items = it->text + it->at[first];
        items_len = it->at[first + count] - it->at[first] - 1; /* the comma */
    }
    if (count && (first + count < n || app->quirks.next_on_last_page))
        next =
            own ? own[first + count - 1] : key_at(gs, index, first + count - 1);
    *out = (struct page){
        .gs = gs,
        .index = index,
        .first = first,
        .count = count,
        .total = n,
        .next = next,
        .items = items,
        .items_len = items_len,
    };
    return 0;
}
