/*
 * journal: a bounded ring of every API request, and how each strays from
 * the documented form.
 *
 * The web layer records every request it passed to api_handle, with the
 * answer, here.  An entry keeps what a test needs to hold a client to the
 * documented form and to check its paging: the request (every secret of
 * the query replaced by REDACTED, redact.h; only the start of the body),
 * what the api read from
 * the body, what it answered (ErrorCode, Next, the keys of the page served,
 * the fault applied) and the request's deviations from the documented form
 * (JOURNAL_DEVIATIONS).  The journal remembers the Next values it saw
 * answered, per app, so that a Next the mock never issued can be told, and
 * the last rate-limit error of each client, so that a client that comes back
 * too soon can be told.  Everything is bounded: the ring holds `capacity`
 * entries and drops the oldest; the issued cursors and the rate-limited
 * clients are capped.  One mutex guards all of it: every function is
 * thread-safe.
 */
#ifndef TIM_JOURNAL_H
#define TIM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "buf.h"

/* Deviations from the documented request form, in one table:
 * XX(enum bit name, short name used in JSON, sentence). */
#define JOURNAL_DEVIATIONS(XX)                                                 \
    XX(NO_RANDOM, "no_random", "no random parameter")                          \
    XX(RANDOM_RANGE, "random_out_of_range",                                    \
       "random is not an integer from 0 to 4294967295")                        \
    XX(NO_CONTENTTYPE, "no_contenttype", "no contenttype parameter")           \
    XX(CONTENTTYPE, "contenttype_not_json", "contenttype is not json")         \
    XX(CONTENT_TYPE_HEADER, "content_type_not_json",                           \
       "the Content-Type header is not application/json")                      \
    XX(FIELD_CASE, "field_case",                                               \
       "a field in the wrong case (next, limit, grouptype)")                   \
    XX(TYPE_FIELD, "type_instead_of_grouptype",                                \
       "Type sent instead of GroupType")                                       \
    XX(NEXT_STRING, "next_as_string", "Next sent as a string")                 \
    XX(NEXT_NOT_ISSUED, "next_not_issued", "a Next the mock never issued")     \
    XX(TOO_FAST, "too_fast_after_rate_limit",                                  \
       "sent again less than 1 s / rate after a rate-limit error")             \
    XX(METHOD_NOT_POST, "method_not_post", "the method is not POST")           \
    XX(NULL_FIELD, "null_field",                                               \
       "Limit, Next or GroupType sent as null (see null_fields)")              \
    XX(EMPTY_GROUPTYPE, "empty_grouptype", "GroupType sent as \"\"")           \
    XX(OFFSET_FIELD, "offset_field",                                           \
       "Offset sent: the API pages by Next and ignores it")                    \
    XX(RANDOM_REPEATED, "random_repeated",                                     \
       "the same random as an earlier request of the same client")

/* The position of each deviation in the table ... */
enum journal_deviation_index {
#define JOURNAL_DEVIATION_INDEX(name, key, text) JDI_##name,
    JOURNAL_DEVIATIONS(JOURNAL_DEVIATION_INDEX)
#undef JOURNAL_DEVIATION_INDEX
        JOURNAL_DEVIATION_COUNT
};

/* ... and its bit in journal_entry.deviations. */
enum journal_deviation {
#define JOURNAL_DEVIATION_BIT(name, key, text) JD_##name = 1u << JDI_##name,
    JOURNAL_DEVIATIONS(JOURNAL_DEVIATION_BIT)
#undef JOURNAL_DEVIATION_BIT
};

/* journal_deviation_name / journal_deviation_text: the short name and the
 * sentence of deviation i (0 .. JOURNAL_DEVIATION_COUNT - 1); NULL for any
 * other i.  Static strings. */
const char *journal_deviation_name(int i);
const char *journal_deviation_text(int i);

/* journal_deviation_parse: the bit of the deviation with this short name,
 * or 0 when there is none. */
uint32_t journal_deviation_parse(const char *name);

/* Bounds of what the journal remembers besides its ring. */
#define JOURNAL_ISSUED_MAX  65536u /* issued Next values kept per app */
#define JOURNAL_LIMITED_MAX 4096u  /* clients whose last answer was 60007 */

struct journal_entry {
    uint64_t seq;      /* 1, 2, ... over the journal's life */
    int64_t time_ms;   /* unix ms */
    uint64_t mono_ms;  /* monotonic ms, for waits */
    size_t body_len;   /* the whole body's length */
    uint64_t sdkappid; /* 0: unknown (no known app named) */
    /* body_read: the api read the body (it passed every check before it).
     * The four fields after it are then what the api read; otherwise they
     * are what the raw body holds, when it is a JSON object (has_limit,
     * has_next: the field is there and a JSON integer that fits; type:
     * GroupType is a known name, else GT_ALL). */
    int body_read;
    int has_limit;
    uint32_t limit;
    int has_next;
    uint64_t next;
    int type;             /* enum group_type, GT_ALL when absent */
    unsigned null_fields; /* 1u << BF_LIMIT, BF_NEXT, BF_GROUPTYPE: null */
    int has_random;       /* random is there and a number */
    uint64_t random;
    int http_status; /* 0: no answer at all (the connection was closed) */
    /* error_code: the answer's ErrorCode; -1 when the client got no
     * envelope (no answer, a gateway page, a reset, a body cut short or
     * not JSON) */
    int error_code;
    int has_answer_next;
    uint64_t answer_next;
    uint32_t count; /* the page served: its size, its first and last keys */
    uint64_t first_key, last_key;
    uint32_t deviations; /* enum journal_deviation bits */
    /* The texts, each ended by a NUL, come last: the journal stores an
     * entry by copying what is before host and each text up to its NUL
     * (journal.c, JOURNAL_TEXTS). */
    char host[96], method[12], path[160];
    char query[1024];      /* its secrets replaced by REDACTED (redact.h) */
    char body[512];        /* the start of the body */
    char content_type[96]; /* the Content-Type header, "" when absent */
    char identifier[96];   /* the identifier parameter, "" when absent */
    char fault[64];        /* the fault applied, "" for none */
};

struct journal; /* opaque */

/* journal_new: an empty journal whose ring holds capacity entries (at least
 * 1).  Returns NULL when capacity is 0 or memory runs out.  Free it with
 * journal_free. */
struct journal *journal_new(size_t capacity);

/* journal_free: frees the journal; NULL does nothing.  No other thread may
 * be using it. */
void journal_free(struct journal *j);

/*
 * journal_record: adds one entry for req, whose answer is ans (ans->trace
 * holds what the api decided), with the request's Content-Type header (NULL
 * when absent), at unix time now_ms and monotonic time mono_ms; rate_limit
 * is the app's calls per second (0: none) for the TOO_FAST check.
 *
 * Deviations are computed only for requests to API_PATH that named a known
 * app (ans->trace.sdkappid != 0), whatever their method.  The app's recent
 * random values are remembered per client (JOURNAL_ISSUED_MAX per app).  A
 * non-zero Next that the answer carries is remembered as issued for the app
 * (the last JOURNAL_ISSUED_MAX issued per app are kept).  Past capacity the
 * oldest entry is dropped.  Out of memory, the issued cursor or rate-limit time
 * is not remembered; the entry is still recorded.  Thread-safe.
 */
void journal_record(struct journal *j, const struct api_request *req,
                    const char *content_type, const struct api_answer *ans,
                    unsigned rate_limit, int64_t now_ms, uint64_t mono_ms);

/* journal_clear: empties the ring and forgets the issued cursors and the
 * rate-limit times; seq goes on counting.  Thread-safe. */
void journal_clear(struct journal *j);

/* Which entries journal_copy takes: sdkappid 0 takes any app, identifier
 * NULL any identifier; since_ms <= time_ms <= until_ms, where 0 leaves that
 * end open; seq > after_seq (0: any); error_code the answer's ErrorCode
 * when has_error_code (-1: no envelope); deviations 0 any entry, else one
 * with at least one of these bits. */
struct journal_filter {
    uint64_t sdkappid;
    const char *identifier;
    int64_t since_ms, until_ms;
    uint64_t after_seq;
    int has_error_code;
    int error_code;
    uint32_t deviations;
};

/* journal_copy: copies the entries matching f (NULL: all), oldest first,
 * into a malloc'd array in *out that the caller frees.  Returns the count
 * (0, with *out NULL, when none match), or -1 when memory runs out (*out
 * untouched).  Thread-safe. */
long journal_copy(struct journal *j, const struct journal_filter *f,
                  struct journal_entry **out);

/* journal_capacity: the most entries the ring holds.  Thread-safe. */
size_t journal_capacity(const struct journal *j);

/*
 * journal_entry_json: appends e to b as one JSON object:
 *   {"seq", "time_ms", "mono_ms", "host", "method", "path", "query", "body",
 *    "body_len", "content_type", "sdkappid", "identifier", "body_read",
 *    "limit" (null when absent), "next" (null when absent), "type" (the name,
 *    null when absent), "http_status", "error_code", "answer_next" (null when
 *    the answer had none), "count", "first_key", "last_key", "fault",
 *    "deviations": [short names], "null_fields": ["Limit", ...]}
 * 64-bit values are written as exact integers; strings are escaped, with
 * bytes that are not UTF-8 written as U+FFFD.  Returns 0, or -1 when b's cap
 * or memory runs out (b may then hold part of the object).
 */
int journal_entry_json(struct buf *b, const struct journal_entry *e);

#endif
