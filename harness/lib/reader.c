/* reader: the envelope and a page, read in one pass (reader.h). */
#include "reader.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonint.h"
#include "sink.h"

#define DEPTH_MAX 128 /* as jsonint_valid */

/* The members of an answer that are read. */
enum key { K_CODE, K_INFO, K_TOTAL, K_LIST, K_NEXT, K_COUNT };

#define KEY(name)                                                              \
    {                                                                          \
        name, sizeof name - 1                                                  \
    }

struct name {
    const char *text;
    size_t len;
};

static const struct name key_names[K_COUNT] = {
    KEY("ErrorCode"), KEY("ErrorInfo"), KEY("TotalCount"), KEY("GroupIdList"),
    KEY("Next")};

static const struct name group_id = KEY("GroupId");

/* What a value is to the answer: the root object, the page's list, one of
 * its elements, an element's GroupId, or nothing to read. */
enum role { R_NONE, R_ROOT, R_LIST, R_ELEMENT, R_ID };

struct span {
    const char *p; /* NULL: absent */
    size_t len;
};

struct scan {
    const char *s;
    char *w; /* s, writable, when the page is read; NULL: the envelope only */
    size_t n, i;
    int depth;
    struct span member[K_COUNT]; /* the raw value of each key's first */
    struct reader_store *st;
    size_t count;  /* IDs read */
    size_t bad;    /* the first element without a good GroupId, or
                      SIZE_MAX */
    int no_memory; /* the store could not grow */
    int id_seen;   /* the element being read has had its GroupId member */
    int id_ok;     /* and that member was an ID, now in the store */
};

void reader_store_release(struct reader_store *st)
{
    free(st->ids);
    free(st->lens);
    free(st->scratch);
    memset(st, 0, sizeof *st);
}

static void scan_ws(struct scan *sc)
{
    sc->i = jsonint_skip_ws(sc->s, sc->n, sc->i);
}

/* A string token at s[i] (jsonint's lexer); *escaped says whether it holds
 * an escape. */
static int scan_string(struct scan *sc, int *escaped)
{
    size_t end = sc->i < sc->n && sc->s[sc->i] == '"'
                     ? jsonint_scalar(sc->s, sc->n, sc->i, escaped)
                     : 0;
    sc->i = end ? end : sc->i;
    return end != 0;
}

/* Does the name token s[start..i) (quotes included) unescape to key?  The
 * keys are short ASCII: a name that unescapes to more is none of them. */
static int name_is(const struct scan *sc, size_t start, int escaped,
                   const struct name *key)
{
    size_t len = sc->i - start;
    if (!escaped)
        return len == key->len + 2 &&
               memcmp(sc->s + start + 1, key->text, key->len) == 0;
    char name[32];
    long got = jsonint_string(sc->s + start, len, name, sizeof name);
    return got == (long)key->len && memcmp(name, key->text, key->len) == 0;
}

/* The key a member of the root names, when it is the first of its name;
 * else -1. */
static int root_key(const struct scan *sc, size_t start, int escaped)
{
    for (int k = 0; k < K_COUNT; k++)
        if (name_is(sc, start, escaped, &key_names[k]))
            return sc->member[k].p ? -1 : k;
    return -1;
}

/* Makes room for one more ID pointer in the store. */
static int store_room(struct reader_store *st, size_t count)
{
    if (count < st->cap)
        return 0;
    size_t cap = st->cap ? st->cap * 2 : 1024;
    if (cap > SIZE_MAX / sizeof *st->lens)
        return -1;
    char **ids = realloc(st->ids, cap * sizeof *ids);
    if (ids)
        st->ids = ids;
    size_t *lens = realloc(st->lens, cap * sizeof *lens);
    if (lens)
        st->lens = lens;
    if (!ids || !lens)
        return -1;
    st->cap = cap;
    return 0;
}

/* The GroupId whose string token is s[start..i): unescaped where it stands
 * (through the scratch room: never longer than the token) and ended with a
 * NUL over its last byte.  One that unescapes to bytes with a NUL is not
 * taken. */
static void take_id(struct scan *sc, size_t start, int escaped)
{
    size_t len = sc->i - start;
    char *id = sc->w + start + 1;
    if (store_room(sc->st, sc->count) != 0) {
        sc->no_memory = 1;
        return;
    }
    if (escaped) {
        struct reader_store *st = sc->st;
        if (st->scratch_cap < len) {
            char *room = realloc(st->scratch, len);
            if (!room) {
                sc->no_memory = 1;
                return;
            }
            st->scratch = room;
            st->scratch_cap = len;
        }
        long got = jsonint_string(sc->s + start, len, st->scratch, len);
        if (got < 0 || memchr(st->scratch, '\0', (size_t)got))
            return;
        memcpy(id, st->scratch, (size_t)got + 1);
        len = (size_t)got;
    } else {
        len -= 2;
        id[len] = '\0';
    }
    sc->st->ids[sc->count] = id;
    sc->st->lens[sc->count++] = len;
    sc->id_ok = 1;
}

static int scan_value(struct scan *sc, enum role role);

/* The members of an object or the elements of an array, after the opening
 * mark; role is the container's. */
static int scan_items(struct scan *sc, char close, enum role role)
{
    int members = close == '}';
    scan_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == close) {
        sc->i++;
        return 1;
    }
    for (size_t index = 0;; index++) {
        enum role r = R_NONE;
        int k = -1;
        scan_ws(sc);
        if (members) {
            size_t start = sc->i;
            int escaped;
            if (!scan_string(sc, &escaped))
                return 0;
            if (role == R_ROOT) {
                k = root_key(sc, start, escaped);
                r = k == K_LIST && sc->w ? R_LIST : R_NONE;
            } else if (role == R_ELEMENT && !sc->id_seen &&
                       name_is(sc, start, escaped, &group_id)) {
                sc->id_seen = 1;
                r = R_ID;
            }
            scan_ws(sc);
            if (sc->i >= sc->n || sc->s[sc->i++] != ':')
                return 0;
            scan_ws(sc);
        } else if (role == R_LIST) {
            r = R_ELEMENT;
            sc->id_seen = sc->id_ok = 0;
        }
        size_t start = sc->i;
        if (!scan_value(sc, r))
            return 0;
        if (k >= 0)
            sc->member[k] = (struct span){sc->s + start, sc->i - start};
        if (role == R_LIST && !sc->id_ok && sc->bad == SIZE_MAX)
            sc->bad = index;
        scan_ws(sc);
        if (sc->i >= sc->n)
            return 0;
        char c = sc->s[sc->i++];
        if (c == close)
            return 1;
        if (c != ',')
            return 0;
    }
}

static int scan_value(struct scan *sc, enum role role)
{
    scan_ws(sc);
    if (sc->i >= sc->n)
        return 0;
    switch (sc->s[sc->i]) {
    case '{':
    case '[': {
        char close = sc->s[sc->i] == '{' ? '}' : ']';
        /* a role holds for the kind of value it names */
        int object_role = role == R_ROOT || role == R_ELEMENT;
        if ((close == '}' && !object_role) || (close == ']' && role != R_LIST))
            role = R_NONE;
        if (++sc->depth > DEPTH_MAX)
            return 0;
        sc->i++;
        int ok = scan_items(sc, close, role);
        sc->depth--;
        return ok;
    }
    case '"': {
        size_t start = sc->i;
        int escaped;
        if (!scan_string(sc, &escaped))
            return 0;
        if (role == R_ID)
            take_id(sc, start, escaped);
        return 1;
    }
    default: {
        size_t end = jsonint_scalar(sc->s, sc->n, sc->i, NULL);
        sc->i = end ? end : sc->i;
        return end != 0;
    }
    }
}

/* The one pass: 1 when the text is exactly one JSON value (white space
 * around it allowed), with the members and IDs read on the way; else 0. */
static int scan_text(struct scan *sc)
{
    if (!scan_value(sc, R_ROOT))
        return 0;
    scan_ws(sc);
    return sc->i == sc->n;
}

/* The envelope's verdict on a scanned text. */
static int envelope(const struct scan *sc, int valid, struct tim_error *err)
{
    const struct span *code = &sc->member[K_CODE], *info = &sc->member[K_INFO];
    uint64_t value = 0;
    if (!valid || !code->p || jsonint_parse_u64(code->p, code->len, &value))
        return tim_fail(
            err, TIM_E_PROTOCOL,
            "the answer is not a JSON object with an ErrorCode (%zu "
            "bytes)",
            sc->n);
    if (value == 0)
        return TIM_OK;
    char text[256] = "";
    if (info->p && jsonint_string(info->p, info->len, text, sizeof text) < 0)
        snprintf(text, sizeof text, "%.*s",
                 (int)(info->len < 200 ? info->len : 200), info->p);
    int rc = tim_fail(err, TIM_E_API, "ErrorCode %" PRIu64 ": %s", value, text);
    err->error_code = value > LONG_MAX ? LONG_MAX : (long)value;
    snprintf(err->error_info, sizeof err->error_info, "%s", text);
    return rc;
}

int reader_envelope(const char *json, size_t n, struct tim_error *err)
{
    struct scan sc = {.s = json, .n = n, .bad = SIZE_MAX};
    return envelope(&sc, scan_text(&sc), err);
}

void tim_page_release(struct tim_page *page)
{
    free(page->ids);
    free(page->storage);
    memset(page, 0, sizeof *page);
}

int reader_answer(char *text, size_t n, struct reader_store *st,
                  struct tim_page *page, struct tim_error *err)
{
    struct scan sc = {.s = text, .w = text, .n = n, .st = st, .bad = SIZE_MAX};
    int rc = envelope(&sc, scan_text(&sc), err);
    if (rc != TIM_OK)
        return rc;
    const struct span *v = sc.member;
    struct tim_page p = {0};
    if (!v[K_TOTAL].p ||
        jsonint_parse_u64(v[K_TOTAL].p, v[K_TOTAL].len, &p.total_count))
        return tim_fail(
            err, TIM_E_PROTOCOL,
            "the answer has no TotalCount that is an unsigned integer");
    if (v[K_NEXT].p && jsonint_parse_u64(v[K_NEXT].p, v[K_NEXT].len, &p.next))
        return tim_fail(err, TIM_E_PROTOCOL,
                        "the answer's Next is not an unsigned 64-bit integer");
    if (!v[K_LIST].p || v[K_LIST].p[0] != '[')
        return tim_fail(err, TIM_E_PROTOCOL,
                        "the answer has no GroupIdList array");
    if (sc.no_memory)
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    if (sc.bad != SIZE_MAX)
        return tim_fail(err, TIM_E_PROTOCOL,
                        "GroupIdList[%zu] has no GroupId string (without "
                        "NUL)",
                        sc.bad);
    p.has_next = v[K_NEXT].p != NULL;
    p.count = sc.count;
    p.ids = st->ids;
    *page = p;
    return TIM_OK;
}

int reader_page(const char *json, size_t n, struct tim_page *page,
                struct tim_error *err)
{
    struct reader_store st = {0};
    struct tim_page p;
    char *copy = n < SIZE_MAX ? malloc(n + 1) : NULL;
    if (!copy)
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    memcpy(copy, json, n);
    copy[n] = '\0';
    int rc = reader_answer(copy, n, &st, &p, err);
    free(st.scratch);
    free(st.lens);
    if (rc != TIM_OK) {
        free(st.ids);
        free(copy);
        return rc;
    }
    p.storage = copy; /* the IDs' bytes; p.ids is the store's array */
    *page = p;
    return TIM_OK;
}
