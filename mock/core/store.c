/* store: apps, their groups in cursor order, and per-type indexes. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"

static const char *const type_names[GT_COUNT] = {
    "Public", "Private", "ChatRoom", "AVChatRoom", "BChatRoom", "Community"};

const char *group_type_name(int type)
{
    return type >= 0 && type < GT_COUNT ? type_names[type] : "";
}

static int is_name(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(s, name, n) == 0;
}

int group_type_parse(const char *s, size_t n, int console_names)
{
    for (int t = 0; t < GT_COUNT; t++)
        if (is_name(s, n, type_names[t]))
            return t;
    if (console_names && is_name(s, n, "Work"))
        return GT_PRIVATE;
    if (console_names && is_name(s, n, "Meeting"))
        return GT_CHATROOM;
    return -1;
}

const char *group_id_problem(const char *id, size_t n, int type)
{
    if (n == 0)
        return "a group ID cannot be empty";
    if (n > GROUP_ID_MAX)
        return "a group ID is at most 48 bytes";
    for (size_t i = 0; i < n; i++)
        if (id[i] < 0x20 || id[i] > 0x7e)
            return "a group ID is printable ASCII (0x20 to 0x7e)";
    int community_prefix = n >= 6 && memcmp(id, "@TGS#_", 6) == 0;
    if (type == GT_COMMUNITY && !community_prefix)
        return "a Community group ID starts with @TGS#_";
    if (type != GT_COMMUNITY && community_prefix)
        return "only Community group IDs start with @TGS#_";
    return NULL;
}

struct store *store_new(void)
{
    return calloc(1, sizeof(struct store));
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void app_free(struct app *a)
{
    if (!a)
        return;
    free_strings(a->admins, a->n_admins);
    free_strings(a->identifiers, a->n_identifiers);
    free(a->key);
    free(a->groups);
    for (int t = 0; t < GT_COUNT; t++)
        free(a->by_type[t]);
    free(a->ids);
    ratelimit_release(&a->rate);
    sigcache_release(&a->sigs);
    free(a);
}

void store_free(struct store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_apps; i++)
        app_free(s->apps[i]);
    free(s->apps);
    free(s);
}

struct app *store_add_app(struct store *s, uint64_t sdkappid)
{
    if (store_find_app(s, sdkappid))
        return NULL;
    struct app **apps = realloc(s->apps, (s->n_apps + 1) * sizeof *apps);
    if (!apps)
        return NULL;
    s->apps = apps;
    struct app *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    if (ratelimit_init(&a->rate) != 0) {
        free(a);
        return NULL;
    }
    if (sigcache_init(&a->sigs) != 0) {
        ratelimit_release(&a->rate);
        free(a);
        return NULL;
    }
    a->sdkappid = sdkappid;
    a->check_usersig = 1;
    a->answer_limit = 1048576;
    a->rate_limit_code = 60007;
    a->quirks.next_on_last_page = 1;
    a->quirks.omit_next = 1;
    a->first_key = STORE_FIRST_KEY;
    a->max_step = STORE_MAX_STEP;
    a->cursor_rng = sdkappid;
    s->apps[s->n_apps++] = a;
    return a;
}

struct app *store_find_app(const struct store *s, uint64_t sdkappid)
{
    for (size_t i = 0; i < s->n_apps; i++)
        if (s->apps[i]->sdkappid == sdkappid)
            return s->apps[i];
    return NULL;
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
    *p = q;
    *cap = n;
    return 0;
}

int app_add_group(struct app *a, const char *id, size_t n, int type)
{
    uint64_t key = a->first_key;
    if (a->n_groups) {
        uint64_t step = 1 + rng_below(&a->cursor_rng, a->max_step);
        key = a->groups[a->n_groups - 1].key;
        if (key > UINT64_MAX - step)
            return -1;
        key += step;
    }
    if (n > GROUP_ID_MAX || a->ids_len + n > UINT32_MAX ||
        a->n_groups >= UINT32_MAX)
        return -1;
    if (grow((void **)&a->groups, &a->cap_groups, a->n_groups + 1,
             sizeof *a->groups) ||
        grow((void **)&a->ids, &a->ids_cap, a->ids_len + n, 1))
        return -1;
    memcpy(a->ids + a->ids_len, id, n);
    a->groups[a->n_groups++] = (struct group){
        .key = key,
        .id_off = (uint32_t)a->ids_len,
        .id_len = (uint8_t)n,
        .type = (uint8_t)type,
    };
    a->ids_len += n;
    return 0;
}

int app_reserve(struct app *a, size_t n, size_t id_bytes)
{
    if (n > SIZE_MAX - a->n_groups || id_bytes > SIZE_MAX - a->ids_len)
        return -1;
    return grow((void **)&a->groups, &a->cap_groups, a->n_groups + n,
                sizeof *a->groups) ||
                   grow((void **)&a->ids, &a->ids_cap, a->ids_len + id_bytes, 1)
               ? -1
               : 0;
}

void app_remove_group(struct app *a, size_t i)
{
    if (i < a->unique_from)
        a->unique_from--;
    if (i < a->unique_to)
        a->unique_to--;
    memmove(&a->groups[i], &a->groups[i + 1],
            (a->n_groups - i - 1) * sizeof *a->groups);
    a->n_groups--;
}

const char *app_group_id(const struct app *a, size_t i, size_t *n)
{
    *n = a->groups[i].id_len;
    return a->ids + a->groups[i].id_off;
}

int app_is_admin(const struct app *a, const char *identifier)
{
    for (size_t i = 0; i < a->n_admins; i++)
        if (strcmp(a->admins[i], identifier) == 0)
            return 1;
    return 0;
}

static int build_indexes(struct app *a)
{
    size_t count[GT_COUNT] = {0};
    for (size_t i = 0; i < a->n_groups; i++)
        count[a->groups[i].type]++;
    for (int t = 0; t < GT_COUNT; t++) {
        free(a->by_type[t]);
        a->by_type[t] = malloc((count[t] ? count[t] : 1) * sizeof(uint32_t));
        if (!a->by_type[t])
            return -1;
        a->n_by_type[t] = 0;
    }
    for (size_t i = 0; i < a->n_groups; i++) {
        int t = a->groups[i].type;
        a->by_type[t][a->n_by_type[t]++] = (uint32_t)i;
    }
    return 0;
}

static uint64_t hash_id(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

struct id_set {
    uint32_t *slots; /* position + 1; 0 is empty */
    size_t mask;
};

/* Looks id up in the set; returns the position + 1 of an equal ID, or 0
 * after inserting pos when insert is set. */
static size_t id_set_find(struct id_set *set, const struct app *a, size_t pos,
                          int insert)
{
    size_t n;
    const char *id = app_group_id(a, pos, &n);
    size_t h = (size_t)hash_id(id, n) & set->mask;
    for (; set->slots[h]; h = (h + 1) & set->mask) {
        size_t m;
        const char *other = app_group_id(a, set->slots[h] - 1, &m);
        if (m == n && memcmp(other, id, n) == 0)
            return set->slots[h];
    }
    if (insert)
        set->slots[h] = (uint32_t)(pos + 1);
    return 0;
}

/* Finds two groups of a with one ID: returns 1 and their positions, 0 when
 * all IDs differ, -1 when memory runs out.  Groups in [unique_from,
 * unique_to) are only looked up, never inserted. */
static int find_duplicate(const struct app *a, size_t *first, size_t *second)
{
    size_t from = a->unique_from, to = a->unique_to;
    size_t others = a->n_groups - (to - from), slots = 16;
    while (slots < others * 2)
        slots *= 2;
    struct id_set set = {calloc(slots, sizeof(uint32_t)), slots - 1};
    if (!set.slots)
        return -1;
    int found = 0;
    for (size_t i = 0; i < a->n_groups && !found; i++) {
        if (i == from && to > from)
            i = to; /* those are looked up below */
        if (i >= a->n_groups)
            break;
        size_t dup = id_set_find(&set, a, i, 1);
        if (dup) {
            *first = dup - 1;
            *second = i;
            found = 1;
        }
    }
    for (size_t i = from; i < to && others && !found; i++) {
        size_t dup = id_set_find(&set, a, i, 0);
        if (dup) {
            *first = dup - 1 < i ? dup - 1 : i;
            *second = dup - 1 < i ? i : dup - 1;
            found = 1;
        }
    }
    free(set.slots);
    return found;
}

int store_finish(struct store *s, const struct app **app, size_t *first,
                 size_t *second)
{
    for (size_t i = 0; i < s->n_apps; i++) {
        struct app *a = s->apps[i];
        int dup = find_duplicate(a, first, second);
        if (dup < 0 || build_indexes(a) != 0)
            return -2;
        if (dup) {
            *app = a;
            return -1;
        }
    }
    return 0;
}
