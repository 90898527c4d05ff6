/*
 * request: where a request is parsed.
 *
 * Two readers: the URL's query string (sdkappid, identifier, usersig,
 * random, contenttype, percent-decoded) and the JSON body (Limit, Next,
 * GroupType), read once by one reader (body_view).  Each says what it found and
 * what is wrong with it; which check comes first, and so which error code a
 * request gets, is decided by api.c, not here.
 */
#ifndef TIM_REQUEST_H
#define TIM_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* The URL's parameters.  A field is NULL when the parameter is absent; the
 * strings live in the query's own storage. */
struct query {
    char *sdkappid;
    char *identifier;
    char *usersig;
    char *random;
    char *contenttype;
    char *storage;
};

/* query_parse: percent-decodes the parameters of query (the text after '?',
 * may be NULL).  The first occurrence of a name wins.  Returns 0, or -1 when
 * memory runs out.  Release with query_release. */
int query_parse(const char *query, struct query *q);

/* query_release: frees what query_parse made.  Safe on a zeroed query. */
void query_release(struct query *q);

/* query_get: the percent-decoded value of the first parameter called name
 * in query (may be NULL), into out (size n, cut short if needed); returns
 * out, or NULL when there is no such parameter. */
char *query_get(const char *query, const char *name, char *out, size_t n);

/* query_u64: reads a parameter made of decimal digits only that fits in 64
 * bits.  Returns 0 and stores it, or -1. */
int query_u64(const char *s, uint64_t *out);

#define BODY_LIMIT_MAX 10000u

/* The fields a body's view names, and their bits in body_view.present,
 * .null and .wrong_case. */
enum body_field {
    BF_LIMIT,
    BF_NEXT,
    BF_GROUPTYPE,
    BF_OFFSET,
    BF_TYPE,
    BF_COUNT
};

/*
 * What a body holds, as the one reader of request bodies sees it: the raw
 * JSON text of each field's value (its first occurrence; the spans point
 * into the body), which fields are present, which are null, and which
 * appear under a name in the wrong case ("next", "LIMIT").  The API's
 * checks and the journal both read a body through body_view, so they can
 * never see two different bodies in the same bytes.
 */
struct body_view {
    const char *raw[BF_COUNT];
    size_t rawlen[BF_COUNT];
    unsigned present, null, wrong_case; /* 1u << enum body_field */
};

/* body_view: reads n bytes as a request body.  A UTF-8 byte-order mark
 * before the JSON is skipped; the rest must be exactly one JSON object
 * (RFC 8259: only space, tab, CR and LF between tokens, nothing after it),
 * nested at most JSON_DEPTH_MAX deep.  Returns 0 and fills *v, or -1 (*v
 * then says nothing is present).  No allocation; thread-safe. */
int body_view(const char *body, size_t n, struct body_view *v);

/* What the app lets a body do (SPEC section 2); all 0 is the default. */
struct body_rules {
    int console_names;       /* GroupType also takes Work and Meeting */
    int null_is_error;       /* null Limit/Next/GroupType: 10004 (v1) */
    int empty_type_is_error; /* "GroupType":"": 10004 (v1) */
};

/* The body's fields, with the defaults of SPEC section 2. */
struct body {
    uint32_t limit; /* 10000 when absent */
    int has_next;
    uint64_t next; /* 0 when absent */
    int type;      /* enum group_type, GT_ALL when absent */
};

/* body_parse: reads a request body of n bytes through body_view and applies
 * the rules.  Returns 0 and fills *out, or TIM_ERR_BAD_JSON (empty, not
 * JSON, not an object, too deep) or TIM_ERR_BAD_PARAM (Limit, Next or
 * GroupType wrong), writing a reason into why (size whylen).  seen (may be
 * NULL) gets the view read, whatever the result, so that the journal need
 * not read the body again.  Thread-safe. */
int body_parse(const char *body, size_t n, const struct body_rules *rules,
               struct body *out, char *why, size_t whylen,
               struct body_view *seen);

#endif
