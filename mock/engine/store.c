/* store: apps, their groups in cursor order, and per-type indexes. */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groupgen.h"

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

static void free_texts(struct envelope *e)
{
    for (size_t i = 0; i < e->n_texts; i++)
        free(e->texts[i].text);
    free(e->texts);
    e->texts = NULL;
    e->n_texts = 0;
}

static void app_free(struct app *a)
{
    if (!a)
        return;
    free_texts(&a->envelope);
    free_strings(a->admins, a->n_admins);
    free_strings(a->identifiers, a->n_identifiers);
    free(a->key);
    groupset_release(a->gs);
    ratelimit_release(&a->rate);
    sigcache_release(&a->sigs);
    pthread_rwlock_destroy(&a->gs_lock);
    pthread_mutex_destroy(&a->change_lock);
    free(a);
}

void store_free(struct store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_apps; i++)
        app_free(s->apps[i]);
    free(s->apps);
    free_texts(&s->service.envelope);
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
    if (ratelimit_init(&a->rate) != 0)
        goto fail_app;
    if (sigcache_init(&a->sigs) != 0)
        goto fail_rate;
    if (pthread_rwlock_init(&a->gs_lock, NULL) != 0)
        goto fail_sigs;
    if (pthread_mutex_init(&a->change_lock, NULL) != 0)
        goto fail_gs_lock;
    if (!(a->gs = groupset_new())) {
        app_free(a); /* everything of a is made but its groups */
        return NULL;
    }
    a->sdkappid = sdkappid;
    a->check_usersig = 1;
    a->answer_limit = 1048576;
    a->rate_limit_code = 60007;
    a->quirks.next_on_last_page = 1;
    a->quirks.omit_next = 1;
    a->envelope = s->service.envelope; /* the flags: the texts stay its */
    a->envelope.texts = NULL;
    a->envelope.n_texts = 0;
    a->first_key = STORE_FIRST_KEY;
    a->max_step = STORE_MAX_STEP;
    a->cursor_rng = sdkappid;
    s->apps[s->n_apps++] = a;
    return a;

fail_gs_lock:
    pthread_rwlock_destroy(&a->gs_lock);
fail_sigs:
    sigcache_release(&a->sigs);
fail_rate:
    ratelimit_release(&a->rate);
fail_app:
    free(a);
    return NULL;
}

static const char *text_in(const struct envelope *e, int code)
{
    for (size_t i = 0; i < e->n_texts; i++)
        if (e->texts[i].code == code)
            return e->texts[i].text;
    return NULL;
}

const char *store_error_text(const struct store *s, const struct app *a,
                             int code)
{
    const char *t = a ? text_in(&a->envelope, code) : NULL;
    if (!t && s)
        t = text_in(&s->service.envelope, code);
    return t;
}

struct app *store_find_app(const struct store *s, uint64_t sdkappid)
{
    for (size_t i = 0; i < s->n_apps; i++)
        if (s->apps[i]->sdkappid == sdkappid)
            return s->apps[i];
    return NULL;
}

uint64_t app_next_key(struct app *a)
{
    if (!a->last_key)
        return a->last_key = a->first_key;
    uint64_t step = 1 + rng_below(&a->cursor_rng, a->max_step);
    if (a->last_key > UINT64_MAX - step)
        return 0;
    return a->last_key += step;
}

static uint64_t next_key_of(void *app)
{
    return app_next_key(app);
}

int app_generate(struct app *a, struct groupset *gs, const struct groupgen *g)
{
    return groupgen_run(gs, g, next_key_of, a);
}

int app_add_group(struct app *a, const char *id, size_t n, int type)
{
    uint64_t key = app_next_key(a);
    return key ? groupset_append(a->gs, key, id, n, type) : -1;
}

int app_add_group_at(struct app *a, const char *id, size_t n, int type,
                     uint64_t key)
{
    if (key <= a->last_key || groupset_append(a->gs, key, id, n, type) != 0)
        return -1;
    a->last_key = key;
    return 0;
}

const char *app_group_id(const struct app *a, size_t i, size_t *n)
{
    return groupset_id(a->gs, i, n);
}

struct groupset *app_groups(struct app *a)
{
    pthread_rwlock_rdlock(&a->gs_lock);
    struct groupset *g = groupset_retain(a->gs);
    pthread_rwlock_unlock(&a->gs_lock);
    return g;
}

__attribute__((format(printf, 4, 5))) static int
refuse(int status, char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return status;
}

/* Builds the groups after the change into *out; the caller holds
 * change_lock. */
static int build_change(struct app *a, const struct groupset *old,
                        const struct app_change *ch, struct groupset **out,
                        char *why, size_t whylen)
{
    unsigned char *drop = NULL;
    struct groupset *g = NULL;
    int rc = 500;
    if (ch->n_delete) {
        drop = calloc(old->n_groups ? old->n_groups : 1, 1);
        if (!drop)
            goto out;
        size_t missing = groupset_mark(old, ch->delete_ids, ch->n_delete, drop);
        if (missing == GROUPSET_MARK_NOMEM)
            goto out;
        if (missing < ch->n_delete) {
            rc = refuse(404, why, whylen, "no group has the ID \"%s\"",
                        ch->delete_ids[missing]);
            goto out;
        }
    }
    if (!(g = groupset_copy(old, drop)))
        goto out;
    for (size_t i = 0; i < ch->n_create; i++) {
        const char *id = ch->create_ids[i];
        int type = ch->create_types[i];
        const char *problem = group_id_problem(id, strlen(id), type);
        if (problem) {
            rc = refuse(400, why, whylen, "\"%s\": %s", id, problem);
            goto out;
        }
        uint64_t key = app_next_key(a);
        if (!key || groupset_append(g, key, id, strlen(id), type) != 0)
            goto out;
    }
    if (ch->generate && app_generate(a, g, ch->generate) != 0)
        goto out;
    size_t first, second;
    int dup = groupset_finish(g, &first, &second);
    if (dup == -1) {
        size_t n;
        const char *id = groupset_id(g, second, &n);
        rc = refuse(409, why, whylen, "a group has the ID \"%.*s\" already",
                    (int)n, id);
        goto out;
    }
    if (dup != 0)
        goto out;
    *out = g;
    g = NULL;
    rc = 0;
out:
    if (rc == 500)
        refuse(500, why, whylen, "out of memory or out of cursor keys");
    groupset_release(g);
    free(drop);
    return rc;
}

int app_change(struct app *a, const struct app_change *ch, char *why,
               size_t whylen)
{
    pthread_mutex_lock(&a->change_lock);
    struct groupset *old = app_groups(a), *g = NULL;
    int rc = build_change(a, old, ch, &g, why, whylen);
    if (rc == 0) {
        pthread_rwlock_wrlock(&a->gs_lock);
        struct groupset *was = a->gs;
        a->gs = g;
        pthread_rwlock_unlock(&a->gs_lock);
        groupset_release(was);
    }
    groupset_release(old);
    pthread_mutex_unlock(&a->change_lock);
    return rc;
}

int app_is_admin(const struct app *a, const char *identifier)
{
    for (size_t i = 0; i < a->n_admins; i++)
        if (strcmp(a->admins[i], identifier) == 0)
            return 1;
    return 0;
}

int store_finish(struct store *s, const struct app **app, size_t *first,
                 size_t *second)
{
    for (size_t i = 0; i < s->n_apps; i++) {
        int rc = groupset_finish(s->apps[i]->gs, first, second);
        if (rc == -1)
            *app = s->apps[i];
        if (rc != 0)
            return rc;
    }
    return 0;
}
