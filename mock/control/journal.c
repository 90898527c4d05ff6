/* journal: the ring of requests and their deviations (journal.h). */
#include "journal.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "errors.h"
#include "hash.h"
#include "jsonint.h"
#include "redact.h"
#include "request.h"
#include "store.h"

static const struct {
    const char *name, *text;
} deviations[] = {
#define JOURNAL_DEVIATION_ROW(name, key, text) {key, text},
    JOURNAL_DEVIATIONS(JOURNAL_DEVIATION_ROW)
#undef JOURNAL_DEVIATION_ROW
};

const char *journal_deviation_name(int i)
{
    return i >= 0 && i < JOURNAL_DEVIATION_COUNT ? deviations[i].name : NULL;
}

const char *journal_deviation_text(int i)
{
    return i >= 0 && i < JOURNAL_DEVIATION_COUNT ? deviations[i].text : NULL;
}

uint32_t journal_deviation_parse(const char *name)
{
    for (int i = 0; i < JOURNAL_DEVIATION_COUNT; i++)
        if (strcmp(deviations[i].name, name) == 0)
            return 1u << i;
    return 0;
}

/*
 * The Next values issued to one app: the last JOURNAL_ISSUED_MAX issuances
 * in a ring (oldest at head once it is full), and the distinct values among
 * them in an open-addressing hash set with a count of issuances each, so
 * that a value issued again recently stays known while its first issuance
 * falls out of the ring.  0 is never issued, so it marks an empty slot.
 * The same bounded set remembers each app's recent random values (as
 * fingerprints of identifier and random, never 0), for random_repeated.
 */
struct issued_slot {
    uint64_t next; /* 0: empty */
    uint32_t refs; /* issuances of next in the ring */
};

enum issued_kind {
    ISSUED_NEXT,  /* the Next values answered */
    ISSUED_RANDOM /* the clients' random values, as fingerprints */
};

struct issued {
    int kind; /* enum issued_kind */
    uint64_t sdkappid;
    uint64_t *ring;
    size_t ring_len, ring_alloc, ring_head;
    struct issued_slot *slots;
    size_t n_slots, used; /* n_slots: 0 or a power of 2 */
};

/* A client whose last answer was the rate-limit error, and when. */
struct limited {
    uint64_t sdkappid;
    char identifier[96];
    uint64_t mono_ms;
};

struct journal {
    pthread_mutex_t lock;
    struct slot *ring;
    size_t capacity, head, n; /* head: the oldest entry */
    uint64_t seq;             /* the last seq given */
    struct issued *apps;
    size_t n_apps, apps_alloc;
    struct limited *limited;
    size_t n_limited, limited_alloc;
};

/* Copies the string src (NULL: "") into dst of size bytes, cut to fit. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = src ? strnlen(src, size - 1) : 0;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The texts of an entry, in the order they end it: every byte from host to
 * the entry's end is one of them, but for the struct's tail padding. */
#define ENTRY_TEXTS(X)                                                         \
    X(host)                                                                    \
    X(method) X(path) X(query) X(body) X(content_type) X(identifier) X(fault)
#define TEXT_SIZE(f)  sizeof((struct journal_entry *)0)->f
#define TEXT(f)       {offsetof(struct journal_entry, f), TEXT_SIZE(f)},
#define TEXT_SUM(f)   +TEXT_SIZE(f)
#define TEXT_INDEX(f) TEXT_##f,
enum { ENTRY_TEXTS(TEXT_INDEX) TEXT_COUNT };
static const struct {
    size_t at, size;
} TEXTS[] = {ENTRY_TEXTS(TEXT)};
_Static_assert(offsetof(struct journal_entry, host) +
                       (0 ENTRY_TEXTS(TEXT_SUM)) ==
                   offsetof(struct journal_entry, fault) + TEXT_SIZE(fault),
               "the texts follow each other from host on");
_Static_assert(offsetof(struct journal_entry, fault) + TEXT_SIZE(fault) +
                       _Alignof(struct journal_entry) >
                   sizeof(struct journal_entry),
               "the texts end the entry");
_Static_assert((0 ENTRY_TEXTS(TEXT_SUM)) <= UINT16_MAX, "a text's offset");
#undef TEXT_INDEX
#undef TEXT_SUM
#undef TEXT
#undef TEXT_SIZE
#undef ENTRY_TEXTS

/* An entry's texts, packed one after another with their NULs in one block
 * made to fit.  A whole entry is 2 KB, mostly unused text: a ring of
 * 10,000 of them outgrew the caches, and the first write of each of its
 * pages was a page fault, which cost a Limit-10000 page more CPU than all
 * of timock's own work on it. */
struct texts {
    uint16_t at[TEXT_COUNT]; /* where each text starts in text */
    char *text;              /* NULL: every text is "" */
};

/* A slot of the ring: an entry's numbers (its bytes before host) and its
 * texts. */
struct slot {
    unsigned char numbers[offsetof(struct journal_entry, host)];
    struct texts texts;
};

/* Packs e's texts into t, a block of its own, made before the journal is
 * locked: every request takes that lock, so it is held for a few copies
 * alone.  Out of memory, t holds no text. */
static void texts_pack(struct texts *t, const struct journal_entry *e)
{
    size_t len[TEXT_COUNT], need = 0, at = 0;
    for (int i = 0; i < TEXT_COUNT; i++) {
        len[i] = strnlen((const char *)e + TEXTS[i].at, TEXTS[i].size - 1);
        need += len[i] + 1;
    }
    memset(t->at, 0, sizeof t->at);
    if (!(t->text = malloc(need)))
        return;
    for (int i = 0; i < TEXT_COUNT; i++) {
        t->at[i] = (uint16_t)at;
        memcpy(t->text + at, (const char *)e + TEXTS[i].at, len[i]);
        t->text[at + len[i]] = '\0';
        at += len[i] + 1;
    }
}

/* Stores e's numbers and the texts t in s; t gets the texts s held, for the
 * caller to free once the journal is unlocked. */
static void slot_store(struct slot *s, const struct journal_entry *e,
                       struct texts *t)
{
    struct texts old = s->texts;
    memcpy(s->numbers, e, sizeof s->numbers);
    s->texts = *t;
    *t = old;
}

/* Text i of s. */
static const char *slot_text(const struct slot *s, int i)
{
    return s->texts.text ? s->texts.text + s->texts.at[i] : "";
}

/* The entry s holds, into e. */
static void slot_load(const struct slot *s, struct journal_entry *e)
{
    memset(e, 0, sizeof *e);
    memcpy(e, s->numbers, sizeof s->numbers);
    for (int i = 0; i < TEXT_COUNT; i++) {
        const char *t = slot_text(s, i);
        memcpy((char *)e + TEXTS[i].at, t, strlen(t) + 1);
    }
}

/* A non-zero fingerprint of one client's random value (FNV-1a, mixed). */
static uint64_t random_fingerprint(const char *identifier, uint64_t random)
{
    uint64_t h = hash_mix64(hash_string(identifier) ^ random);
    return h ? h : 1;
}

/* The slot that holds next, or the empty slot where it would go. */
static size_t issued_find(const struct issued *s, uint64_t next)
{
    size_t mask = s->n_slots - 1;
    size_t i = (size_t)hash_mix64(next) & mask;
    while (s->slots[i].next && s->slots[i].next != next)
        i = (i + 1) & mask;
    return i;
}

static int issued_has(const struct issued *s, uint64_t next)
{
    return s && s->n_slots && s->slots[issued_find(s, next)].next == next;
}

/* Makes the set at most half full with `need` distinct values.  Returns 0,
 * or -1. */
static int issued_grow(struct issued *s, size_t need)
{
    if (need * 2 <= s->n_slots)
        return 0;
    size_t n = s->n_slots ? s->n_slots * 2 : 1024;
    struct issued_slot *old = s->slots;
    size_t n_old = s->n_slots;
    s->slots = calloc(n, sizeof *s->slots);
    if (!s->slots) {
        s->slots = old;
        return -1;
    }
    s->n_slots = n;
    for (size_t i = 0; i < n_old; i++)
        if (old[i].next)
            s->slots[issued_find(s, old[i].next)] = old[i];
    free(old);
    return 0;
}

/* Drops one issuance of next; the value goes when none is left.  Removal
 * shifts the following run back so that lookups need no tombstones. */
static void issued_unref(struct issued *s, uint64_t next)
{
    size_t mask = s->n_slots - 1;
    size_t i = issued_find(s, next);
    if (s->slots[i].next != next || --s->slots[i].refs)
        return;
    s->slots[i].next = 0;
    s->used--;
    for (size_t j = (i + 1) & mask; s->slots[j].next; j = (j + 1) & mask) {
        size_t home = (size_t)hash_mix64(s->slots[j].next) & mask;
        /* the entry at j may move to i when its home is not in (i, j] */
        int between =
            i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            s->slots[i] = s->slots[j];
            s->slots[j].next = 0;
            i = j;
        }
    }
}

/* Remembers one issuance of next (non-zero).  Returns 0, or -1. */
static int issued_add(struct issued *s, uint64_t next)
{
    if (s->ring_len == s->ring_alloc && s->ring_alloc < JOURNAL_ISSUED_MAX) {
        size_t n = s->ring_alloc ? s->ring_alloc * 2 : 512;
        if (n > JOURNAL_ISSUED_MAX)
            n = JOURNAL_ISSUED_MAX;
        uint64_t *r = realloc(s->ring, n * sizeof *r);
        if (!r)
            return -1;
        s->ring = r;
        s->ring_alloc = n;
    }
    /* when the ring is full, the value that leaves it makes room, or the
     * set holds one more than half: fine for linear probing */
    int full = s->ring_len == s->ring_alloc;
    if (issued_grow(s, full ? s->used : s->used + 1) != 0)
        return -1;
    if (!full) {
        s->ring[s->ring_len++] = next;
    } else { /* full: the oldest issuance makes room */
        issued_unref(s, s->ring[s->ring_head]);
        s->ring[s->ring_head] = next;
        s->ring_head = (s->ring_head + 1) % s->ring_alloc;
    }
    size_t i = issued_find(s, next);
    if (!s->slots[i].next) {
        s->slots[i].next = next;
        s->used++;
    }
    s->slots[i].refs++;
    return 0;
}

/* The set of one kind for an app; created when asked to.  NULL when it is
 * not there (or memory runs out). */
static struct issued *issued_of(struct journal *j, int kind, uint64_t sdkappid,
                                int create)
{
    for (size_t i = 0; i < j->n_apps; i++)
        if (j->apps[i].sdkappid == sdkappid && j->apps[i].kind == kind)
            return &j->apps[i];
    if (!create)
        return NULL;
    if (j->n_apps == j->apps_alloc) {
        size_t n = j->apps_alloc ? j->apps_alloc * 2 : 4;
        struct issued *a = realloc(j->apps, n * sizeof *a);
        if (!a)
            return NULL;
        j->apps = a;
        j->apps_alloc = n;
    }
    struct issued *s = &j->apps[j->n_apps++];
    memset(s, 0, sizeof *s);
    s->sdkappid = sdkappid;
    s->kind = kind;
    return s;
}

static struct limited *limited_find(struct journal *j, uint64_t sdkappid,
                                    const char *identifier)
{
    for (size_t i = 0; i < j->n_limited; i++)
        if (j->limited[i].sdkappid == sdkappid &&
            strcmp(j->limited[i].identifier, identifier) == 0)
            return &j->limited[i];
    return NULL;
}

/* Remembers that the client's last answer was the rate-limit error; when
 * JOURNAL_LIMITED_MAX clients are remembered, the one limited longest ago
 * is forgotten. */
static void limited_set(struct journal *j, uint64_t sdkappid,
                        const char *identifier, uint64_t mono_ms)
{
    struct limited *l = limited_find(j, sdkappid, identifier);
    if (!l && j->n_limited < j->limited_alloc)
        l = &j->limited[j->n_limited++];
    if (!l && j->limited_alloc < JOURNAL_LIMITED_MAX) {
        size_t n = j->limited_alloc ? j->limited_alloc * 2 : 16;
        struct limited *a = realloc(j->limited, n * sizeof *a);
        if (a) {
            j->limited = a;
            j->limited_alloc = n;
            l = &j->limited[j->n_limited++];
        }
    }
    if (!l && j->n_limited) {
        l = &j->limited[0];
        for (size_t i = 1; i < j->n_limited; i++)
            if (j->limited[i].mono_ms < l->mono_ms)
                l = &j->limited[i];
    }
    if (!l)
        return;
    l->sdkappid = sdkappid;
    copy_text(l->identifier, sizeof l->identifier, identifier);
    l->mono_ms = mono_ms;
}

static void limited_remove(struct journal *j, struct limited *l)
{
    *l = j->limited[--j->n_limited];
}

struct journal *journal_new(size_t capacity)
{
    if (capacity == 0 || capacity > SIZE_MAX / sizeof(struct journal_entry))
        return NULL;
    struct journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->ring = calloc(capacity, sizeof *j->ring);
    if (!j->ring || pthread_mutex_init(&j->lock, NULL) != 0) {
        free(j->ring);
        free(j);
        return NULL;
    }
    j->capacity = capacity;
    return j;
}

/* Forgets the issued cursors and the rate-limited clients. */
static void forget(struct journal *j)
{
    for (size_t i = 0; i < j->n_apps; i++) {
        free(j->apps[i].ring);
        free(j->apps[i].slots);
    }
    free(j->apps);
    free(j->limited);
    j->apps = NULL;
    j->n_apps = j->apps_alloc = 0;
    j->limited = NULL;
    j->n_limited = j->limited_alloc = 0;
}

void journal_free(struct journal *j)
{
    if (!j)
        return;
    forget(j);
    pthread_mutex_destroy(&j->lock);
    for (size_t i = 0; i < j->capacity; i++)
        free(j->ring[i].texts.text);
    free(j->ring);
    free(j);
}

void journal_clear(struct journal *j)
{
    pthread_mutex_lock(&j->lock);
    j->head = j->n = 0;
    forget(j);
    pthread_mutex_unlock(&j->lock);
}

size_t journal_capacity(const struct journal *j)
{
    return j->capacity; /* fixed at journal_new: no lock needed */
}

/* 1 when the header's media type (before ';', trimmed) is application/json
 * in any case. */
static int is_json_media_type(const char *header)
{
    static const char json[] = "application/json";
    if (!header)
        return 0;
    header += strspn(header, " \t");
    size_t n = strcspn(header, ";");
    while (n && (header[n - 1] == ' ' || header[n - 1] == '\t'))
        n--;
    return n == sizeof json - 1 && strncasecmp(header, json, n) == 0;
}

/* The deviations of the query string. */
static uint32_t query_deviations(const struct query *q)
{
    uint32_t d = 0;
    uint64_t random;
    if (!q->random)
        d |= JD_NO_RANDOM;
    else if (query_u64(q->random, &random) != 0 || random > UINT32_MAX)
        d |= JD_RANDOM_RANGE;
    if (!q->contenttype)
        d |= JD_NO_CONTENTTYPE;
    else if (strcmp(q->contenttype, "json") != 0)
        d |= JD_CONTENTTYPE;
    return d;
}

/*
 * Reads the body as the API's own reader (body_view) saw it, so the
 * journal sees the body the API saw: fills the entry's has_limit, limit,
 * has_next, next, type and null_fields, and returns the body's deviations.
 * A body that is not a JSON object has none of them.
 */
static uint32_t read_view(const struct body_view *v, struct journal_entry *e)
{
    static const uint32_t null_devs =
        (1u << BF_LIMIT) | (1u << BF_NEXT) | (1u << BF_GROUPTYPE);
    uint64_t u;
    uint32_t d = 0;
    const char *const *raw = v->raw;
    const size_t *len = v->rawlen;
    if (raw[BF_LIMIT] &&
        jsonint_parse_u64(raw[BF_LIMIT], len[BF_LIMIT], &u) == 0 &&
        u <= UINT32_MAX) {
        e->has_limit = 1;
        e->limit = (uint32_t)u;
    }
    if (raw[BF_NEXT] &&
        jsonint_parse_u64(raw[BF_NEXT], len[BF_NEXT], &e->next) == 0)
        e->has_next = 1;
    if (raw[BF_NEXT] && raw[BF_NEXT][0] == '"')
        d |= JD_NEXT_STRING;
    char name[16];
    long tl = raw[BF_GROUPTYPE]
                  ? jsonint_string(raw[BF_GROUPTYPE], len[BF_GROUPTYPE], name,
                                   sizeof name)
                  : -1;
    int type = tl > 0 ? group_type_parse(name, (size_t)tl, 0) : -1;
    if (type >= 0)
        e->type = type;
    if (tl == 0)
        d |= JD_EMPTY_GROUPTYPE;
    e->null_fields = v->null & null_devs;
    if (e->null_fields)
        d |= JD_NULL_FIELD;
    if (v->present & (1u << BF_OFFSET))
        d |= JD_OFFSET_FIELD;
    if (v->wrong_case &
        ((1u << BF_LIMIT) | (1u << BF_NEXT) | (1u << BF_GROUPTYPE)))
        d |= JD_FIELD_CASE;
    if (v->present & (1u << BF_TYPE))
        d |= JD_TYPE_FIELD;
    return d;
}

/* read_view of the raw body, read here (the api stopped before it). */
static uint32_t read_body(const char *body, size_t n, struct journal_entry *e)
{
    struct body_view v;
    if (!body || body_view(body, n, &v) != 0)
        return 0;
    return read_view(&v, e);
}

/* 1 when the client got the answer's envelope whole: not when there was no
 * answer, a gateway page, a connection reset or a body cut short, nor when
 * a fault made the body something other than JSON (checked only when a
 * fault fired: answers can be 1 MB). */
static int got_envelope(const struct api_answer *ans)
{
    if (ans->no_answer || ans->reset || ans->cut_body || ans->error_code < 0)
        return 0;
    return !ans->trace.fault[0] || jsonint_valid(ans->body.data, ans->body.len);
}

/* Fills everything of the entry that needs no journal state; returns 1 when
 * the request is one whose deviations count (a request to the API for a
 * known app, whatever its method), with the stateless deviations in
 * e->deviations. */
static int fill_entry(struct journal_entry *e, const struct api_request *req,
                      const char *content_type, const struct api_answer *ans)
{
    const struct api_trace *t = &ans->trace;
    struct query own = {0};
    memset(e, 0, sizeof *e);
    copy_text(e->host, sizeof e->host, req->host);
    copy_text(e->method, sizeof e->method, req->method);
    copy_text(e->path, sizeof e->path, req->path);
    size_t qlen = 0;
    e->query[0] = '\0';
    if (req->query)
        redact_query(req->query, strlen(req->query), e->query, sizeof e->query,
                     &qlen);
    size_t n =
        req->body_len < sizeof e->body ? req->body_len : sizeof e->body - 1;
    if (n)
        memcpy(e->body, req->body, n);
    e->body_len = req->body_len;
    copy_text(e->content_type, sizeof e->content_type, content_type);

    e->sdkappid = t->sdkappid;
    e->type = GT_ALL;
    /* the body the api read, else (it stopped before) read here */
    uint32_t d = t->view_read ? read_view(&t->view, e)
                              : read_body(req->body, req->body_len, e);
    e->body_read = t->body_read;
    if (t->body_read) { /* what the api read wins */
        e->limit = t->body.limit;
        e->has_next = t->body.has_next;
        e->next = t->body.next;
        e->type = t->body.type;
    }

    e->http_status = ans->no_answer ? 0 : ans->status;
    e->error_code = got_envelope(ans) ? ans->error_code : -1;
    e->has_answer_next = t->has_answer_next;
    e->answer_next = t->answer_next;
    e->count = t->count;
    e->first_key = t->first_key;
    e->last_key = t->last_key;
    copy_text(e->fault, sizeof e->fault, t->fault);

    int counts = t->sdkappid && strcmp(req->path, API_PATH) == 0;
    if (strcmp(req->method, "POST") != 0)
        d |= JD_METHOD_NOT_POST;
    /* the query the api read, else (it stopped before) read here */
    const struct query *q = t->query_parsed ? &t->query : &own;
    if (t->query_parsed || query_parse(req->query, &own) == 0) {
        copy_text(e->identifier, sizeof e->identifier, q->identifier);
        if (counts)
            d |= query_deviations(q);
        e->has_random = q->random && query_u64(q->random, &e->random) == 0;
    } else {
        copy_text(e->identifier, sizeof e->identifier, t->identifier);
    }
    query_release(&own);
    if (counts && !is_json_media_type(content_type))
        d |= JD_CONTENT_TYPE_HEADER;
    e->deviations = counts ? d : 0;
    return counts;
}

void journal_record(struct journal *j, const struct api_request *req,
                    const char *content_type, const struct api_answer *ans,
                    unsigned rate_limit, int64_t now_ms, uint64_t mono_ms)
{
    struct journal_entry entry, *e = &entry;
    struct texts texts;
    int counts = fill_entry(e, req, content_type, ans);
    e->time_ms = now_ms;
    e->mono_ms = mono_ms;
    uint64_t r = random_fingerprint(e->identifier, e->random);
    texts_pack(&texts, e);

    pthread_mutex_lock(&j->lock);
    e->seq = ++j->seq;
    if (counts) {
        struct issued *s = issued_of(j, ISSUED_NEXT, e->sdkappid, 0);
        if (e->has_next && e->next && !issued_has(s, e->next))
            e->deviations |= JD_NEXT_NOT_ISSUED;

        struct limited *l = limited_find(j, e->sdkappid, e->identifier);
        uint64_t window = rate_limit ? 1000 / rate_limit : 1000;
        if (l && (mono_ms < l->mono_ms || mono_ms - l->mono_ms < window))
            e->deviations |= JD_TOO_FAST;
        if (e->error_code == TIM_ERR_RATE_LIMIT)
            limited_set(j, e->sdkappid, e->identifier, mono_ms);
        else if (l)
            limited_remove(j, l);

        if (e->error_code == 0 && e->has_answer_next && e->answer_next &&
            (s = issued_of(j, ISSUED_NEXT, e->sdkappid, 1)))
            issued_add(s, e->answer_next);

        if (e->has_random &&
            (s = issued_of(j, ISSUED_RANDOM, e->sdkappid, 1))) {
            if (issued_has(s, r))
                e->deviations |= JD_RANDOM_REPEATED;
            else
                issued_add(s, r);
        }
    }
    size_t slot = (j->head + j->n) % j->capacity;
    if (j->n == j->capacity)
        j->head = (j->head + 1) % j->capacity; /* the oldest goes */
    else
        j->n++;
    slot_store(&j->ring[slot], e, &texts);
    pthread_mutex_unlock(&j->lock);
    free(texts.text);
}

static int matches(const struct slot *s, const struct journal_filter *f)
{
    if (!f)
        return 1;
    struct journal_entry e; /* its numbers alone */
    memcpy(&e, s->numbers, sizeof s->numbers);
    return (!f->sdkappid || e.sdkappid == f->sdkappid) &&
           (!f->identifier ||
            strcmp(slot_text(s, TEXT_identifier), f->identifier) == 0) &&
           (!f->since_ms || e.time_ms >= f->since_ms) &&
           (!f->until_ms || e.time_ms <= f->until_ms) && e.seq > f->after_seq &&
           (!f->has_error_code || e.error_code == f->error_code) &&
           (!f->deviations || (e.deviations & f->deviations));
}

long journal_copy(struct journal *j, const struct journal_filter *f,
                  struct journal_entry **out)
{
    long count = 0;
    struct journal_entry *copy = NULL;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->n; i++)
        count += matches(&j->ring[(j->head + i) % j->capacity], f);
    if (count) {
        copy = malloc((size_t)count * sizeof *copy);
        if (!copy) {
            count = -1;
            goto out;
        }
        size_t k = 0;
        for (size_t i = 0; i < j->n; i++) {
            const struct slot *s = &j->ring[(j->head + i) % j->capacity];
            if (matches(s, f))
                slot_load(s, &copy[k++]);
        }
    }
    *out = copy;
out:
    pthread_mutex_unlock(&j->lock);
    return count;
}

/* Appends the text s as a JSON string; bytes that are not UTF-8 become
 * U+FFFD. */
static int json_text(struct buf *b, const char *s)
{
    return answer_json_text(b, s, strlen(s));
}

/* Appends ,"name": and the value v, or null when !has. */
static int json_u64(struct buf *b, const char *name, int has, uint64_t v)
{
    if (buf_printf(b, ",\"%s\":", name))
        return -1;
    return has ? buf_put_u64(b, v) : buf_puts(b, "null");
}

static int json_str(struct buf *b, const char *name, const char *s)
{
    return buf_printf(b, ",\"%s\":", name) || json_text(b, s);
}

int journal_entry_json(struct buf *b, const struct journal_entry *e)
{
    const char *type = group_type_name(e->type);
    if (buf_puts(b, "{\"seq\":") || buf_put_u64(b, e->seq) ||
        buf_printf(b, ",\"time_ms\":%lld", (long long)e->time_ms) ||
        json_u64(b, "mono_ms", 1, e->mono_ms) || json_str(b, "host", e->host) ||
        json_str(b, "method", e->method) || json_str(b, "path", e->path) ||
        json_str(b, "query", e->query) || json_str(b, "body", e->body) ||
        json_u64(b, "body_len", 1, e->body_len) ||
        json_str(b, "content_type", e->content_type) ||
        json_u64(b, "sdkappid", 1, e->sdkappid) ||
        json_str(b, "identifier", e->identifier) ||
        buf_printf(b, ",\"body_read\":%s", e->body_read ? "true" : "false") ||
        json_u64(b, "limit", e->has_limit, e->limit) ||
        json_u64(b, "next", e->has_next, e->next) ||
        buf_puts(b, ",\"type\":") ||
        (type[0] ? json_text(b, type) : buf_puts(b, "null")) ||
        buf_printf(b, ",\"http_status\":%d,\"error_code\":%d", e->http_status,
                   e->error_code) ||
        json_u64(b, "answer_next", e->has_answer_next, e->answer_next) ||
        json_u64(b, "count", 1, e->count) ||
        json_u64(b, "first_key", 1, e->first_key) ||
        json_u64(b, "last_key", 1, e->last_key) ||
        json_str(b, "fault", e->fault) || buf_puts(b, ",\"deviations\":["))
        return -1;
    const char *sep = "";
    for (int i = 0; i < JOURNAL_DEVIATION_COUNT; i++) {
        if (!(e->deviations & (1u << i)))
            continue;
        if (buf_puts(b, sep) || json_text(b, deviations[i].name))
            return -1;
        sep = ",";
    }
    static const char *const fields[] = {"Limit", "Next", "GroupType"};
    if (buf_puts(b, "],\"null_fields\":["))
        return -1;
    sep = "";
    for (int f = 0; f < 3; f++) {
        if (!(e->null_fields & (1u << f)))
            continue;
        if (buf_puts(b, sep) || json_text(b, fields[f]))
            return -1;
        sep = ",";
    }
    return buf_puts(b, "]}");
}
