/*
 * groupset: one app's groups at one moment, in cursor order.
 *
 * Groups sit in one array by ascending key (the key is a group's position
 * in the one order shared by all types; see page.h), each type has an
 * index of positions, and every group's item of a page is rendered once,
 * in key order (and again per type when a page of the type is asked for),
 * so that a page's items are one slice.  A groupset is built, finished
 * (indexed and checked for duplicate IDs), then never changed: a change to
 * an app's groups builds a new groupset and swaps it in, so a reader
 * holding a reference never sees half a change.  References are counted
 * atomically; a type's items, rendered once on first use, have their own
 * lock; everything else needs no lock.
 *
 * A type may also have keys of its own (a fixture's type_cursors, for a
 * service whose cursors of a type's pull do not fit the one order): its
 * typed pages are then cut by those keys, in the same order.  Only such a
 * type costs memory for them, one key per group of the type.
 */
#ifndef TIM_GROUPSET_H
#define TIM_GROUPSET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum group_type {
    GT_PUBLIC,
    GT_PRIVATE,
    GT_CHATROOM,
    GT_AVCHATROOM,
    GT_BCHATROOM,
    GT_COMMUNITY,
    GT_COUNT,
    GT_ALL = -1 /* no GroupType filter */
};

#define GROUP_ID_MAX 48

/* A group's item in a page, as the answer writes it: each group is
 * rendered once, when its snapshot is built, as ITEM_HEAD, its ID escaped
 * for JSON, ITEM_TAIL, and a comma. */
#define ITEM_HEAD     "{\"GroupId\":\""
#define ITEM_HEAD_LEN (sizeof ITEM_HEAD - 1)
#define ITEM_TAIL     "\"},"
#define ITEM_TAIL_LEN (sizeof ITEM_TAIL - 1)

/* Rendered items, one after another, and where each starts: item i is
 * text[at[i] .. at[i + 1]), its comma included; at[n] is len.  So the
 * items of a page are one slice of text, cut with two lookups. */
struct items {
    char *text;
    size_t len, cap; /* len < 4 GiB: offsets are 32 bits */
    uint32_t *at;    /* n + 1 entries */
    size_t at_cap;
};

#define GROUP_ID_IN_ITEM UINT32_MAX

struct group {
    uint64_t key; /* position in cursor order; never 0 */
    /* GROUP_ID_IN_ITEM: the ID is in the group's item, as it is (it needs
     * no escape); else the offset of the ID in the groupset's raw IDs */
    uint32_t raw_off;
    uint8_t id_len;
    uint8_t type; /* enum group_type */
};

struct groupset {
    atomic_uint refs;
    struct group *groups; /* ascending key */
    size_t n_groups, cap_groups;
    uint32_t *by_type[GT_COUNT]; /* positions in groups, ascending */
    size_t n_by_type[GT_COUNT];
    /* a type's own keys for its pages, or NULL (the groups' keys): entry i
     * is the key of group by_type[t][i], ascending; before finish, only
     * the first n_type_keys[t] are given, and finish gives each later
     * group of the type one more than the highest key the type ever had
     * (type_last, kept across copies, so that a deleted group's key is
     * never given again) */
    uint64_t *type_keys[GT_COUNT];
    size_t n_type_keys[GT_COUNT];
    uint64_t type_last[GT_COUNT];
    struct items all; /* every group's, in key order */
    /* each type's, rendered on the first page of the type: a snapshot of
     * 10 million groups starts in half the time, and memory */
    struct items of_type[GT_COUNT];
    atomic_int typed_ready[GT_COUNT]; /* of_type[t] is rendered */
    pthread_mutex_t typed_lock;       /* renders one at a time */
    char *raw; /* IDs whose items hold them escaped, as they are */
    size_t raw_len, raw_cap;
    /* positions [unique_from, unique_to) hold IDs known to differ from each
     * other (generated ones): the duplicate check compares them only with
     * the rest, which keeps 10 million groups fast */
    size_t unique_from, unique_to;
};

/* groupset_new: an empty set with one reference, or NULL. */
struct groupset *groupset_new(void);

/* groupset_retain / groupset_release: take and drop a reference; the last
 * release frees the set.  Releasing NULL does nothing.  Thread-safe. */
struct groupset *groupset_retain(struct groupset *g);
void groupset_release(struct groupset *g);

/* groupset_reserve: room for n more groups with id_bytes of IDs in all.
 * Returns 0, or -1. */
int groupset_reserve(struct groupset *g, size_t n, size_t id_bytes);

/* Memory a set has reserved and not used yet: up to three spans. */
struct groupset_spare {
    void *p[3];
    size_t len[3];
};

/* groupset_spare: the memory that n more groups with id_bytes of IDs (no
 * escapes) will be written to, after groupset_reserve made room for them. */
void groupset_spare(const struct groupset *g, size_t n, size_t id_bytes,
                    struct groupset_spare *s);

/* groupset_prefault: faults in the spans' pages without changing a byte
 * of them (madvise MADV_POPULATE_WRITE; nothing where Linux lacks it).
 * Safe while another thread appends into them, as long as none moves: a
 * generator runs it on a second thread, so that the kernel's zeroing of a
 * gigabyte and the groups' making take the longer of the two, not their
 * sum.  Never fails. */
void groupset_prefault(const struct groupset_spare *s);

/* A thread that runs groupset_prefault over the memory n more groups will
 * be written to while the caller appends them: the kernel's zeroing of a
 * gigabyte and the groups' making then take the longer of the two, not
 * their sum.  Start it after groupset_reserve made room for the groups, and
 * join it before the set is released. */
struct groupset_faulter {
    struct groupset_spare spare;
    pthread_t thread;
    int running;
};

/* groupset_faulter_start: starts the thread for n groups with id_bytes of
 * IDs when n is in the hundred thousands or more (for fewer it is not worth
 * a thread).  Never fails: without a thread the appends fault the pages in
 * themselves. */
void groupset_faulter_start(struct groupset_faulter *f,
                            const struct groupset *g, size_t n,
                            size_t id_bytes);

/* groupset_faulter_join: waits for the thread, if one was started. */
void groupset_faulter_join(struct groupset_faulter *f);

/* groupset_append: appends a group whose key is greater than every key in
 * the set, and renders its item.  The ID is copied, not checked.  Returns
 * 0, or -1 when memory or the items' 4 GiB run out. */
int groupset_append(struct groupset *g, uint64_t key, const char *id, size_t n,
                    int type);

/* groupset_type_keys: gives the first n groups of type (in key order) keys
 * of their own for the pages of the type; keys ascending, none 0.  The
 * set takes keys (malloc'd) in every case.  groupset_finish gives the
 * type's later groups one more than the key before each.  Returns 0, or -1
 * when the keys are not ascending or the type is not one (keys freed). */
int groupset_type_keys(struct groupset *g, int type, uint64_t *keys, size_t n);

/* groupset_key: the key by which entry i of the pages of type (GT_ALL: all
 * groups) is cut: the type's own key when it has them, else the group's. */
static inline uint64_t groupset_key(const struct groupset *g, int type,
                                    size_t i)
{
    if (type == GT_ALL)
        return g->groups[i].key;
    if (g->type_keys[type])
        return g->type_keys[type][i];
    return g->groups[g->by_type[type][i]].key;
}

/* groupset_id: the ID of the group at position i, and its length. */
const char *groupset_id(const struct groupset *g, size_t i, size_t *n);

/* groupset_finish: builds the per-type indexes and items, gives the type
 * keys not given yet (groupset_type_keys) and checks that no two groups
 * share an ID.  For 100,000 groups or more the check runs on a thread of
 * its own, started and joined here, while the indexes are built.  Returns
 * 0; -1 with the positions of two groups with one ID in *first < *second;
 * -2 when memory runs out. */
int groupset_finish(struct groupset *g, size_t *first, size_t *second);

/* groupset_copy: a new set (one reference, not finished) holding the groups
 * of g (finished) whose drop[position] is 0 (drop may be NULL), with their
 * type keys, with room for more. */
struct groupset *groupset_copy(const struct groupset *g,
                               const unsigned char *drop);

/* groupset_mark: for each of the n IDs, sets drop[position] of the group
 * that has it.  Returns the index of the first ID that no group has, n
 * when all were found, or GROUPSET_MARK_NOMEM when memory runs out (drop
 * is then untouched).  O(groups + n). */
#define GROUPSET_MARK_NOMEM ((size_t)-1)
size_t groupset_mark(const struct groupset *g, const char *const *ids, size_t n,
                     unsigned char *drop);

/* groupset_items: the items of type (GT_ALL: of all groups) of a finished
 * set, entry i of them being entry i of by_type[type] (or group i).  A
 * type's items are rendered on the first call for it, once, whatever the
 * threads; NULL when memory runs out.  Thread-safe. */
const struct items *groupset_items(struct groupset *g, int type);

#endif
