/*
 * store: the apps the mock serves, and changes to their groups.
 *
 * An app holds its settings and its current groupset (groupset.h).  Each
 * group gets a unique 64-bit key when it is added, larger than every key the
 * app ever gave, so a cursor is a position that survives changes.  Loading
 * builds the store on one thread; store_finish checks and indexes it.  After
 * that the settings are read-only and any thread may read: app_groups hands
 * out a reference to the current groupset, and app_change builds a new one
 * and swaps it in atomically.  The rate counters and UserSig caches have
 * their own locks.
 */
#ifndef TIM_STORE_H
#define TIM_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "groupset.h"
#include "ratelimit.h"
#include "request.h"
#include "regions.h"
#include "sigcache.h"

struct groupgen;

/* group_type_name: "Public", ... for a type; "" for GT_ALL. */
const char *group_type_name(int type);

/* group_type_parse: the type named by the n bytes at s ("Public", ...), or
 * -1.  With console_names, "Work" (Private) and "Meeting" (ChatRoom) are
 * taken too. */
int group_type_parse(const char *s, size_t n, int console_names);

/* What SPEC section 3 allows as a group ID of a type: NULL when id (n bytes)
 * is fine, else a static text that says why not. */
const char *group_id_problem(const char *id, size_t n, int type);

struct app_quirks {
    int next_on_last_page; /* last page with groups carries a non-zero Next */
    int omit_next;         /* no Next in the request: no Next in the answer */
    int console_names;     /* GroupType "Work" and "Meeting" are accepted */
    int get_like_post;     /* GET is served like POST, no body counting {} */
};

/* A text that replaces the error table's ErrorInfo for one code. */
struct error_text {
    int code;
    char *text;
};

/* How answers look (SPEC section 1, v2).  Every flag is off by default; an
 * app's envelope starts as the service's and its own keys override it. */
struct envelope {
    int omit_error_info_on_success; /* the 2015 capture (S1) */
    int alphabetical;               /* keys in alphabetical order (S1) */
    int omit_action_status;         /* no ActionStatus (S8) */
    int request_id;                 /* a RequestId (S14) */
    int cors;                       /* the 2015 capture's CORS headers */
    int error_info_before_code;     /* v1 errors: ErrorInfo, then ErrorCode */
    struct error_text *texts;       /* owned; replace the table's texts */
    size_t n_texts;
};

/* Settings of the whole service: what happens before an app is known. */
struct service {
    int use_70020;        /* 70020 for an unknown app and the wrong region */
    int method_first;     /* v1: a non-POST gets 60002 before any check */
    int unknown_path_404; /* v1: other paths get a plain 404 */
    struct envelope envelope;
    const char *profile; /* the profile it names (profile.h), or NULL */
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
    struct body_rules strict; /* v1 strictness of the body (SPEC 2) */
    struct envelope envelope; /* texts NULL: only the service's apply */
    const char *profile;      /* its profile, own or the service's, or NULL */

    /* cursor keys: the first group gets first_key, each next one a key
     * larger by 1 to max_step (from the cursor seed) than the last given */
    uint64_t first_key;
    uint32_t max_step;
    uint64_t cursor_rng;
    uint64_t last_key; /* 0: none given yet */

    pthread_rwlock_t gs_lock;    /* guards gs, the pointer */
    pthread_mutex_t change_lock; /* one change at a time, and the keys */
    struct groupset *gs;         /* the current groups */
};

struct store {
    struct app **apps;
    size_t n_apps;
    struct service service;
    atomic_ullong request_seq; /* RequestIds given so far */
};

/* store_error_text: the fixture's ErrorInfo for code in an answer of app a
 * (NULL: an answer that names no app): the app's own text, else the
 * service's; NULL when the fixture sets none (the table's text applies). */
const char *store_error_text(const struct store *s, const struct app *a,
                             int code);

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

/* app_next_key: the key for the next group added, or 0 when the key space
 * is used up.  Callers hold change_lock (or are loading). */
uint64_t app_next_key(struct app *a);

/* app_generate: appends the groups g describes (groupgen.h) to gs, with
 * the app's next keys.  Returns 0, or -1 when memory or the key space runs
 * out.  Callers hold change_lock (or are loading). */
int app_generate(struct app *a, struct groupset *gs, const struct groupgen *g);

/* app_add_group: appends a group to the app's groups with the next key
 * (while loading; not thread-safe).  The ID is copied and not checked (the
 * loader checks it).  Returns 0, or -1. */
int app_add_group(struct app *a, const char *id, size_t n, int type);

/* app_add_group_at: the same with the given key, which must be greater
 * than every key the app has given (later groups get keys after it).
 * Returns 0, or -1 (key not greater, out of memory) adding nothing. */
int app_add_group_at(struct app *a, const char *id, size_t n, int type,
                     uint64_t key);

/* app_group_id: the ID of group i of the current groups, and its length
 * (while loading or in single-threaded tests). */
const char *app_group_id(const struct app *a, size_t i, size_t *n);

/* app_groups: a reference to the app's current groups, which never change;
 * give it back with groupset_release.  Thread-safe. */
struct groupset *app_groups(struct app *a);

/* A change to an app's groups: groups to create (listed, or generated from
 * a seed) and IDs to delete.  A created group of a type with keys of its
 * own (groupset.h) takes, for the pages of its type, one more than the
 * highest type key the type ever had. */
struct app_change {
    const char *const *create_ids;
    const int *create_types;
    size_t n_create;
    const struct groupgen *generate; /* or NULL */
    const char *const *delete_ids;
    size_t n_delete;
};

/* app_change: applies ch as one step: readers see the groups before it or
 * after it, never between.  New groups get new keys (after every cursor
 * handed out so far).  Returns 0, or an HTTP-like status with a reason in
 * why: 400 (an ID that SPEC section 3 forbids), 404 (an ID to delete that
 * no group has), 409 (an ID that a group has already), 500 (memory).
 * Thread-safe; O(groups of the app). */
int app_change(struct app *a, const struct app_change *ch, char *why,
               size_t whylen);

/* app_is_admin: 1 when identifier is one of the app's admins. */
int app_is_admin(const struct app *a, const char *identifier);

/* store_finish: builds the per-type indexes and checks that no app has two
 * groups with one ID.  Returns 0; on a duplicate returns -1 and stores the
 * app and the positions of the two groups in *app, *first, *second; -2 when
 * memory runs out. */
int store_finish(struct store *s, const struct app **app, size_t *first,
                 size_t *second);

#endif
