/* groupset: an immutable snapshot of an app's groups (groupset.h). */
#include "groupset.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "hash.h"
#include "jsonesc.h"

struct groupset *groupset_new(void)
{
    struct groupset *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    if (pthread_mutex_init(&g->typed_lock, NULL) != 0) {
        free(g);
        return NULL;
    }
    atomic_init(&g->refs, 1);
    for (int t = 0; t < GT_COUNT; t++)
        atomic_init(&g->typed_ready[t], 0);
    return g;
}

struct groupset *groupset_retain(struct groupset *g)
{
    atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

static void items_free(struct items *it)
{
    free(it->text);
    free(it->at);
}

void groupset_release(struct groupset *g)
{
    if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(g->groups);
    for (int t = 0; t < GT_COUNT; t++) {
        free(g->by_type[t]);
        free(g->type_keys[t]);
        items_free(&g->of_type[t]);
    }
    items_free(&g->all);
    free(g->raw);
    pthread_mutex_destroy(&g->typed_lock);
    free(g);
}

/* Asks the kernel to back a large block with huge pages: a snapshot of
 * 10 million groups touches a gigabyte, and with 4 KiB pages the faults
 * alone cost seconds of start-up.  Only a hint: nothing fails without. */
static void want_huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t to = ((uintptr_t)p + n) & ~(huge - 1);
    if (n >= 2 * huge && to > from)
        (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / elem)
        return -1;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    want_huge_pages(q, n * elem);
    *p = q;
    *cap = n;
    return 0;
}

/* The bytes of an item around an ID of n bytes that needs no escape. */
#define ITEM_PLAIN(n) (ITEM_HEAD_LEN + (n) + ITEM_TAIL_LEN)

int groupset_reserve(struct groupset *g, size_t n, size_t id_bytes)
{
    if (n > SIZE_MAX / 32 - g->n_groups || id_bytes > SIZE_MAX / 2)
        return -1;
    size_t groups = g->n_groups + n;
    return grow((void **)&g->groups, &g->cap_groups, groups,
                sizeof *g->groups) ||
                   grow((void **)&g->all.at, &g->all.at_cap, groups + 1,
                        sizeof *g->all.at) ||
                   grow((void **)&g->all.text, &g->all.cap,
                        g->all.len + id_bytes + ITEM_PLAIN(0) * n +
                            ITEM_PLAIN(JSONESC_MAX(GROUP_ID_MAX)),
                        1)
               ? -1
               : 0;
}

/* One span: from p + from to p + to, no further than cap bytes in. */
static void spare_span(struct groupset_spare *s, int i, const void *p,
                       size_t from, size_t to, size_t cap)
{
    to = to < cap ? to : cap;
    s->p[i] = p ? (char *)p + from : NULL;
    s->len[i] = p && to > from ? to - from : 0;
}

void groupset_spare(const struct groupset *g, size_t n, size_t id_bytes,
                    struct groupset_spare *s)
{
    size_t e = sizeof *g->groups, a = sizeof *g->all.at;
    spare_span(s, 0, g->groups, g->n_groups * e, (g->n_groups + n) * e,
               g->cap_groups * e);
    spare_span(s, 1, g->all.at, (g->n_groups + 1) * a,
               (g->n_groups + n + 1) * a, g->all.at_cap * a);
    spare_span(s, 2, g->all.text, g->all.len,
               g->all.len + id_bytes + ITEM_PLAIN(0) * n, g->all.cap);
}

void groupset_prefault(const struct groupset_spare *s)
{
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = 4096;
    for (int i = 0; i < 3; i++) {
        uintptr_t from = ((uintptr_t)s->p[i] + page - 1) & ~(page - 1);
        uintptr_t to = ((uintptr_t)s->p[i] + s->len[i]) & ~(page - 1);
        if (s->len[i] && to > from)
            (void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
    }
#else
    (void)s;
#endif
}

/* Groups from which the memory is faulted in on another thread. */
#define PREFAULT_FROM 100000

static void *prefault_thread(void *spare)
{
    groupset_prefault(spare);
    return NULL;
}

void groupset_faulter_start(struct groupset_faulter *f,
                            const struct groupset *g, size_t n, size_t id_bytes)
{
    groupset_spare(g, n, id_bytes, &f->spare);
    f->running =
        n >= PREFAULT_FROM &&
        pthread_create(&f->thread, NULL, prefault_thread, &f->spare) == 0;
}

void groupset_faulter_join(struct groupset_faulter *f)
{
    if (f->running)
        pthread_join(f->thread, NULL);
    f->running = 0;
}

int groupset_append(struct groupset *g, uint64_t key, const char *id, size_t n,
                    int type)
{
    struct items *all = &g->all;
    size_t most = ITEM_PLAIN(JSONESC_MAX(n));
    if (n > GROUP_ID_MAX || all->len + most > UINT32_MAX ||
        g->n_groups >= UINT32_MAX - 1 || groupset_reserve(g, 1, n) != 0 ||
        grow((void **)&all->text, &all->cap, all->len + most, 1) != 0)
        return -1;
    char *item = all->text + all->len;
    memcpy(item, ITEM_HEAD, ITEM_HEAD_LEN);
    size_t esc = jsonesc(item + ITEM_HEAD_LEN, id, n, 0);
    memcpy(item + ITEM_HEAD_LEN + esc, ITEM_TAIL, ITEM_TAIL_LEN);
    uint32_t raw_off = GROUP_ID_IN_ITEM;
    if (esc != n) { /* the item holds it escaped: keep it as it is too */
        if (g->raw_len + n >= UINT32_MAX ||
            grow((void **)&g->raw, &g->raw_cap, g->raw_len + n, 1) != 0)
            return -1;
        memcpy(g->raw + g->raw_len, id, n);
        raw_off = (uint32_t)g->raw_len;
        g->raw_len += n;
    }
    g->groups[g->n_groups] = (struct group){
        .key = key,
        .raw_off = raw_off,
        .id_len = (uint8_t)n,
        .type = (uint8_t)type,
    };
    all->at[g->n_groups] = (uint32_t)all->len;
    all->len += ITEM_PLAIN(esc);
    all->at[++g->n_groups] = (uint32_t)all->len;
    return 0;
}

int groupset_type_keys(struct groupset *g, int type, uint64_t *keys, size_t n)
{
    int ok = type >= 0 && type < GT_COUNT && n;
    for (size_t i = 0; ok && i < n; i++)
        ok = keys[i] && (i == 0 || keys[i] > keys[i - 1]);
    if (!ok) {
        free(keys);
        return -1;
    }
    free(g->type_keys[type]);
    g->type_keys[type] = keys;
    g->n_type_keys[type] = n;
    if (keys[n - 1] > g->type_last[type])
        g->type_last[type] = keys[n - 1];
    return 0;
}

/* Gives the groups of type t past those given keys one more than the key
 * before each.  Returns 0, or -1 (memory, or keys, ran out). */
static int fill_type_keys(struct groupset *g, int t)
{
    size_t n = g->n_by_type[t], have = g->n_type_keys[t];
    if (!g->type_keys[t] || have >= n)
        return 0;
    uint64_t *k = realloc(g->type_keys[t], n * sizeof *k);
    if (!k)
        return -1;
    g->type_keys[t] = k;
    uint64_t prev = g->type_last[t];
    for (size_t i = have; i < n; i++) {
        if (prev == UINT64_MAX)
            return -1;
        k[i] = ++prev;
    }
    g->n_type_keys[t] = n;
    g->type_last[t] = prev;
    return 0;
}

const char *groupset_id(const struct groupset *g, size_t i, size_t *n)
{
    const struct group *gr = &g->groups[i];
    *n = gr->id_len;
    if (gr->raw_off != GROUP_ID_IN_ITEM)
        return g->raw + gr->raw_off;
    return g->all.text + g->all.at[i] + ITEM_HEAD_LEN;
}

/* Makes room for the n items (len bytes) of one type. */
static int items_alloc(struct items *it, size_t n, size_t len)
{
    items_free(it);
    *it = (struct items){0};
    it->text = malloc(len ? len : 1);
    it->at = malloc((n + 1) * sizeof *it->at);
    if (!it->text || !it->at)
        return -1;
    want_huge_pages(it->text, len);
    want_huge_pages(it->at, (n + 1) * sizeof *it->at);
    it->cap = len ? len : 1;
    it->at_cap = n + 1;
    it->at[0] = 0;
    return 0;
}

/* Renders the items of type t, copied from those of all groups. */
static int build_items(struct groupset *g, int t)
{
    size_t n = g->n_by_type[t], len = 0;
    const uint32_t *at = g->all.at, *pos = g->by_type[t];
    for (size_t i = 0; i < n; i++)
        len += at[pos[i] + 1] - at[pos[i]];
    struct items *it = &g->of_type[t];
    if (items_alloc(it, n, len) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t k = at[pos[i] + 1] - at[pos[i]];
        memcpy(it->text + it->len, g->all.text + at[pos[i]], k);
        it->len += k;
        it->at[i + 1] = (uint32_t)it->len;
    }
    return 0;
}

const struct items *groupset_items(struct groupset *g, int type)
{
    /* a type that has every group shares the items of all */
    if (type == GT_ALL || g->n_by_type[type] == g->n_groups)
        return &g->all;
    if (atomic_load_explicit(&g->typed_ready[type], memory_order_acquire))
        return &g->of_type[type];
    pthread_mutex_lock(&g->typed_lock);
    int ready =
        atomic_load_explicit(&g->typed_ready[type], memory_order_relaxed) ||
        build_items(g, type) == 0;
    if (ready)
        atomic_store_explicit(&g->typed_ready[type], 1, memory_order_release);
    pthread_mutex_unlock(&g->typed_lock);
    return ready ? &g->of_type[type] : NULL;
}

static int build_indexes(struct groupset *g)
{
    size_t count[GT_COUNT] = {0};
    for (size_t i = 0; i < g->n_groups; i++)
        count[g->groups[i].type]++;
    for (int t = 0; t < GT_COUNT; t++) {
        free(g->by_type[t]);
        g->by_type[t] = malloc((count[t] ? count[t] : 1) * sizeof(uint32_t));
        if (!g->by_type[t])
            return -1;
        g->n_by_type[t] = 0;
    }
    for (size_t i = 0; i < g->n_groups; i++) {
        int t = g->groups[i].type;
        g->by_type[t][g->n_by_type[t]++] = (uint32_t)i;
    }
    return 0;
}

static uint64_t hash_id(const char *s, size_t n)
{
    uint64_t h = hash_bytes(HASH_SEED, s, n);
    return h ^ (h >> 29);
}

/* An open-addressing set of IDs.  A slot holds an index + 1 into the IDs
 * in its low 32 bits and the high 32 bits of the ID's hash (a tag) in its
 * high ones: a probe reads an ID only when the tags agree, so that looking
 * up 10 million IDs costs one cache miss each (the slot), not four (the
 * slot, the group, its offset and its text). */
struct id_set {
    uint64_t *slots;
    size_t mask;
};

#define SLOT_INDEX(s) ((size_t)((s)&UINT32_MAX))
#define SLOT_TAG(h)   ((h) >> 32 << 32)

/* Room for n IDs, at most two thirds full. */
static int id_set_init(struct id_set *set, size_t n)
{
    size_t slots = 16;
    while (slots < n + n / 2)
        slots *= 2;
    set->slots = calloc(slots, sizeof *set->slots);
    set->mask = slots - 1;
    if (!set->slots)
        return -1;
    want_huge_pages(set->slots, slots * sizeof *set->slots);
    return 0;
}

/* Finds id, whose hash_id is h, among the IDs the set holds (get(data,
 * index) gives them); returns its index + 1, or 0 after inserting `index`
 * when insert is set. */
static size_t id_set_find(struct id_set *set, uint64_t h, const char *id,
                          size_t n,
                          const char *(*get)(const void *, size_t, size_t *),
                          const void *data, size_t index, int insert)
{
    uint64_t tag = SLOT_TAG(h);
    size_t at = (size_t)h & set->mask;
    for (; set->slots[at]; at = (at + 1) & set->mask) {
        size_t m, i = SLOT_INDEX(set->slots[at]);
        if (SLOT_TAG(set->slots[at]) != tag)
            continue;
        const char *other = get(data, i - 1, &m);
        if (m == n && memcmp(other, id, n) == 0)
            return i;
    }
    if (insert)
        set->slots[at] = tag | (uint64_t)(index + 1);
    return 0;
}

static const char *get_group(const void *data, size_t i, size_t *n)
{
    return groupset_id(data, i, n);
}

/* IDs looked up at once: their hashes are taken and their slots fetched
 * first, so that the batch's cache misses overlap. */
#define ID_BATCH 32

/* Looks up the IDs at positions [from, to) of g in order, adding each
 * (insert) or not.  At the first one found, returns 1 with its position
 * in *at and the other's in *was; else 0. */
static int find_range(struct id_set *set, const struct groupset *g, size_t from,
                      size_t to, int insert, size_t *at, size_t *was)
{
    uint64_t h[ID_BATCH];
    size_t n;
    for (size_t i = from; i < to; i += ID_BATCH) {
        size_t k = to - i < ID_BATCH ? to - i : ID_BATCH;
        for (size_t j = 0; j < k; j++) {
            const char *id = groupset_id(g, i + j, &n);
            h[j] = hash_id(id, n);
            __builtin_prefetch(&set->slots[(size_t)h[j] & set->mask], 1);
        }
        for (size_t j = 0; j < k; j++) {
            const char *id = groupset_id(g, i + j, &n);
            size_t dup =
                id_set_find(set, h[j], id, n, get_group, g, i + j, insert);
            if (dup) {
                *at = i + j;
                *was = dup - 1;
                return 1;
            }
        }
    }
    return 0;
}

/* Two groups of g with one ID: returns 1 and their positions, 0 when all
 * IDs differ, -1 when memory runs out.  The groups outside the generated
 * range are added in order, so the first of them whose ID came before is
 * the one named; then the range's are looked up among them. */
static int find_duplicate(const struct groupset *g, size_t *first,
                          size_t *second)
{
    size_t from = g->unique_from, to = g->unique_to, at, was;
    if (to <= from)
        from = to = 0;
    size_t others = g->n_groups - (to - from);
    struct id_set set;
    if (id_set_init(&set, others) != 0)
        return -1;
    int found = find_range(&set, g, 0, from, 1, &at, &was) ||
                find_range(&set, g, to, g->n_groups, 1, &at, &was) ||
                (others && find_range(&set, g, from, to, 0, &at, &was));
    if (found) {
        *first = was < at ? was : at;
        *second = was < at ? at : was;
    }
    free(set.slots);
    return found;
}

/* The duplicate check of a set, run on its own thread. */
struct dup_job {
    const struct groupset *g;
    size_t first, second;
    int found;
};

static void *dup_thread(void *job)
{
    struct dup_job *j = job;
    j->found = find_duplicate(j->g, &j->first, &j->second);
    return NULL;
}

int groupset_finish(struct groupset *g, size_t *first, size_t *second)
{
    /* the check and the indexes read the groups and nothing else: for a
     * large set the check runs on a second thread meanwhile */
    struct dup_job job = {g, 0, 0, 0};
    pthread_t thread;
    int threaded = g->n_groups >= PREFAULT_FROM &&
                   pthread_create(&thread, NULL, dup_thread, &job) == 0;
    if (!threaded)
        dup_thread(&job);
    int indexed = build_indexes(g);
    if (threaded)
        pthread_join(thread, NULL);
    if (job.found < 0 || indexed != 0)
        return -2;
    for (int t = 0; t < GT_COUNT; t++)
        if (fill_type_keys(g, t) != 0)
            return -2;
    if (job.found) {
        *first = job.first;
        *second = job.second;
    }
    return job.found ? -1 : 0;
}

struct groupset *groupset_copy(const struct groupset *g,
                               const unsigned char *drop)
{
    struct groupset *c = groupset_new();
    if (!c || groupset_reserve(c, g->n_groups + 1, g->all.len + 1) != 0) {
        groupset_release(c);
        return NULL;
    }
    for (int t = 0; t < GT_COUNT; t++) {
        c->type_last[t] = g->type_last[t];
        /* room for each group of the type; n_type_keys counts those kept */
        if (g->type_keys[t] &&
            !(c->type_keys[t] = malloc((g->n_by_type[t] ? g->n_by_type[t] : 1) *
                                       sizeof *c->type_keys[t]))) {
            groupset_release(c);
            return NULL;
        }
    }
    size_t of_type[GT_COUNT] = {0}; /* entries of each type met */
    for (size_t i = 0; i < g->n_groups; i++) {
        int t = g->groups[i].type;
        size_t e = of_type[t]++;
        if (drop && drop[i])
            continue;
        if (c->type_keys[t])
            c->type_keys[t][c->n_type_keys[t]++] = g->type_keys[t][e];
        size_t n;
        const char *id = groupset_id(g, i, &n);
        if (groupset_append(c, g->groups[i].key, id, n, t)) {
            groupset_release(c);
            return NULL;
        }
    }
    return c;
}

static const char *get_string(const void *data, size_t i, size_t *n)
{
    const char *s = ((const char *const *)data)[i];
    *n = strlen(s);
    return s;
}

size_t groupset_mark(const struct groupset *g, const char *const *ids, size_t n,
                     unsigned char *drop)
{
    struct id_set set;
    unsigned char *seen = calloc(n ? n : 1, 1);
    size_t missing = n;
    if (!seen || id_set_init(&set, n) != 0) {
        free(seen);
        return GROUPSET_MARK_NOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(ids[k]);
        id_set_find(&set, hash_id(ids[k], len), ids[k], len, get_string, ids, k,
                    1);
    }
    for (size_t i = 0; i < g->n_groups; i++) {
        size_t len;
        const char *id = groupset_id(g, i, &len);
        size_t k =
            id_set_find(&set, hash_id(id, len), id, len, get_string, ids, 0, 0);
        if (k) {
            drop[i] = 1;
            seen[k - 1] = 1;
        }
    }
    /* an ID given twice is found through its first copy */
    for (size_t k = 0; k < n && missing == n; k++) {
        size_t len = strlen(ids[k]);
        size_t first = id_set_find(&set, hash_id(ids[k], len), ids[k], len,
                                   get_string, ids, k, 0);
        if (!seen[k] && !(first && seen[first - 1]))
            missing = k;
    }
    free(set.slots);
    free(seen);
    return missing;
}
