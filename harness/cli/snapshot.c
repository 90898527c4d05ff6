/* snapshot: an app's groups written as a fixture (snapshot.h). */
#include "snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hash.h"

#define NO_TYPE  0xff
#define ALL      6 /* the pull of all types, in from[] */
#define N_TYPES  6
#define N_PULLS  (N_TYPES + 1)
#define SAY_MOST 10 /* dropped cursors named one by one */

static const char *const type_names[N_TYPES] = {
    "Public", "Private", "ChatRoom", "AVChatRoom", "BChatRoom", "Community"};
/* the letters of group_columns.types (fixtures/README.md) */
static const char type_letters[N_TYPES] = {'P', 'V', 'C', 'A', 'B', 'M'};

/* The groups of the pull of all types, in its order: row i. */
struct rows {
    char *ids; /* each ID and a NUL */
    size_t len, cap;
    size_t *at;          /* where row i's ID starts */
    uint64_t *key;       /* the Next given after row i; 0: none */
    unsigned char *from; /* the pull that gave key[i]; ALL or a type */
    uint64_t *tkey;      /* the Next its type's pull gave after row i */
    unsigned char *type; /* NO_TYPE until a type's pull names it */
    size_t n, cap_rows;
    uint32_t *slots; /* ID -> row + 1, open addressing */
    size_t mask;
};

struct snap {
    const struct snapshot_options *o;
    struct rows r;
    int pull;                /* ALL or a type: the pull under way */
    size_t last_row;         /* of the pull's last ID */
    size_t seen;             /* IDs of the pull so far */
    int out_of_order;        /* the type's pull broke the order of all */
    int end_quirk;           /* -1 unknown, else next_on_last_page */
    struct timespec next_at; /* the next call may start then */
    struct timespec start;
    uint64_t total; /* TotalCount of the pull */
    /* a type whose pull's cursors are kept as its own (type_cursors) */
    unsigned char own[N_TYPES];
    char why[512]; /* the first failure */
};

static int fail(struct snap *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct snap *s, const char *fmt, ...)
{
    if (!s->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->why, sizeof s->why, fmt, ap);
        va_end(ap);
    }
    return 1;
}

static const char *pull_name(int pull)
{
    return pull == ALL ? "all types" : type_names[pull];
}

static const char *row_id(const struct rows *r, size_t i)
{
    return r->ids + r->at[i];
}

/* ---- the rows ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
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

static int add_row(struct rows *r, const char *id, size_t n)
{
    size_t cap = r->cap_rows;
    if (r->n >= UINT32_MAX - 1 ||
        grow((void **)&r->ids, &r->cap, r->len + n + 1, 1))
        return -1;
    if (r->n + 1 > cap) {
        size_t c = cap;
        if (grow((void **)&r->at, &c, r->n + 1, sizeof *r->at))
            return -1;
        c = cap;
        if (grow((void **)&r->key, &c, r->n + 1, sizeof *r->key))
            return -1;
        c = cap;
        if (grow((void **)&r->tkey, &c, r->n + 1, sizeof *r->tkey))
            return -1;
        c = cap;
        if (grow((void **)&r->from, &c, r->n + 1, 1))
            return -1;
        c = cap;
        if (grow((void **)&r->type, &c, r->n + 1, 1))
            return -1;
        r->cap_rows = c;
    }
    memcpy(r->ids + r->len, id, n);
    r->ids[r->len + n] = '\0';
    r->at[r->n] = r->len;
    r->key[r->n] = 0;
    r->tkey[r->n] = 0;
    r->from[r->n] = NO_TYPE;
    r->type[r->n] = NO_TYPE;
    r->len += n + 1;
    r->n++;
    return 0;
}

static size_t slot_of(const struct rows *r, const char *id, size_t n)
{
    size_t h = (size_t)hash_bytes(HASH_SEED, id, n) & r->mask;
    while (r->slots[h] && !(strlen(row_id(r, r->slots[h] - 1)) == n &&
                            memcmp(row_id(r, r->slots[h] - 1), id, n) == 0))
        h = (h + 1) & r->mask;
    return h;
}

/* Indexes the rows by ID: 0; 1 with two rows of one ID; -1 out of memory. */
static int index_rows(struct snap *s)
{
    struct rows *r = &s->r;
    size_t slots = 1024;
    while (slots < r->n * 2)
        slots *= 2;
    if (!(r->slots = calloc(slots, sizeof *r->slots)))
        return -1;
    r->mask = slots - 1;
    for (size_t i = 0; i < r->n; i++) {
        const char *id = row_id(r, i);
        size_t h = slot_of(r, id, strlen(id));
        if (r->slots[h])
            return fail(s, "the pull of all types gave \"%s\" twice", id);
        r->slots[h] = (uint32_t)(i + 1);
    }
    return 0;
}

/* ---- pacing and progress ---- */

static void pace(struct snap *s)
{
    if (!s->o->rate)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec < s->next_at.tv_sec ||
        (now.tv_sec == s->next_at.tv_sec && now.tv_nsec < s->next_at.tv_nsec)) {
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &s->next_at,
                               NULL) == EINTR)
            ;
        now = s->next_at;
    }
    long step = (long)(1000000000 / s->o->rate);
    now.tv_nsec += step;
    while (now.tv_nsec >= 1000000000) {
        now.tv_nsec -= 1000000000;
        now.tv_sec++;
    }
    s->next_at = now;
}

static void show_bar(const struct snap *s, const struct tim_pull_stats *st)
{
    double frac =
        st->total_count ? (double)st->ids / (double)st->total_count : 1;
    frac = frac > 1 ? 1 : frac;
    char bar[21];
    for (int i = 0; i < 20; i++)
        bar[i] = i < (int)(frac * 20) ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr,
            "\r[%s] pull %d of %d (%s)  pages %" PRIu64 "  IDs %" PRIu64
            " of %" PRIu64 "   ",
            bar, s->pull == ALL ? 1 : s->pull + 2, N_PULLS, pull_name(s->pull),
            st->pages, st->ids, st->total_count);
}

/* ---- the pulls ---- */

static int on_id(void *data, const char *id, size_t n)
{
    struct snap *s = data;
    struct rows *r = &s->r;
    s->seen++;
    if (s->pull == ALL) {
        if (add_row(r, id, n) != 0)
            return fail(s, "out of memory");
        s->last_row = r->n - 1;
        return 0;
    }
    size_t row = r->slots[slot_of(r, id, n)];
    if (!row)
        return fail(s,
                    "the %s pull gave \"%.*s\", which the pull of all types "
                    "did not: the app changed during the snapshot; take it "
                    "again",
                    pull_name(s->pull), (int)n, id);
    row--;
    if (r->type[row] != NO_TYPE)
        return fail(s,
                    "\"%.*s\" came in the pulls of %s and of %s: the app "
                    "changed during the snapshot; take it again",
                    (int)n, id, type_names[r->type[row]], pull_name(s->pull));
    r->type[row] = (unsigned char)s->pull;
    if (s->seen > 1 && row < s->last_row && !s->out_of_order) {
        s->out_of_order = 1;
        fprintf(stderr,
                "timgroups: snapshot: the %s pull serves \"%.*s\" after "
                "\"%s\", the pull of all types before it: this type keeps an "
                "order of its own, which the mock does not; its pages will "
                "differ\n",
                pull_name(s->pull), (int)n, id, row_id(r, s->last_row));
    }
    s->last_row = row;
    return 0;
}

static void on_page(void *data, const struct tim_pull_stats *st)
{
    struct snap *s = data;
    struct rows *r = &s->r;
    s->total = st->total_count;
    if (st->count && st->next) {
        /* the Next after the page's last group: the cursor key of that
         * group in the pull of all types, or in its type's (fit_keys
         * merges them) */
        if (s->pull == ALL) {
            r->key[s->last_row] = st->next;
            r->from[s->last_row] = ALL;
        } else {
            r->tkey[s->last_row] = st->next;
        }
    }
    /* the end: groups with Next 0, or (the quirk) an empty page after a
     * page of groups with a Next; an app without groups tells nothing */
    if (s->pull == ALL && !st->next)
        s->end_quirk = st->count ? 0 : st->pages > 1 ? 1 : -1;
    if (s->o->bar)
        show_bar(s, st);
    if (st->next)
        pace(s);
}

/* One pull; an exit code of cli.h. */
static int pull(tim_client *c, struct snap *s, int which)
{
    struct tim_error err = {0};
    struct tim_pull_stats st = {0};
    s->pull = which;
    s->seen = 0;
    s->last_row = 0;
    s->out_of_order = 0;
    pace(s);
    int rc = tim_pull_groups(c, which == ALL ? NULL : type_names[which],
                             s->o->limit, on_id, s, on_page, s, &st, &err);
    if (s->o->bar)
        fputc('\n', stderr);
    if (rc == TIM_E_ABORTED || s->why[0]) {
        fprintf(stderr, "timgroups: snapshot: %s\n", s->why);
        return CLI_API;
    }
    if (rc != TIM_OK) {
        if (rc == TIM_E_API)
            fprintf(stderr,
                    "timgroups: snapshot: the %s pull: the API answered "
                    "ErrorCode %ld: %s\n",
                    pull_name(which), err.error_code, err.error_info);
        else
            fprintf(stderr, "timgroups: snapshot: the %s pull: %s error: %s\n",
                    pull_name(which), tim_status_name(rc), err.message);
        return rc == TIM_E_HTTP || rc == TIM_E_TRANSPORT ? CLI_TRANSPORT
               : rc == TIM_E_BOUND                       ? CLI_BOUND
               : rc == TIM_E_USAGE                       ? CLI_USAGE
                                                         : CLI_API;
    }
    if (!s->o->bar)
        fprintf(stderr,
                "timgroups: snapshot: %s: %zu groups in %" PRIu64 " pages\n",
                pull_name(which), s->seen, st.pages);
    return CLI_OK;
}

/* ---- the keys ---- */

/* The key of row i with the keys of type t's pull merged in (t NO_TYPE:
 * none). */
static uint64_t key_with(const struct rows *r, size_t i, int t)
{
    return r->key[i] ? r->key[i] : r->type[i] == t ? r->tkey[i] : 0;
}

/* The key before row 0 as the rows are filled: the rows before the first
 * key take the keys just below it (or, without room, the mock's own). */
static uint64_t key_before(const struct rows *r, int t)
{
    size_t first = r->n;
    for (size_t i = 0; i < r->n && first == r->n; i++)
        if (key_with(r, i, t))
            first = i;
    if (first == r->n || key_with(r, first, t) <= first)
        return 4454685361ULL - 1; /* the mock's first key, as it would */
    return key_with(r, first, t) - first - 1;
}

/* Walks the keys of the pull of all types, with type t's merged in, as
 * the mock fills them: each key greater than the one before, the rows
 * between taking one more each.  Returns the first row whose key does not
 * fit (its type's pull and the pull of all types giving it two keys, the
 * other in *before, or a key not above the one before, that one in
 * *before), or r->n.  With drop, a key that does not fit is dropped and
 * named instead. */
static size_t misfit(struct rows *r, int t, int drop, size_t *dropped,
                     uint64_t *before)
{
    uint64_t prev = key_before(r, t);
    for (size_t i = 0; i < r->n; i++) {
        uint64_t k = key_with(r, i, t);
        if (r->type[i] == t && r->key[i] && r->tkey[i] &&
            r->tkey[i] != r->key[i]) {
            *before = r->key[i];
            return i;
        }
        if (k && k <= prev) {
            if (!drop) {
                *before = prev;
                return i;
            }
            if (++*dropped <= SAY_MOST)
                fprintf(stderr,
                        "timgroups: snapshot: the Next %" PRIu64
                        " that the pull of all types gave after \"%s\" does "
                        "not fit one increasing order (the key before it is "
                        "%" PRIu64 "): that page's Next will differ\n",
                        k, row_id(r, i), prev);
            r->key[i] = k = 0;
        }
        prev = k ? k : prev + 1;
    }
    return r->n;
}

/* Type t's own keys, as the mock fills them (fixtures/README.md,
 * type_cursors): the groups of the type before the first key take the
 * keys just below it, those after one more each.  A key that does not fit
 * is dropped and named. */
static void fit_type_keys(struct snap *s, int t, size_t *dropped)
{
    struct rows *r = &s->r;
    size_t before = 0; /* groups of the type before the first key */
    uint64_t prev = 0;
    int any = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->type[i] != t)
            continue;
        uint64_t k = r->tkey[i];
        if (k && (any ? k <= prev : k <= before)) {
            if (++*dropped <= SAY_MOST)
                fprintf(stderr,
                        "timgroups: snapshot: the Next %" PRIu64
                        " that the %s pull gave after \"%s\" does not fit "
                        "that type's increasing order (%" PRIu64
                        " groups of the type before it, the key before it "
                        "%" PRIu64 "): that page's Next will differ\n",
                        k, type_names[t], row_id(r, i), (uint64_t)before, prev);
            r->tkey[i] = k = 0;
        }
        if (k)
            any = 1;
        if (any)
            prev = k ? k : prev + 1;
        else
            before++;
    }
    s->own[t] = (unsigned char)any; /* none left: nothing to keep */
}

/* Fixes the kept keys.  The keys of the pull of all types come first; a
 * type's pull's keys are merged in when they fit one increasing order with
 * them, else kept as the type's own (type_cursors).  The rows between keys
 * take one more each.  Returns 0, or 1 when the key space runs out. */
static int fit_keys(struct snap *s)
{
    struct rows *r = &s->r;
    size_t dropped = 0, i;
    uint64_t before = 0;
    misfit(r, NO_TYPE, 1, &dropped, &before);
    for (int t = 0; t < N_TYPES; t++) {
        int has = 0;
        for (i = 0; i < r->n && !has; i++)
            has = r->type[i] == t && r->tkey[i];
        if (!has)
            continue;
        if ((i = misfit(r, t, 0, &dropped, &before)) == r->n) {
            for (i = 0; i < r->n; i++)
                if (r->type[i] == t && r->tkey[i] && !r->key[i]) {
                    r->key[i] = r->tkey[i];
                    r->from[i] = (unsigned char)t;
                }
            continue;
        }
        s->own[t] = 1;
        int twice = r->type[i] == t && r->key[i] && r->tkey[i] &&
                    r->key[i] != r->tkey[i];
        fprintf(stderr,
                "timgroups: snapshot: the %s pull's cursors do not fit one "
                "increasing order with those of the pull of all types (after "
                "\"%s\" the key %" PRIu64 ", %s %" PRIu64
                "): they are kept per type (type_cursors), so that the mock "
                "answers that pull the same Next values\n",
                type_names[t], row_id(r, i),
                twice ? r->tkey[i] : key_with(r, i, t),
                twice ? "the pull of all types'" : "the key before it", before);
        fit_type_keys(s, t, &dropped);
    }
    if (dropped > SAY_MOST)
        fprintf(stderr, "timgroups: snapshot: %zu cursors dropped in all\n",
                dropped);
    uint64_t prev = key_before(r, NO_TYPE);
    for (i = 0; i < r->n; i++) {
        if (!r->key[i]) {
            if (prev == UINT64_MAX)
                return fail(s, "no cursor key is left after %" PRIu64, prev);
            r->key[i] = prev + 1;
            r->from[i] = NO_TYPE; /* filled in: not written */
        }
        prev = r->key[i];
    }
    return 0;
}

/* ---- the file ---- */

static void put_json(FILE *f, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"' && s[i] != '\\') {
            run++;
            continue;
        }
        fwrite(s + i - run, 1, run, f);
        fputc('\\', f);
        fputc(s[i], f);
        run = 0;
    }
    fwrite(s + n - run, 1, run, f);
}

/* The stand-in of the SDKAppID: as many digits, and still an SDKAppID. */
static int fake_app(tim_alias *a, uint64_t app, uint64_t salt, char *out,
                    size_t size)
{
    char real[32];
    snprintf(real, sizeof real, "%" PRIu64, app);
    size_t len = strlen(real);
    for (uint64_t k = 0; k < 64; k++) {
        uint64_t h = hash_mix64(salt + k), v = len > 1 ? 1 : 0;
        for (size_t i = 1; i < len; i++) {
            h = hash_mix64(h);
            v = v * 10 + h % 10;
        }
        if (len == 1)
            v = 1 + h % 9;
        snprintf(out, size, "%" PRIu64, v);
        if (v != app && v <= UINT32_MAX && tim_alias_set(a, real, out) == 0)
            return 0;
    }
    return -1;
}

static int write_fixture(struct snap *s, FILE *f)
{
    const struct snapshot_options *o = s->o;
    const struct rows *r = &s->r;
    tim_alias *a = NULL;
    char app[32], when[32];
    const char *admin = o->identifier;
    snprintf(app, sizeof app, "%" PRIu64, o->sdkappid);
    if (o->anonymize) {
        uint64_t salt;
        if (getrandom(&salt, sizeof salt, 0) != sizeof salt)
            salt = (uint64_t)time(NULL) ^ (uint64_t)getpid();
        if (!(a = tim_alias_new(salt)) ||
            fake_app(a, o->sdkappid, salt, app, sizeof app) != 0 ||
            !(admin = tim_alias_of(a, admin, strlen(admin)))) {
            tim_alias_free(a);
            return fail(s, "out of memory, or no stand-in found");
        }
    }
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(f, "{\n  \"comment\": \"a snapshot of app %s", app);
    if (!o->anonymize) { /* the URL or region pulled */
        fputs(" from ", f);
        put_json(f, o->target, strlen(o->target));
    }
    fprintf(f,
            ", taken %s by timgroups %s at Limit %u%s. It holds no key: any "
            "UserSig is taken until key and check_usersig are set\",\n"
            "  \"apps\": [\n    {\n      \"sdkappid\": %s,\n",
            when, TIMCLIENT_VERSION, o->limit,
            o->anonymize ? ", anonymized" : "", app);
    if (o->region) {
        fputs("      \"region\": \"", f);
        put_json(f, o->region, strlen(o->region));
        fputs("\",\n", f);
    }
    fputs("      \"admins\": [\"", f);
    put_json(f, admin, strlen(admin));
    fputs("\"],\n      \"check_usersig\": false,\n", f);
    if (s->end_quirk >= 0)
        fprintf(f, "      \"quirks\": {\"next_on_last_page\": %s},\n",
                s->end_quirk ? "true" : "false");
    fputs("      \"cursors\": {\"max_step\": 1},\n"
          "      \"group_columns\": {\n        \"types\": \"",
          f);
    for (size_t i = 0; i < r->n; i++)
        fputc(type_letters[r->type[i]], f);
    fputs("\",\n        \"ids\": \"", f);
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        const char *id = row_id(r, i);
        size_t n = strlen(id);
        if (a && !(id = tim_alias_of(a, id, n)))
            rc = fail(s, "out of memory, or no stand-in found");
        else {
            put_json(f, id, n);
            fputs("\\n", f);
        }
    }
    fputs("\",\n        \"cursors\": [", f);
    const char *sep = "\n          ";
    for (size_t i = 0; i < r->n; i++)
        if (i == 0 || r->from[i] != NO_TYPE) {
            fprintf(f, "%s[%zu, \"%" PRIu64 "\"]", sep, i, r->key[i]);
            sep = ",\n          ";
        }
    fputs("\n        ]", f);
    int listed = 0; /* type_cursors opened */
    for (int t = 0; t < N_TYPES; t++) {
        if (!s->own[t])
            continue;
        fprintf(f, "%s\n          \"%c\": [",
                listed++ ? "," : ",\n        \"type_cursors\": {",
                type_letters[t]);
        sep = "";
        for (size_t i = 0; i < r->n; i++)
            if (r->type[i] == t && r->tkey[i]) {
                fprintf(f, "%s[%zu, \"%" PRIu64 "\"]", sep, i, r->tkey[i]);
                sep = ", ";
            }
        fputs("]", f);
    }
    if (listed)
        fputs("\n        }", f);
    fputs("\n      }\n    }\n  ]\n}\n", f);
    tim_alias_free(a);
    return rc;
}

/* ---- the whole ---- */

static void rows_free(struct rows *r)
{
    free(r->ids);
    free(r->at);
    free(r->key);
    free(r->from);
    free(r->tkey);
    free(r->type);
    free(r->slots);
}

int snapshot_take(tim_client *c, const struct snapshot_options *o)
{
    struct snap s = {.o = o, .end_quirk = -1};
    size_t plen = strlen(o->path);
    char *tmp = malloc(plen + sizeof ".partXXXXXX");
    int rc = CLI_USAGE, fd = -1;
    FILE *f = NULL;
    clock_gettime(CLOCK_MONOTONIC, &s.start);
    s.next_at = s.start;
    if (!tmp) {
        fprintf(stderr, "timgroups: snapshot: out of memory\n");
        return CLI_USAGE;
    }
    memcpy(tmp, o->path, plen);
    memcpy(tmp + plen, ".partXXXXXX", sizeof ".partXXXXXX");
    /* before any call: a file that cannot be written costs no pull */
    mode_t mask = umask(0);
    umask(mask);
    if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0666 & ~mask) != 0 ||
        !(f = fdopen(fd, "w"))) {
        fprintf(stderr, "timgroups: snapshot: cannot write %s: %s\n", o->path,
                strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return CLI_USAGE;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    rc = pull(c, &s, ALL);
    if (rc == CLI_OK && index_rows(&s) != 0) {
        fprintf(stderr, "timgroups: snapshot: %s\n",
                s.why[0] ? s.why : "out of memory");
        rc = CLI_API;
    }
    for (int t = 0; t < N_TYPES && rc == CLI_OK; t++)
        rc = pull(c, &s, t);
    for (size_t i = 0; i < s.r.n && rc == CLI_OK; i++)
        if (s.r.type[i] == NO_TYPE) {
            fprintf(stderr,
                    "timgroups: snapshot: \"%s\" came in no type's pull: the "
                    "app changed during the snapshot, or has a type this "
                    "tool does not know\n",
                    row_id(&s.r, i));
            rc = CLI_API;
        }
    if (rc == CLI_OK && (fit_keys(&s) != 0 || write_fixture(&s, f) != 0)) {
        fprintf(stderr, "timgroups: snapshot: %s\n", s.why);
        rc = CLI_API;
    }
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        if (rc == CLI_OK)
            fprintf(stderr, "timgroups: snapshot: cannot write %s: %s\n",
                    o->path, strerror(errno));
        rc = rc == CLI_OK ? CLI_USAGE : rc;
    }
    if (fclose(f) != 0 && rc == CLI_OK) {
        fprintf(stderr, "timgroups: snapshot: cannot write %s: %s\n", o->path,
                strerror(errno));
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK && rename(tmp, o->path) != 0) {
        fprintf(stderr, "timgroups: snapshot: cannot write %s: %s\n", o->path,
                strerror(errno));
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK)
        unlink(tmp);
    else
        fprintf(stderr, "timgroups: snapshot: %zu groups written to %s\n",
                s.r.n, o->path);
    free(tmp);
    rows_free(&s.r);
    return rc;
}
