/* fixture: a JSON data set, checked and loaded into a store (fixture.h). */
#include "fixture.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "groupgen.h"
#include "jsonget.h"
#include "jsonint.h"
#include "profile.h"
#include "request.h"

/* What the loader is doing: the fixture's name and where the error goes. */
struct ctx {
    const char *name;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
fail(struct ctx *c, const char *path, const char *fmt, ...)
{
    int n = snprintf(c->err, c->errlen, "%s: %s: ", c->name, path);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The path of a member or an element, for messages. */
static const char *sub(char *out, size_t size, const char *path,
                       const char *key, int index)
{
    int n = key ? snprintf(out, size, "%s.%s", path, key)
                : snprintf(out, size, "%s[%d]", path, index);
    if (n < 0 || (size_t)n >= size) /* a path that long is cut short */
        out[size - 1] = '\0';
    return out;
}

#define PATH_MAX_LEN 256

static int check_object(struct ctx *c, const cJSON *o, const char *path,
                        const char *const *keys)
{
    if (!cJSON_IsObject(o))
        return fail(c, path, "must be an object");
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *const *k = keys;
        while (*k && strcmp(*k, m->string) != 0)
            k++;
        if (!*k && strcmp(m->string, "comment") != 0) {
            char p[PATH_MAX_LEN];
            return fail(c, sub(p, sizeof p, path, m->string, 0), "unknown key");
        }
        for (const cJSON *o2 = m->next; o2; o2 = o2->next)
            if (strcmp(o2->string, m->string) == 0) {
                char p[PATH_MAX_LEN];
                return fail(c, sub(p, sizeof p, path, m->string, 0),
                            "the key appears twice");
            }
    }
    return 0;
}

/* An integer member in [min, max] (jsonget_u64: max <= 2^53); absent
 * leaves *out as it is unless required. */
static int get_uint(struct ctx *c, const cJSON *o, const char *path,
                    const char *key, uint64_t min, uint64_t max, int required,
                    uint64_t *out)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    sub(p, sizeof p, path, key, 0);
    if (!v)
        return required ? fail(c, p, "is required") : 0;
    if (jsonget_u64(v, min, max, out) != 0)
        return fail(c, p, "must be an integer from %llu to %llu",
                    (unsigned long long)min, (unsigned long long)max);
    return 0;
}

static int get_bool(struct ctx *c, const cJSON *o, const char *path,
                    const char *key, int *out)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return fail(c, sub(p, sizeof p, path, key, 0), "must be true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

/* A non-empty string member; absent leaves *out NULL unless required. */
static int get_string(struct ctx *c, const cJSON *o, const char *path,
                      const char *key, int required, const char **out)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    sub(p, sizeof p, path, key, 0);
    *out = NULL;
    if (!v)
        return required ? fail(c, p, "is required") : 0;
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return fail(c, p, "must be a non-empty string");
    *out = v->valuestring;
    return 0;
}

static int get_type(struct ctx *c, const cJSON *o, const char *path,
                    const char *key, int *out)
{
    const char *s;
    if (get_string(c, o, path, key, 1, &s))
        return -1;
    *out = group_type_parse(s, strlen(s), 0);
    if (*out < 0) {
        char p[PATH_MAX_LEN];
        return fail(c, sub(p, sizeof p, path, key, 0),
                    "unknown group type \"%s\" (Public, Private, ChatRoom, "
                    "AVChatRoom, BChatRoom, Community)",
                    s);
    }
    return 0;
}

/* An array of non-empty strings, copied. */
static int get_strings(struct ctx *c, const cJSON *o, const char *path,
                       const char *key, int required, char ***out, size_t *n)
{
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    sub(p, sizeof p, path, key, 0);
    if (!v)
        return required ? fail(c, p, "is required") : 0;
    if (!cJSON_IsArray(v) || (required && !cJSON_GetArraySize(v)))
        return fail(c, p, "must be a%s array of strings",
                    required ? " non-empty" : "n");
    size_t count = (size_t)cJSON_GetArraySize(v);
    *out = calloc(count ? count : 1, sizeof **out);
    if (!*out)
        return fail(c, p, "out of memory");
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e) || !e->valuestring[0])
            return fail(c, sub(q, sizeof q, p, NULL, i),
                        "must be a non-empty string");
        if (!((*out)[(*n)++] = strdup(e->valuestring)))
            return fail(c, p, "out of memory");
    }
    return 0;
}

/* A boolean setting and where it lives in its struct (an int). */
struct flag {
    const char *key;
    size_t offset;
};

/* An object of boolean settings: every key must be one of flags or of
 * others (NULL-terminated, or NULL; read by the caller); each flag present
 * sets its int in base. */
static int get_flags(struct ctx *c, const cJSON *o, const char *path,
                     const struct flag *flags, const char *const *others,
                     void *base)
{
    const char *keys[16];
    size_t n = 0, k = 0;
    for (; flags[n].key; n++)
        keys[k++] = flags[n].key;
    for (size_t i = 0; others && others[i]; i++)
        keys[k++] = others[i];
    keys[k] = NULL;
    if (check_object(c, o, path, keys))
        return -1;
    for (size_t i = 0; i < n; i++) {
        int *out = (int *)((char *)base + flags[i].offset);
        if (get_bool(c, o, path, flags[i].key, out))
            return -1;
    }
    return 0;
}

static int load_rate_limit(struct ctx *c, const cJSON *o, const char *path,
                           struct app *a)
{
    static const char *const keys[] = {"calls_per_second", "error_code", NULL};
    uint64_t calls = 0, code = TIM_ERR_RATE_LIMIT;
    if (check_object(c, o, path, keys) ||
        get_uint(c, o, path, "calls_per_second", 1, 1000000, 1, &calls) ||
        get_uint(c, o, path, "error_code", 1, 99999, 0, &code))
        return -1;
    a->rate_limit = (unsigned)calls;
    a->rate_limit_code = (int)code;
    return 0;
}

static int load_quirks(struct ctx *c, const cJSON *o, const char *path,
                       struct app *a)
{
    static const struct flag flags[] = {
        {"next_on_last_page", offsetof(struct app_quirks, next_on_last_page)},
        {"omit_next", offsetof(struct app_quirks, omit_next)},
        {"console_type_names", offsetof(struct app_quirks, console_names)},
        {"get_like_post", offsetof(struct app_quirks, get_like_post)},
        {NULL, 0}};
    return get_flags(c, o, path, flags, NULL, &a->quirks);
}

static int load_strict(struct ctx *c, const cJSON *o, const char *path,
                       struct app *a)
{
    static const struct flag flags[] = {
        {"null_fields", offsetof(struct body_rules, null_is_error)},
        {"empty_grouptype", offsetof(struct body_rules, empty_type_is_error)},
        {NULL, 0}};
    return get_flags(c, o, path, flags, NULL, &a->strict);
}

/* "envelope": flags over the ones inherited (store.h). */
static int get_envelope(struct ctx *c, const cJSON *o, const char *path,
                        struct envelope *e)
{
    static const struct flag flags[] = {
        {"omit_error_info_on_success",
         offsetof(struct envelope, omit_error_info_on_success)},
        {"alphabetical", offsetof(struct envelope, alphabetical)},
        {"omit_action_status", offsetof(struct envelope, omit_action_status)},
        {"request_id", offsetof(struct envelope, request_id)},
        {"cors", offsetof(struct envelope, cors)},
        {"error_info_before_code",
         offsetof(struct envelope, error_info_before_code)},
        {NULL, 0}};
    return get_flags(c, o, path, flags, NULL, e);
}

/* Sets the text of code in e, replacing the one e has: a later layer
 * (profile, then the fixture's own keys) wins code by code. */
static int set_text(struct envelope *e, int code, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return -1;
    for (size_t i = 0; i < e->n_texts; i++)
        if (e->texts[i].code == code) {
            free(e->texts[i].text);
            e->texts[i].text = copy;
            return 0;
        }
    struct error_text *v = realloc(e->texts, (e->n_texts + 1) * sizeof *v);
    if (!v) {
        free(copy);
        return -1;
    }
    e->texts = v;
    e->texts[e->n_texts++] = (struct error_text){code, copy};
    return 0;
}

/* "error_texts": {"CODE": "text", ...}; a text may be empty. */
static int get_texts(struct ctx *c, const cJSON *o, const char *path,
                     struct envelope *e)
{
    char p[PATH_MAX_LEN];
    uint64_t code;
    if (!cJSON_IsObject(o))
        return fail(c, path, "must be an object of code: text");
    for (const cJSON *m = o->child; m; m = m->next) {
        sub(p, sizeof p, path, m->string, 0);
        if (strcmp(m->string, "comment") == 0)
            continue;
        if (query_u64(m->string, &code) != 0 || code == 0 || code > 99999)
            return fail(c, p, "the key must be an error code from 1 to 99999");
        if (!cJSON_IsString(m))
            return fail(c, p, "must be a string");
        if (set_text(e, (int)code, m->valuestring) != 0)
            return fail(c, p, "out of memory");
    }
    return 0;
}

/* ---- profiles (profile.h): a region's habits, under the fixture's own
 * settings ---- */

/* The keys of a profile: the app's settings, and the service's flags. */
static const char *const profile_keys[] = {"service",  "quirks",      "strict",
                                           "envelope", "error_texts", NULL};

/* The profile o names ("profile"), in *out; NULL when it names none.  An
 * unknown name is an error that lists the known ones. */
static int get_profile(struct ctx *c, const cJSON *o, const char *path,
                       const struct profile **out)
{
    char p[PATH_MAX_LEN], known[256];
    const char *name;
    *out = NULL;
    if (get_string(c, o, path, "profile", 0, &name))
        return -1;
    if (!name || (*out = profile_find(name)))
        return 0;
    profile_list(known, sizeof known);
    return fail(c, sub(p, sizeof p, path, "profile", 0),
                "unknown profile \"%s\" (known: %s)", name, known);
}

/* A shipped profile's document, checked; messages then name the fixture
 * and the profile (pc, whose name is written into name). */
static cJSON *open_profile(struct ctx *c, const struct profile *pr,
                           struct ctx *pc, char *name, size_t n)
{
    char why[128];
    snprintf(name, n, "%s: profile %s", c->name, pr->name);
    *pc = (struct ctx){name, c->err, c->errlen};
    cJSON *doc = jsonget_parse(pr->json, pr->len, why, sizeof why);
    if (!doc) {
        fail(pc, "$", "%s", why);
        return NULL;
    }
    if (check_object(pc, doc, "$", profile_keys)) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

static int load_envelope(struct ctx *c, const cJSON *o, const char *path,
                         struct app *a)
{
    return get_envelope(c, o, path, &a->envelope);
}

static int load_texts(struct ctx *c, const cJSON *o, const char *path,
                      struct app *a)
{
    return get_texts(c, o, path, &a->envelope);
}

/* Applies profile pr to app a: its quirks and strictness, and with
 * envelope also its envelope and texts (an app that takes the service's
 * profile has those from the service already). */
static int apply_app_profile(struct ctx *c, const struct profile *pr,
                             struct app *a, int envelope)
{
    static const struct {
        const char *key;
        int (*load)(struct ctx *, const cJSON *, const char *, struct app *);
    } parts[] = {{"quirks", load_quirks},
                 {"strict", load_strict},
                 {"envelope", load_envelope},
                 {"error_texts", load_texts}};
    char name[PATH_MAX_LEN], p[PATH_MAX_LEN];
    struct ctx pc;
    cJSON *doc = open_profile(c, pr, &pc, name, sizeof name);
    int rc = doc ? 0 : -1;
    for (size_t i = 0; doc && i < (envelope ? 4u : 2u) && rc == 0; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, parts[i].key);
        if (v)
            rc = parts[i].load(&pc, v, sub(p, sizeof p, "$", parts[i].key, 0),
                               a);
    }
    cJSON_Delete(doc);
    a->profile = pr->name;
    return rc;
}

static const struct flag service_flags[] = {
    {"use_70020", offsetof(struct service, use_70020)},
    {"method_first", offsetof(struct service, method_first)},
    {"unknown_path_404", offsetof(struct service, unknown_path_404)},
    {NULL, 0}};

/* Applies profile pr to the service: its flags, envelope and texts. */
static int apply_service_profile(struct ctx *c, const struct profile *pr,
                                 struct service *sv)
{
    char name[PATH_MAX_LEN];
    struct ctx pc;
    cJSON *doc = open_profile(c, pr, &pc, name, sizeof name);
    if (!doc)
        return -1;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, "service"),
                *e = cJSON_GetObjectItemCaseSensitive(doc, "envelope"),
                *t = cJSON_GetObjectItemCaseSensitive(doc, "error_texts");
    int rc = (f && get_flags(&pc, f, "$.service", service_flags, NULL, sv)) ||
                     (e && get_envelope(&pc, e, "$.envelope", &sv->envelope)) ||
                     (t && get_texts(&pc, t, "$.error_texts", &sv->envelope))
                 ? -1
                 : 0;
    cJSON_Delete(doc);
    sv->profile = pr->name;
    return rc;
}

/* "service": what holds before an app is known, and the apps' defaults:
 * its profile first, then its own keys over it. */
static int load_service(struct ctx *c, const cJSON *o, const char *path,
                        struct service *sv)
{
    static const char *const others[] = {"envelope", "error_texts", "profile",
                                         NULL};
    static const char *const keys[] = {
        "use_70020", "method_first", "unknown_path_404",
        "envelope",  "error_texts",  "profile",
        NULL};
    char p[PATH_MAX_LEN];
    const struct profile *pr;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "envelope");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "error_texts");
    if (check_object(c, o, path, keys) || get_profile(c, o, path, &pr) ||
        (pr && apply_service_profile(c, pr, sv)) ||
        get_flags(c, o, path, service_flags, others, sv) ||
        (e && get_envelope(c, e, sub(p, sizeof p, path, "envelope", 0),
                           &sv->envelope)) ||
        (t && get_texts(c, t, sub(p, sizeof p, path, "error_texts", 0),
                        &sv->envelope)))
        return -1;
    return 0;
}

static int load_cursors(struct ctx *c, const cJSON *o, const char *path,
                        struct app *a)
{
    static const char *const keys[] = {"big", "max_step", "seed", NULL};
    int big = 0;
    uint64_t step = a->max_step;
    if (check_object(c, o, path, keys) || get_bool(c, o, path, "big", &big) ||
        get_uint(c, o, path, "max_step", 1, 1000000, 0, &step) ||
        get_uint(c, o, path, "seed", 0, 1ULL << 53, 0, &a->cursor_rng))
        return -1;
    a->first_key = big ? STORE_FIRST_BIG_KEY : STORE_FIRST_KEY;
    a->max_step = (uint32_t)step;
    return 0;
}

/* A cursor key: an integer up to 2^53, or exact digits in a string, from 1
 * to 2^64 - 1. */
static int parse_cursor(struct ctx *c, const cJSON *v, const char *path,
                        uint64_t *out)
{
    uint64_t k = 0;
    int ok =
        cJSON_IsString(v)
            ? jsonint_parse_u64(v->valuestring, strlen(v->valuestring), &k) == 0
            : jsonget_u64(v, 1, 1ULL << 53, &k) == 0;
    if (!ok || k == 0)
        return fail(c, path,
                    "must be a cursor key from 1 to 18446744073709551615 (a "
                    "number, or a string of digits past 2^53)");
    *out = k;
    return 0;
}

/* Adds one listed group, checked, at key (0: the app's next key); id_path
 * and key_path name them in messages. */
static int add_listed(struct ctx *c, struct app *a, const char *id, size_t n,
                      int type, uint64_t key, const char *id_path,
                      const char *key_path)
{
    const char *problem = group_id_problem(id, n, type);
    if (problem)
        return fail(c, id_path, "\"%.*s\": %s", (int)n, id, problem);
    if (key && key <= a->last_key)
        return fail(c, key_path,
                    "%llu is not greater than the key before it (%llu): keys "
                    "increase in the order listed",
                    (unsigned long long)key, (unsigned long long)a->last_key);
    if ((key ? app_add_group_at(a, id, n, type, key)
             : app_add_group(a, id, n, type)) != 0)
        return fail(c, id_path, "out of memory or out of cursor keys");
    return 0;
}

static int load_groups(struct ctx *c, const cJSON *v, const char *path,
                       struct app *a)
{
    static const char *const keys[] = {"id", "type", "cursor", NULL};
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];
    if (!cJSON_IsArray(v))
        return fail(c, path, "must be an array of {\"id\", \"type\"}");
    int i = 0;
    for (const cJSON *g = v->child; g; g = g->next, i++) {
        const char *id;
        int type;
        uint64_t key = 0;
        sub(p, sizeof p, path, NULL, i);
        sub(r, sizeof r, p, "cursor", 0);
        const cJSON *cur = cJSON_GetObjectItemCaseSensitive(g, "cursor");
        if (check_object(c, g, p, keys) || get_string(c, g, p, "id", 1, &id) ||
            get_type(c, g, p, "type", &type) ||
            (cur && parse_cursor(c, cur, r, &key)) ||
            add_listed(c, a, id, strlen(id), type, key,
                       sub(q, sizeof q, p, "id", 0), r))
            return -1;
    }
    return 0;
}

/* The letters of group_columns.types, in enum group_type order. */
static const char type_letters[GT_COUNT] = {'P', 'V', 'C', 'A', 'B', 'M'};

/* The cursors of group_columns: [[ROW, KEY], ...], rows ascending. */
static int get_column_cursors(struct ctx *c, const cJSON *v, const char *path,
                              size_t rows, uint64_t **out)
{
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return fail(c, path, "must be an array of [ROW, CURSOR]");
    *out = calloc(rows ? rows : 1, sizeof **out);
    if (!*out)
        return fail(c, path, "out of memory");
    int i = 0;
    uint64_t last = 0, row;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        sub(p, sizeof p, path, NULL, i);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
            return fail(c, p, "must be [ROW, CURSOR]");
        if (jsonget_u64(e->child, 0, rows ? rows - 1 : 0, &row) != 0 || !rows)
            return fail(c, sub(q, sizeof q, p, NULL, 0),
                        "must be a row from 0 to %zu, the rows of ids",
                        rows ? rows - 1 : 0);
        if (i && row <= last)
            return fail(c, sub(q, sizeof q, p, NULL, 0),
                        "row %llu is not after the row before it (%llu)",
                        (unsigned long long)row, (unsigned long long)last);
        if (parse_cursor(c, e->child->next, sub(q, sizeof q, p, NULL, 1),
                         &(*out)[row]))
            return -1;
        last = row;
    }
    return 0;
}

/* Where cursor of row sits in the cursors array, for messages. */
static const char *column_cursor_path(char *out, size_t size, const char *path,
                                      const cJSON *cursors, size_t row)
{
    int i = 0;
    for (const cJSON *e = cursors->child; e; e = e->next, i++)
        if ((size_t)e->child->valueint == row)
            break;
    if (snprintf(out, size, "%.200s.cursors[%d][1]", path, i) < 0)
        out[0] = '\0';
    return out;
}

/* The type_cursors of type t (group_columns rows from at, of letters t):
 * the type's own keys (fixtures/README.md), given to the groupset up to
 * the last row named; groupset_finish fills the rest. */
static int load_type_cursor_list(struct ctx *c, const cJSON *v,
                                 const char *path, struct app *a, int type,
                                 size_t at, const char *letters, size_t rows)
{
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN + 32];
    struct groupset *g = a->gs;
    if (!cJSON_IsArray(v) || !v->child)
        return fail(c, path, "must be a non-empty array of [ROW, CURSOR]");
    size_t most = 0; /* entries of the type up to the last row named */
    for (size_t i = 0; i < at + rows; i++)
        most += g->groups[i].type == type;
    uint64_t *keys = malloc((most ? most : 1) * sizeof *keys);
    if (!keys)
        return fail(c, path, "out of memory");
    size_t pos = 0, entry = 0, filled = 0; /* next position, its entry */
    uint64_t row = 0, key = 0, last_row = 0;
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        sub(p, sizeof p, path, NULL, i);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2) {
            fail(c, p, "must be [ROW, CURSOR]");
            goto bad;
        }
        sub(q, sizeof q, p, NULL, 0);
        if (jsonget_u64(e->child, 0, rows ? rows - 1 : 0, &row) != 0 || !rows) {
            fail(c, q, "must be a row from 0 to %zu, the rows of ids",
                 rows ? rows - 1 : 0);
            goto bad;
        }
        if (i && row <= last_row) {
            fail(c, q, "row %llu is not after the row before it (%llu)",
                 (unsigned long long)row, (unsigned long long)last_row);
            goto bad;
        }
        if (letters[row] != type_letters[type]) {
            fail(c, q, "row %llu is of type '%c', not '%c'",
                 (unsigned long long)row, letters[row], type_letters[type]);
            goto bad;
        }
        if (parse_cursor(c, e->child->next, sub(q, sizeof q, p, NULL, 1), &key))
            goto bad;
        for (; pos < at + row; pos++) /* the entry of the row */
            entry += g->groups[pos].type == type;
        if (!i && key <= entry) {
            fail(c, q,
                 "%llu leaves no room for the %zu groups of type '%c' before "
                 "row %llu, which take the keys just below it",
                 (unsigned long long)key, entry, type_letters[type],
                 (unsigned long long)row);
            goto bad;
        }
        for (; !i && filled < entry; filled++) /* keys below the first */
            keys[filled] = key - (entry - filled);
        for (; filled < entry; filled++) /* one more each */
            keys[filled] = keys[filled - 1] + 1;
        if (i && key <= keys[entry - 1]) {
            fail(c, q,
                 "%llu is not greater than the type key before it (%llu; "
                 "rows between take one more each)",
                 (unsigned long long)key, (unsigned long long)keys[entry - 1]);
            goto bad;
        }
        keys[filled++] = key;
        last_row = row;
    }
    if (groupset_type_keys(g, type, keys, filled) != 0) /* checked above */
        return fail(c, path, "the type keys do not increase");
    return 0;
bad:
    free(keys);
    return -1;
}

/* group_columns.type_cursors: {"V": [[ROW, CURSOR], ...], ...}. */
static int load_type_cursors(struct ctx *c, const cJSON *o, const char *path,
                             struct app *a, size_t at, const char *letters,
                             size_t rows)
{
    char p[PATH_MAX_LEN];
    int given[GT_COUNT] = {0};
    if (!cJSON_IsObject(o))
        return fail(c, path,
                    "must be an object of type letters, each with an array "
                    "of [ROW, CURSOR]");
    for (const cJSON *m = o->child; m; m = m->next) {
        snprintf(p, sizeof p, "%.200s.%.32s", path, m->string);
        int type = 0;
        while (type < GT_COUNT &&
               (strlen(m->string) != 1 || type_letters[type] != m->string[0]))
            type++;
        if (type == GT_COUNT)
            return fail(c, p,
                        "is not a type letter: P(ublic), (Pri)V(ate), "
                        "C(hatRoom), A(VChatRoom), B(ChatRoom), (Com)M(unity)");
        if (given[type]++)
            return fail(c, p, "type '%c' is given twice", type_letters[type]);
        if (load_type_cursor_list(c, m, p, a, type, at, letters, rows))
            return -1;
    }
    return 0;
}

/* Groups listed in columns, for snapshots of millions (fixtures/README.md):
 * one type letter a group, one ID a line, and the cursor keys of some
 * rows. */
static int load_group_columns(struct ctx *c, const cJSON *o, const char *path,
                              struct app *a)
{
    static const char *const keys[] = {"types", "ids", "cursors",
                                       "type_cursors", NULL};
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN + 32], r[PATH_MAX_LEN + 32];
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(o, "types");
    const cJSON *tc = cJSON_GetObjectItemCaseSensitive(o, "type_cursors");
    size_t row0 = a->gs->n_groups; /* the position of row 0 */
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(o, "ids");
    const cJSON *cursors = cJSON_GetObjectItemCaseSensitive(o, "cursors");
    uint64_t *at = NULL;
    struct groupset_faulter faulter = {.running = 0};
    int rc = -1;
    if (check_object(c, o, path, keys))
        return -1;
    if (!cJSON_IsString(types))
        return fail(c, sub(p, sizeof p, path, "types", 0),
                    "must be a string of type letters");
    if (!cJSON_IsString(ids))
        return fail(c, sub(p, sizeof p, path, "ids", 0),
                    "must be a string of IDs, each ending in a newline");
    const char *t = types->valuestring, *s = ids->valuestring;
    size_t rows = strlen(t), len = strlen(s);
    if (get_column_cursors(c, cursors, sub(p, sizeof p, path, "cursors", 0),
                           rows, &at))
        goto out;
    if (groupset_reserve(a->gs, rows, len) != 0) {
        fail(c, path, "out of memory");
        goto out;
    }
    /* the groups' memory is faulted in meanwhile, on another thread */
    groupset_faulter_start(&faulter, a->gs, rows, len > rows ? len - rows : 0);
    sub(p, sizeof p, path, "ids", 0);
    for (size_t row = 0; row < rows; row++) {
        const char *nl = memchr(s, '\n', len - (size_t)(s - ids->valuestring));
        if (!nl) {
            fail(c, p,
                 "has %zu lines, types %zu letters: one ID a line, each "
                 "ending in a newline",
                 row, rows);
            goto out;
        }
        int type = 0;
        while (type < GT_COUNT && type_letters[type] != t[row])
            type++;
        if (type == GT_COUNT) {
            snprintf(q, sizeof q, "%.200s.types", path);
            fail(c, q,
                 "letter %zu is '%c': the letters are P(ublic), "
                 "(Pri)V(ate), C(hatRoom), A(VChatRoom), B(ChatRoom), "
                 "(Com)M(unity)",
                 row, t[row]);
            goto out;
        }
        size_t n = (size_t)(nl - s);
        uint64_t key = at ? at[row] : 0;
        /* the paths are made only for a message: millions of rows */
        if (group_id_problem(s, n, type) || (key && key <= a->last_key) ||
            (key ? app_add_group_at(a, s, n, type, key)
                 : app_add_group(a, s, n, type)) != 0) {
            snprintf(q, sizeof q, "%.200s line %zu", p, row);
            /* the same checks again, with the message; memory that ran
             * out above may not run out twice */
            if (add_listed(
                    c, a, s, n, type, key, q,
                    key ? column_cursor_path(r, sizeof r, path, cursors, row)
                        : q) == 0)
                fail(c, q, "out of memory or out of cursor keys");
            goto out;
        }
        s = nl + 1;
    }
    if (*s) {
        fail(c, p, "has more lines than types has letters (%zu)", rows);
        goto out;
    }
    if (tc &&
        load_type_cursors(c, tc, sub(p, sizeof p, path, "type_cursors", 0), a,
                          row0, t, rows))
        goto out;
    rc = 0;
out:
    groupset_faulter_join(&faulter);
    free(at);
    return rc;
}

static int parse_generate(struct ctx *c, const cJSON *o, const char *path,
                          struct groupgen *g)
{
    static const char *const keys[] = {"seed", "ids", "id_length", "counts",
                                       NULL};
    static const char *const types[] = {"Public",     "Private",   "ChatRoom",
                                        "AVChatRoom", "BChatRoom", "Community",
                                        NULL};
    char p[PATH_MAX_LEN];
    const char *ids = NULL;
    uint64_t len = 24;
    memset(g, 0, sizeof *g);
    g->seed = 1;
    if (check_object(c, o, path, keys) ||
        get_uint(c, o, path, "seed", 0, 1ULL << 53, 0, &g->seed) ||
        get_string(c, o, path, "ids", 0, &ids) ||
        get_uint(c, o, path, "id_length", 1, GROUP_ID_MAX, 0, &len))
        return -1;
    if (ids && strcmp(ids, "server") != 0 && strcmp(ids, "custom") != 0)
        return fail(c, sub(p, sizeof p, path, "ids", 0),
                    "must be \"server\" or \"custom\"");
    g->custom = ids && strcmp(ids, "custom") == 0;
    g->id_length = (unsigned)len;
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "counts");
    sub(p, sizeof p, path, "counts", 0);
    if (!counts)
        return fail(c, p, "is required");
    if (check_object(c, counts, p, types))
        return -1;
    for (int t = 0; t < GT_COUNT; t++)
        if (get_uint(c, counts, p, types[t], 0, 100000000, 0, &g->counts[t]))
            return -1;
    const char *problem = groupgen_problem(g);
    return problem ? fail(c, path, "%s", problem) : 0;
}

int fixture_parse_generate(const cJSON *o, const char *name,
                           struct groupgen *out, char *err, size_t errlen)
{
    struct ctx c = {name, err, errlen};
    return parse_generate(&c, o, "$", out);
}

static int load_generate(struct ctx *c, const cJSON *o, const char *path,
                         struct app *a)
{
    struct groupgen g;
    if (parse_generate(c, o, path, &g))
        return -1;
    if (app_generate(a, a->gs, &g) != 0)
        return fail(c, path, "out of memory or out of cursor keys");
    return 0;
}

/* How many groups of an app came from groups and from group_columns. */
struct listed {
    size_t groups, columns;
};

static int load_app(struct ctx *c, struct store *s, const cJSON *o,
                    const char *path, struct listed *listed)
{
    static const char *const keys[] = {
        "sdkappid",     "region",     "admins",
        "identifiers",  "key",        "check_usersig",
        "answer_limit", "rate_limit", "quirks",
        "cursors",      "groups",     "group_columns",
        "generate",     "strict",     "envelope",
        "error_texts",  "profile",    NULL};
    char p[PATH_MAX_LEN];
    uint64_t sdkappid = 0, limit = 1048576;
    const char *region = NULL, *key = NULL;
    if (check_object(c, o, path, keys) ||
        get_uint(c, o, path, "sdkappid", 1, UINT32_MAX, 1, &sdkappid))
        return -1;
    struct app *a = store_add_app(s, sdkappid);
    if (!a)
        return fail(c, sub(p, sizeof p, path, "sdkappid", 0),
                    "%llu: another app has this sdkappid",
                    (unsigned long long)sdkappid);
    if (get_bool(c, o, path, "check_usersig", &a->check_usersig) ||
        get_string(c, o, path, "key", a->check_usersig, &key) ||
        get_string(c, o, path, "region", 0, &region) ||
        get_strings(c, o, path, "admins", 1, &a->admins, &a->n_admins) ||
        get_strings(c, o, path, "identifiers", 0, &a->identifiers,
                    &a->n_identifiers) ||
        get_uint(c, o, path, "answer_limit", 64, 1ULL << 30, 0, &limit))
        return -1;
    a->answer_limit = (size_t)limit;
    if (key && !(a->key = strdup(key)))
        return fail(c, path, "out of memory");
    if (region && !(a->region = tim_region_find(region)))
        return fail(c, sub(p, sizeof p, path, "region", 0),
                    "unknown region \"%s\"", region);
    /* its profile (else the service's), then its own settings over it */
    const struct profile *pr,
        *spr = s->service.profile ? profile_find(s->service.profile) : NULL;
    if (get_profile(c, o, path, &pr) ||
        ((pr || spr) && apply_app_profile(c, pr ? pr : spr, a, pr != NULL)))
        return -1;
    static const struct {
        const char *key;
        int (*load)(struct ctx *, const cJSON *, const char *, struct app *);
    } parts[] = {
        {"rate_limit", load_rate_limit}, {"quirks", load_quirks},
        {"strict", load_strict},         {"envelope", load_envelope},
        {"error_texts", load_texts},     {"cursors", load_cursors},
        {"groups", load_groups},         {"group_columns", load_group_columns},
        {"generate", load_generate}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, parts[i].key);
        if (v &&
            parts[i].load(c, v, sub(p, sizeof p, path, parts[i].key, 0), a))
            return -1;
        if (strcmp(parts[i].key, "groups") == 0)
            listed->groups = a->gs->n_groups;
        if (strcmp(parts[i].key, "group_columns") == 0)
            listed->columns = a->gs->n_groups - listed->groups;
    }
    return 0;
}

/* A "next" to match: an integer up to 2^53, or exact digits in a string. */
static int get_next(struct ctx *c, const cJSON *m, const char *path,
                    struct fault_rule *r)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "next");
    if (!v)
        return 0;
    sub(p, sizeof p, path, "next", 0);
    r->match_next = MATCH_NEXT_EQUAL;
    if (cJSON_IsString(v))
        return jsonint_parse_u64(v->valuestring, strlen(v->valuestring),
                                 &r->next) == 0
                   ? 0
                   : fail(c, p, "must be an unsigned 64-bit integer");
    return get_uint(c, m, path, "next", 0, 1ULL << 53, 1, &r->next);
}

static int parse_match(struct ctx *c, const cJSON *m, const char *p,
                       struct fault_rule *r)
{
    static const char *const keys[] = {
        "sdkappid",  "identifier",  "group_type", "next", "next_nonzero",
        "every_nth", "probability", "seed",       NULL};
    const char *identifier = NULL;
    int nonzero = 0;
    const cJSON *prob = cJSON_GetObjectItemCaseSensitive(m, "probability");
    if (check_object(c, m, p, keys) ||
        get_uint(c, m, p, "sdkappid", 1, UINT32_MAX, 0, &r->sdkappid) ||
        get_string(c, m, p, "identifier", 0, &identifier) ||
        get_uint(c, m, p, "every_nth", 1, 1ULL << 53, 0, &r->every_nth) ||
        get_uint(c, m, p, "seed", 0, 1ULL << 53, 0, &r->seed) ||
        get_next(c, m, p, r) || get_bool(c, m, p, "next_nonzero", &nonzero))
        return -1;
    r->has_sdkappid = r->sdkappid != 0;
    if (nonzero && r->match_next)
        return fail(c, p, "give next or next_nonzero, not both");
    if (nonzero)
        r->match_next = MATCH_NEXT_NONZERO;
    if (identifier && strlen(identifier) >= sizeof r->identifier)
        return fail(c, p, "identifier is too long");
    if (identifier)
        strcpy(r->identifier, identifier);
    if (cJSON_GetObjectItemCaseSensitive(m, "group_type") &&
        get_type(c, m, p, "group_type", &r->type))
        return -1;
    if (prob) {
        r->probability = cJSON_IsNumber(prob) ? prob->valuedouble : -1;
        if (!(r->probability >= 0 && r->probability <= 1)) {
            char q[PATH_MAX_LEN];
            return fail(c, sub(q, sizeof q, p, "probability", 0),
                        "must be a number from 0 to 1");
        }
    }
    return 0;
}

/* "delay": {"uniform": [MIN, MAX]} or {"lognormal": {"median_ms", "sigma"}} */
static int parse_delay(struct ctx *c, const cJSON *d, const char *p,
                       struct fault_action *a)
{
    static const char *const keys[] = {"uniform", "lognormal", NULL};
    static const char *const ln_keys[] = {"median_ms", "sigma", NULL};
    char q[PATH_MAX_LEN];
    if (check_object(c, d, p, keys))
        return -1;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(d, "uniform");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(d, "lognormal");
    if (!u == !l)
        return fail(c, p, "give uniform or lognormal");
    if (u) {
        uint64_t lo, hi;
        sub(q, sizeof q, p, "uniform", 0);
        if (!cJSON_IsArray(u) || cJSON_GetArraySize(u) != 2 ||
            jsonget_u64(cJSON_GetArrayItem(u, 0), 0, 600000, &lo) != 0 ||
            jsonget_u64(cJSON_GetArrayItem(u, 1), 0, 600000, &hi) != 0 ||
            lo > hi)
            return fail(c, q,
                        "must be [MIN, MAX], integers in ms, 0 <= MIN <= "
                        "MAX <= 600000");
        a->delay = DELAY_UNIFORM;
        a->delay_min = (uint32_t)lo;
        a->delay_max = (uint32_t)hi;
        return 0;
    }
    sub(q, sizeof q, p, "lognormal", 0);
    const cJSON *med = cJSON_GetObjectItemCaseSensitive(l, "median_ms");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(l, "sigma");
    if (check_object(c, l, q, ln_keys))
        return -1;
    if (!cJSON_IsNumber(med) || !cJSON_IsNumber(sig) ||
        !(med->valuedouble > 0 && med->valuedouble <= 600000) ||
        !(sig->valuedouble >= 0 && sig->valuedouble <= 5))
        return fail(c, q, "needs median_ms (0 to 600000] and sigma [0, 5]");
    a->delay = DELAY_LOGNORMAL;
    a->median_ms = med->valuedouble;
    a->sigma = sig->valuedouble;
    return 0;
}

static int parse_action(struct ctx *c, const cJSON *a, const char *p,
                        struct fault_action *out)
{
    static const char *const keys[] = {
        "error_code", "http_status", "delay_ms",       "delay",     "close",
        "reset",      "cut_body",    "malformed_json", "slow_body", NULL};
    static const char *const slow_keys[] = {"bytes", "every_ms", NULL};
    char q[PATH_MAX_LEN];
    uint64_t code = 0, status = 0, delay = 0, bytes = 0, every = 0;
    const char *reset = NULL;
    if (check_object(c, a, p, keys) ||
        get_uint(c, a, p, "error_code", 1, 99999, 0, &code) ||
        get_uint(c, a, p, "http_status", 100, 599, 0, &status) ||
        get_uint(c, a, p, "delay_ms", 0, 600000, 0, &delay) ||
        get_bool(c, a, p, "close", &out->close) ||
        get_string(c, a, p, "reset", 0, &reset) ||
        get_bool(c, a, p, "cut_body", &out->cut_body) ||
        get_bool(c, a, p, "malformed_json", &out->malformed_json))
        return -1;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(a, "delay");
    if (d && parse_delay(c, d, sub(q, sizeof q, p, "delay", 0), out))
        return -1;
    if (d && delay)
        return fail(c, p, "give delay_ms or delay, not both");
    const cJSON *slow = cJSON_GetObjectItemCaseSensitive(a, "slow_body");
    if (slow) {
        sub(q, sizeof q, p, "slow_body", 0);
        if (check_object(c, slow, q, slow_keys) ||
            get_uint(c, slow, q, "bytes", 1, 1048576, 1, &bytes) ||
            get_uint(c, slow, q, "every_ms", 1, 60000, 1, &every))
            return -1;
    }
    if (reset && strcmp(reset, "before_headers") == 0)
        out->reset = RESET_BEFORE_HEADERS;
    else if (reset && strcmp(reset, "after_headers") == 0)
        out->reset = RESET_AFTER_HEADERS;
    else if (reset)
        return fail(c, sub(q, sizeof q, p, "reset", 0),
                    "must be \"before_headers\" or \"after_headers\"");
    out->error_code = (int)code;
    out->http_status = (int)status;
    out->delay_ms = (uint32_t)delay;
    out->slow_bytes = (uint32_t)bytes;
    out->slow_ms = (uint32_t)every;
    if (!code && !status && !delay && !d && !out->close && !out->reset &&
        !out->cut_body && !out->malformed_json && !bytes)
        return fail(c, p,
                    "needs error_code, http_status, delay_ms, delay, close, "
                    "reset, cut_body, malformed_json or slow_body");
    return 0;
}

static int parse_fault(struct ctx *c, const cJSON *o, const char *path,
                       struct fault_rule *r)
{
    static const char *const keys[] = {"match", "action", "times", "period_ms",
                                       NULL};
    char p[PATH_MAX_LEN];
    faults_rule_default(r);
    if (check_object(c, o, path, keys) ||
        get_uint(c, o, path, "times", 0, 1ULL << 53, 0, &r->times) ||
        get_uint(c, o, path, "period_ms", 1, 1ULL << 40, 0, &r->period_ms))
        return -1;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "match");
    if (m && parse_match(c, m, sub(p, sizeof p, path, "match", 0), r))
        return -1;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "action");
    sub(p, sizeof p, path, "action", 0);
    if (!a)
        return fail(c, p, "is required");
    return parse_action(c, a, p, &r->action);
}

int fixture_parse_fault(const cJSON *rule, const char *name,
                        struct fault_rule *out, char *err, size_t errlen)
{
    struct ctx c = {name, err, errlen};
    return parse_fault(&c, rule, "$", out);
}

static int load_fault(struct ctx *c, const cJSON *o, const char *path,
                      struct faults *f)
{
    struct fault_rule r;
    if (parse_fault(c, o, path, &r))
        return -1;
    if (!faults_add(f, &r, 0))
        return fail(c, path, "out of memory");
    return 0;
}

/* Reports two groups with one ID by where each came from. */
static int fail_duplicate(struct ctx *c, const struct store *s,
                          const struct app *a, const struct listed *listed,
                          size_t second)
{
    size_t ai = 0, n;
    while (s->apps[ai] != a)
        ai++;
    const char *id = app_group_id(a, second, &n);
    char p[PATH_MAX_LEN];
    if (second < listed[ai].groups)
        snprintf(p, sizeof p, "$.apps[%zu].groups[%zu].id", ai, second);
    else if (second < listed[ai].groups + listed[ai].columns)
        snprintf(p, sizeof p, "$.apps[%zu].group_columns.ids line %zu", ai,
                 second - listed[ai].groups);
    else
        snprintf(p, sizeof p, "$.apps[%zu].generate", ai);
    return fail(c, p, "duplicate group ID \"%.*s\"", (int)n, id);
}

static int load_root(struct ctx *c, const cJSON *root, struct fixture *fx,
                     struct listed **listed)
{
    static const char *const keys[] = {"clock", "apps", "faults", "service",
                                       NULL};
    char p[PATH_MAX_LEN];
    uint64_t clock = 0;
    if (check_object(c, root, "$", keys) ||
        get_uint(c, root, "$", "clock", 1, 1ULL << 40, 0, &clock))
        return -1;
    fx->clock = (int64_t)clock;
    /* before the apps: their envelopes start as the service's */
    const cJSON *service = cJSON_GetObjectItemCaseSensitive(root, "service");
    if (service && load_service(c, service, "$.service", &fx->store->service))
        return -1;

    const cJSON *apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
    if (!cJSON_IsArray(apps) || !cJSON_GetArraySize(apps))
        return fail(c, "$.apps", "must be a non-empty array of apps");
    *listed = calloc((size_t)cJSON_GetArraySize(apps), sizeof **listed);
    if (!*listed)
        return fail(c, "$", "out of memory");
    int i = 0;
    for (const cJSON *a = apps->child; a; a = a->next, i++)
        if (load_app(c, fx->store, a, sub(p, sizeof p, "$.apps", NULL, i),
                     &(*listed)[i]))
            return -1;

    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root, "faults");
    if (faults && !cJSON_IsArray(faults))
        return fail(c, "$.faults", "must be an array of fault rules");
    i = 0;
    for (const cJSON *f = faults ? faults->child : NULL; f; f = f->next, i++)
        if (load_fault(c, f, sub(p, sizeof p, "$.faults", NULL, i),
                       &fx->faults))
            return -1;

    const struct app *dup;
    size_t first, second;
    int rc = store_finish(fx->store, &dup, &first, &second);
    if (rc == -1)
        return fail_duplicate(c, fx->store, dup, *listed, second);
    if (rc != 0)
        return fail(c, "$", "out of memory or out of cursor keys");
    return 0;
}

/* fixture_load_text, freeing owned (the text, or NULL) once it is parsed:
 * a snapshot's 170 MB go back before its groups are made. */
static int load_text(const char *json, size_t n, char *owned, const char *name,
                     struct fixture *fx, char *err, size_t errlen)
{
    struct ctx c = {name, err, errlen};
    struct listed *listed = NULL;
    char why[128];
    int rc = -1;
    memset(fx, 0, sizeof *fx);
    cJSON *root = jsonget_parse(json, n, why, sizeof why);
    free(owned);
    if (!root)
        return fail(&c, "$", "%s", why);
    fx->store = store_new();
    if (!fx->store || faults_init(&fx->faults) != 0) {
        fail(&c, "$", "out of memory");
        store_free(fx->store);
        goto out;
    }
    rc = load_root(&c, root, fx, &listed);
    if (rc != 0)
        fixture_release(fx);
out:
    free(listed);
    cJSON_Delete(root);
    return rc;
}

int fixture_load_text(const char *json, size_t n, const char *name,
                      struct fixture *fx, char *err, size_t errlen)
{
    return load_text(json, n, NULL, name, fx, err, errlen);
}

int fixture_load_file(const char *path, struct fixture *fx, char *err,
                      size_t errlen)
{
    struct ctx c = {path, err, errlen};
    struct stat st;
    char *text = NULL;
    size_t len = 0, size;
    int rc = -1;
    /* O_NONBLOCK: opening a FIFO that no one writes returns at once, and
     * fstat then tells it from a regular file before anything is read */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(&c, "$", "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) != 0) {
        fail(&c, "$", "cannot read: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(&c, "$", "not a regular file (a FIFO, device or directory)");
        goto out;
    }
    if (st.st_size > (off_t)FIXTURE_FILE_MAX) {
        fail(&c, "$", "%lld bytes: a fixture file is at most %u MiB",
             (long long)st.st_size, FIXTURE_FILE_MAX >> 20);
        goto out;
    }
    size = (size_t)st.st_size; /* a file that grows meanwhile is cut here */
    if (!(text = malloc(size ? size : 1))) {
        fail(&c, "$", "out of memory");
        goto out;
    }
    while (len < size) {
        ssize_t got = read(fd, text + len, size - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fail(&c, "$", "cannot read: %s", strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    rc = load_text(text, len, text, path, fx, err, errlen);
    text = NULL; /* freed there */
out:
    free(text);
    close(fd);
    return rc;
}

void fixture_release(struct fixture *fx)
{
    store_free(fx->store);
    faults_release(&fx->faults);
    memset(fx, 0, sizeof *fx);
}
