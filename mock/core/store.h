/*
 * store: the apps the mock serves and their groups.
 *
 * An app's groups sit in one array in cursor order: each group has a unique
 * 64-bit key, and keys grow in the order groups are added.  A key is the
 * group's position in the one order shared by all types, and the Next cursor
 * the mock hands out is the key of the last group of a page (see page.h).
 * Beside the array, each group type has an index (ascending positions in the
 * array), so a page of one type costs a binary search plus the page itself.
 *
 * Lifecycle: store_new, add apps and groups, store_finish (checks and
 * indexes), then the store is read-only (but for each app's rate counter
 * and UserSig cache, which have their own locks) and may be read from any
 * number of threads.  Building is single-threaded.
 */
#ifndef TIM_STORE_H
#define TIM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"
#include "regions.h"
#include "sigcache.h"

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

/* group_type_name: "Public", ... for a type; "" for GT_ALL. */
const char *group_type_name(int type);

/* group_type_parse: the type named by the n bytes at s ("Public", ...), or
 * -1.  With console_names, "Work" (Private) and "Meeting" (ChatRoom) are
 * taken too. */
int group_type_parse(const char *s, size_t n, int console_names);

/* What SPEC section 3 allows as a group ID of a type: NULL when id (n bytes)
 * is fine, else a static text that says why not. */
const char *group_id_problem(const char *id, size_t n, int type);

#define GROUP_ID_MAX 48

struct group {
    uint64_t key;    /* position in cursor order; never 0 */
    uint32_t id_off; /* offset of the ID in the app's ID arena */
    uint8_t id_len;
    uint8_t type; /* enum group_type */
};

struct app_quirks {
    int next_on_last_page; /* last page with groups carries a non-zero Next */
    int omit_next;         /* no Next in the request: no Next in the answer */
    int console_names;     /* GroupType "Work" and "Meeting" are accepted */
};

struct app {
    uint64_t sdkappid;
    const struct tim_region *region; /* NULL: reachable from every region */
    char **admins;
    size_t n_admins;
    char **identifiers; /* known identifiers that are not admins */
    size_t n_identifiers;
    char *key;             /* the secret key text */
    int check_usersig;     /* 0: any UserSig is taken */
    size_t answer_limit;   /* bytes of a success answer, else 10018 */
    unsigned rate_limit;   /* calls per second; 0: none */
    int rate_limit_code;   /* ErrorCode when over it */
    struct ratelimit rate; /* mutable, behind its own lock */
    struct sigcache sigs;  /* mutable, behind its own lock */
    struct app_quirks quirks;

    /* cursor keys: the first group gets first_key, each next one a key
     * larger by 1 to max_step (from the cursor seed) */
    uint64_t first_key;
    uint32_t max_step;
    uint64_t cursor_rng;

    struct group *groups; /* ascending key */
    size_t n_groups, cap_groups;
    uint32_t *by_type[GT_COUNT]; /* positions in groups, ascending */
    size_t n_by_type[GT_COUNT];
    char *ids; /* arena of group IDs, not NUL-separated */
    size_t ids_len, ids_cap;
    /* positions [unique_from, unique_to) hold IDs known to differ from each
     * other (generated ones): store_finish checks them only against the
     * rest, which keeps loading 10 million groups fast */
    size_t unique_from, unique_to;
};

struct store {
    struct app **apps;
    size_t n_apps;
};

/* Default cursor keys: above 2^32, as real ones are; big ones above 2^53. */
#define STORE_FIRST_KEY     4454685361ULL
#define STORE_FIRST_BIG_KEY 9007199254740993ULL
#define STORE_MAX_STEP      1000u

/* store_new: an empty store, or NULL when out of memory. */
struct store *store_new(void);

/* store_free: frees the store, its apps and groups.  NULL does nothing. */
void store_free(struct store *s);

/* store_add_app: a new app with the documented defaults (answer limit
 * 1,048,576, UserSig checked, both quirks on, cursors above 2^32) and no
 * groups; the store owns it.  NULL when the sdkappid is taken or memory runs
 * out. */
struct app *store_add_app(struct store *s, uint64_t sdkappid);

/* store_find_app: the app with this sdkappid, or NULL.  Thread-safe once
 * finished. */
struct app *store_find_app(const struct store *s, uint64_t sdkappid);

/* app_add_group: appends a group with the next cursor key.  The ID is copied
 * and is not checked here (the loader checks it).  Returns 0, or -1 when
 * memory runs out, the key space or the arena is exhausted. */
int app_add_group(struct app *a, const char *id, size_t n, int type);

/* app_reserve: makes room for n more groups with IDs of id_bytes in all,
 * so that adding them does not reallocate.  Returns 0, or -1. */
int app_reserve(struct app *a, size_t n, size_t id_bytes);

/* app_remove_group: removes the group at position i; the keys of the
 * others do not change.  Call store_finish again before reading. */
void app_remove_group(struct app *a, size_t i);

/* app_group_id: the ID of group i of a and its length. */
const char *app_group_id(const struct app *a, size_t i, size_t *n);

/* app_is_admin: 1 when identifier is one of the app's admins. */
int app_is_admin(const struct app *a, const char *identifier);

/* store_finish: builds the per-type indexes and checks that no app has two
 * groups with one ID.  Returns 0; on a duplicate returns -1 and stores the
 * app and the positions of the two groups in *app, *first, *second; -2 when
 * memory runs out. */
int store_finish(struct store *s, const struct app **app, size_t *first,
                 size_t *second);

#endif
