/* cases: loading and checking the case files (cases.h). */
#include "cases.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonget.h"

const char *const case_properties[] = {"no_duplicates",
                                       "ends",
                                       "no_cursor_repeat",
                                       "pages_within_limit",
                                       "count_equals_total",
                                       "total_stable",
                                       "type_totals_add_up",
                                       "types_partition",
                                       "limits_same_set",
                                       "next_exact",
                                       NULL};

static const char *const top_keys[] = {
    "id",      "title",  "label",   "rule",    "source",   "where",
    "fixture", "app",    "request", "expect",  "property", "type",
    "limit",   "limits", "verify",  "comment", NULL};
static const char *const request_keys[] = {
    "method",       "path", "params", "usersig",   "body",        "body_raw",
    "content_type", "host", "repeat", "body_size", "same_second", NULL};
static const char *const usersig_keys[] = {
    "identifier", "sdkappid", "key", "age", "expire", "raw", "level", NULL};
static const char *const expect_keys[] = {"http_status",
                                          "ErrorCode",
                                          "ErrorCode_not",
                                          "ActionStatus",
                                          "ErrorInfo_empty",
                                          "types",
                                          "absent",
                                          "values",
                                          "key_order",
                                          "max_ids",
                                          "min_ids",
                                          "nonzero",
                                          "group_ids",
                                          "headers",
                                          "patterns",
                                          "deviations",
                                          NULL};

__attribute__((format(printf, 4, 5))) static int
fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s: ", file);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int known(const char *const *keys, const char *k)
{
    for (; *keys; keys++)
        if (strcmp(*keys, k) == 0)
            return 1;
    return strcmp(k, "comment") == 0;
}

static int check_keys(const cJSON *o, const char *const *keys, const char *path,
                      const char *file, char *err, size_t errlen)
{
    if (!cJSON_IsObject(o))
        return fail(err, errlen, file, "%s: must be an object", path);
    for (const cJSON *m = o->child; m; m = m->next)
        if (!known(keys, m->string))
            return fail(err, errlen, file, "%s.%s: unknown key", path,
                        m->string);
    return 0;
}

static char *string_member(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring[0] ? strdup(v->valuestring)
                                                  : NULL;
}

static int is_property(const char *p)
{
    for (const char *const *q = case_properties; *q; q++)
        if (strcmp(*q, p) == 0)
            return 1;
    return 0;
}

const char *case_where_name(enum case_where w)
{
    return w == WHERE_MOCK     ? "mock"
           : w == WHERE_REGION ? "region"
           : w == WHERE_CLIENT ? "client"
                               : "anywhere";
}

/* A source names evidence ids (cases/README.md, Sources): "S10", "S2, S3". */
static int source_ok(const char *s)
{
    for (;;) {
        if (*s++ != 'S' || !isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
        if (!*s)
            return 1;
        if (s[0] != ',' || s[1] != ' ')
            return 0;
        s += 2;
    }
}

/* A JSON integer that fits an int (cJSON's valueint). */
static cJSON_bool is_int(const cJSON *v)
{
    int64_t x;
    return jsonget_i64(v, INT_MIN, INT_MAX, &x) == 0;
}

/* The JSON type each expectation takes. */
static const struct {
    const char *key;
    cJSON_bool (*is)(const cJSON *);
    const char *what;
} expect_types[] = {
    {"http_status", is_int, "an integer"},
    {"ErrorCode", is_int, "an integer"},
    {"ErrorCode_not", is_int, "an integer"},
    {"ActionStatus", cJSON_IsString, "a string"},
    {"ErrorInfo_empty", cJSON_IsBool, "true or false"},
    {"types", cJSON_IsObject, "an object"},
    {"absent", cJSON_IsArray, "an array"},
    {"values", cJSON_IsObject, "an object"},
    {"key_order", cJSON_IsArray, "an array"},
    {"max_ids", is_int, "an integer"},
    {"min_ids", is_int, "an integer"},
    {"nonzero", cJSON_IsArray, "an array"},
    {"group_ids", cJSON_IsString, "a string"},
    {"headers", cJSON_IsObject, "an object"},
    {"patterns", cJSON_IsObject, "an object"},
    {"deviations", cJSON_IsArray, "an array"},
};

/* Each expectation has its type, and those that need more are sound. */
static int check_expect(const struct tcase_data *c, const cJSON *exp, char *err,
                        size_t errlen)
{
    const char *f = c->file;
    for (size_t i = 0; i < sizeof expect_types / sizeof *expect_types; i++) {
        const cJSON *v =
            cJSON_GetObjectItemCaseSensitive(exp, expect_types[i].key);
        if (v && !expect_types[i].is(v))
            return fail(err, errlen, f, "$.expect.%s: must be %s",
                        expect_types[i].key, expect_types[i].what);
    }
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(exp, "headers");
    for (const cJSON *h = headers ? headers->child : NULL; h; h = h->next)
        if (!cJSON_IsString(h) && !cJSON_IsNull(h))
            return fail(err, errlen, f,
                        "$.expect.headers.%s: must be a string (the value) "
                        "or null (absent)",
                        h->string);
    const cJSON *patterns = cJSON_GetObjectItemCaseSensitive(exp, "patterns");
    for (const cJSON *p = patterns ? patterns->child : NULL; p; p = p->next) {
        regex_t re;
        if (!cJSON_IsString(p) ||
            regcomp(&re, p->valuestring, REG_EXTENDED | REG_NOSUB) != 0)
            return fail(err, errlen, f,
                        "$.expect.patterns.%s: must be a POSIX extended "
                        "regular expression",
                        p->string);
        regfree(&re);
    }
    /* a number is exact up to 2^53 only: a bigger one is given as text */
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(exp, "values");
    for (const cJSON *v = values ? values->child : NULL; v; v = v->next) {
        int64_t x;
        if (cJSON_IsNumber(v) &&
            jsonget_i64(v, -JSONGET_INT_MAX, JSONGET_INT_MAX, &x) != 0)
            return fail(err, errlen, f,
                        "$.expect.values.%s: a number must be an integer "
                        "within 2^53; give a bigger one as text",
                        v->string);
    }
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(exp, "deviations");
    for (const cJSON *d = dev ? dev->child : NULL; d; d = d->next)
        if (!cJSON_IsString(d) || !d->valuestring[0])
            return fail(err, errlen, f,
                        "$.expect.deviations: must be an array of names");
    if (dev && c->where != WHERE_MOCK)
        return fail(err, errlen, f,
                    "$.expect.deviations: reads the mock's journal, so the "
                    "case is where \"mock\"");
    return 0;
}

static int check_case(struct tcase_data *c, char *err, size_t errlen)
{
    const cJSON *d = c->doc;
    const char *f = c->file;
    if (check_keys(d, top_keys, "$", f, err, errlen))
        return -1;
    c->id = string_member(d, "id");
    c->title = string_member(d, "title");
    c->rule = string_member(d, "rule");
    if (!c->id || !c->title || !c->rule)
        return fail(err, errlen, f,
                    "$: id, title and rule are required "
                    "non-empty strings");
    char *label = string_member(d, "label");
    c->label =
        label && strlen(label) == 1 && strchr("DOI", label[0]) ? label[0] : 0;
    free(label);
    if (!c->label)
        return fail(err, errlen, f, "$.label: must be \"D\", \"O\" or \"I\"");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(d, "source");
    if (source) {
        if (!cJSON_IsString(source) || !source_ok(source->valuestring))
            return fail(err, errlen, f,
                        "$.source: must name evidence ids, e.g. \"S10\" or "
                        "\"S2, S3\"");
        if (!(c->source = strdup(source->valuestring)))
            return fail(err, errlen, f, "out of memory");
    }
    char *where = string_member(d, "where");
    if (!where || strcmp(where, "anywhere") == 0)
        c->where = WHERE_ANYWHERE;
    else if (strcmp(where, "mock") == 0)
        c->where = WHERE_MOCK;
    else if (strcmp(where, "region") == 0)
        c->where = WHERE_REGION;
    else if (strcmp(where, "client") == 0)
        c->where = WHERE_CLIENT;
    else {
        free(where);
        return fail(err, errlen, f,
                    "$.where: must be \"anywhere\", \"mock\", \"region\" "
                    "or \"client\"");
    }
    free(where);
    c->fixture = string_member(d, "fixture");
    if (!c->fixture && !(c->fixture = strdup("default.json")))
        return fail(err, errlen, f, "out of memory");
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(d, "app");
    c->app = cJSON_IsNumber(app) ? app->valueint : 0;
    if (app && (!cJSON_IsNumber(app) || c->app < 0 || c->app > 100))
        return fail(err, errlen, f, "$.app: must be an app index");

    c->verify = cJSON_GetObjectItemCaseSensitive(d, "verify");
    if ((c->verify != NULL) != (c->where == WHERE_CLIENT))
        return fail(err, errlen, f,
                    "$: a client case (where \"client\") has a verify "
                    "array, and only a client case has one");
    if (c->verify) {
        if (!cJSON_IsArray(c->verify) || !cJSON_GetArraySize(c->verify))
            return fail(err, errlen, f,
                        "$.verify: must be a non-empty array of expectations");
        return 0;
    }
    c->property = string_member(d, "property");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(d, "request");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(d, "expect");
    if (c->property) {
        if (!is_property(c->property))
            return fail(err, errlen, f, "$.property: unknown property \"%s\"",
                        c->property);
        if (req || exp)
            return fail(err, errlen, f,
                        "$: a property case has no request or expect");
        return 0;
    }
    if (!req || !exp)
        return fail(err, errlen, f,
                    "$: a case has a request and an expect, or a property");
    if (check_keys(req, request_keys, "$.request", f, err, errlen) ||
        check_keys(exp, expect_keys, "$.expect", f, err, errlen) ||
        check_expect(c, exp, err, errlen))
        return -1;
    const cJSON *repeat = cJSON_GetObjectItemCaseSensitive(req, "repeat");
    int64_t times;
    if (repeat && jsonget_i64(repeat, 1, 10, &times) != 0)
        return fail(err, errlen, f,
                    "$.request.repeat: must be an integer from 1 to 10");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(req, "body_size");
    if (size && jsonget_i64(size, 0, CASE_BODY_SIZE_MAX, &times) != 0)
        return fail(err, errlen, f,
                    "$.request.body_size: must be an integer from 0 to %d",
                    CASE_BODY_SIZE_MAX);
    const cJSON *second = cJSON_GetObjectItemCaseSensitive(req, "same_second");
    if (second && !cJSON_IsBool(second))
        return fail(err, errlen, f,
                    "$.request.same_second: must be true or false");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(req, "usersig");
    if (sig && !cJSON_IsNull(sig) &&
        check_keys(sig, usersig_keys, "$.request.usersig", f, err, errlen))
        return -1;
    /* the UserSig's numbers, as usersig_make takes them */
    static const struct {
        const char *key;
        int64_t min, max;
    } sig_numbers[] = {{"age", -JSONGET_INT_MAX / 2, JSONGET_INT_MAX / 2},
                       {"expire", 0, JSONGET_INT_MAX / 2},
                       {"level", -1, 9}};
    for (size_t i = 0; sig && i < sizeof sig_numbers / sizeof *sig_numbers;
         i++) {
        const cJSON *v =
            cJSON_GetObjectItemCaseSensitive(sig, sig_numbers[i].key);
        int64_t x;
        if (v && jsonget_i64(v, sig_numbers[i].min, sig_numbers[i].max, &x))
            return fail(err, errlen, f,
                        "$.request.usersig.%s: must be an integer from %lld "
                        "to %lld",
                        sig_numbers[i].key, (long long)sig_numbers[i].min,
                        (long long)sig_numbers[i].max);
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(req, "params");
    if (params && !cJSON_IsObject(params))
        return fail(err, errlen, f, "$.request.params: must be an object");
    for (const cJSON *p = params ? params->child : NULL; p; p = p->next)
        if (!cJSON_IsString(p) && !cJSON_IsNull(p))
            return fail(err, errlen, f,
                        "$.request.params.%s: must be a string or null",
                        p->string);
    if (cJSON_GetObjectItemCaseSensitive(req, "body") &&
        cJSON_GetObjectItemCaseSensitive(req, "body_raw"))
        return fail(err, errlen, f,
                    "$.request: give body or body_raw, not both");
    return 0;
}

static int by_file(const void *a, const void *b)
{
    return strcmp(((const struct tcase_data *)a)->file,
                  ((const struct tcase_data *)b)->file);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                return NULL;
            }
            text = t;
        }
        size_t got = fread(text + n, 1, cap - n - 1, f);
        n += got;
        if (!got)
            break;
    }
    fclose(f);
    text[n] = '\0';
    *len = n;
    return text;
}

int cases_load_dir(const char *dir, struct case_list *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d)
        return fail(err, errlen, dir, "%s", strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && rc == 0) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        struct tcase_data *v = realloc(out->v, (out->n + 1) * sizeof *v);
        if (!v) {
            rc = fail(err, errlen, dir, "out of memory");
            break;
        }
        out->v = v;
        struct tcase_data *c = &out->v[out->n++];
        memset(c, 0, sizeof *c);
        if (asprintf(&c->file, "%s/%s", dir, e->d_name) < 0) {
            c->file = NULL;
            rc = fail(err, errlen, dir, "out of memory");
            break;
        }
        size_t len;
        char *text = read_file(c->file, &len);
        if (!text) {
            rc = fail(err, errlen, c->file, "%s", strerror(errno));
            break;
        }
        char why[128];
        c->doc = jsonget_parse(text, len, why, sizeof why);
        if (!c->doc)
            rc = fail(err, errlen, c->file, "$: %s", why);
        else
            rc = check_case(c, err, errlen);
        free(text);
    }
    closedir(d);
    if (rc == 0 && out->n == 0)
        rc = fail(err, errlen, dir, "no case files (*.json)");
    if (rc != 0)
        return rc;
    qsort(out->v, out->n, sizeof *out->v, by_file);
    /* ids name Check's test cases (CK_RUN_CASE): they must be unique */
    for (size_t i = 1; i < out->n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->v[j].id, out->v[i].id) == 0)
                return fail(err, errlen, out->v[i].file,
                            "$.id: \"%s\" is also the id of %s", out->v[i].id,
                            out->v[j].file);
    return 0;
}

void cases_release(struct case_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct tcase_data *c = &l->v[i];
        free(c->file);
        free(c->id);
        free(c->title);
        free(c->rule);
        free(c->source);
        free(c->fixture);
        free(c->property);
        cJSON_Delete(c->doc);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

char *cases_read_file(const char *path, size_t max, const char *what,
                      size_t *len, char *err, size_t errlen)
{
    struct stat st;
    char *text = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto fail;
    }
    if ((uintmax_t)st.st_size > (uintmax_t)max) {
        snprintf(err, errlen, "%s: %lld bytes: %s is at most %zu MiB", path,
                 (long long)st.st_size, what, max >> 20);
        goto fail;
    }
    size_t size = (size_t)st.st_size;
    if (!(text = malloc(size + 1))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    while (got < size) {
        ssize_t k = read(fd, text + got, size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    text[got] = '\0';
    *len = got;
    return text;
fail:
    free(text);
    close(fd);
    return NULL;
}
