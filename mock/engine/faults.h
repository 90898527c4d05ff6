/*
 * faults: the rules that make the mock misbehave on purpose.
 *
 * A rule matches requests (on app, identifier, GroupType, the request's
 * Next, every Nth match, a seeded probability) and acts on them as a client
 * meets it in production: an ErrorCode in the envelope, an HTTP status with
 * a gateway's HTML body, a delay (fixed, uniform or log-normal), a closed
 * or reset connection (before or after the headers), a body cut short,
 * malformed JSON, a body sent slowly in small pieces.  A rule fires a
 * limited number of times, or for a limited period, or for ever.  Rules are
 * tried in order and the first that fires decides; a rule's counters move
 * only when it is tried.  The same seed and the same requests give the same
 * faults.  The rule list and its counters sit behind one lock: every
 * function is thread-safe.
 */
#ifndef TIM_FAULTS_H
#define TIM_FAULTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum fault_delay { DELAY_FIXED, DELAY_UNIFORM, DELAY_LOGNORMAL };
enum fault_reset { RESET_NONE, RESET_BEFORE_HEADERS, RESET_AFTER_HEADERS };

struct fault_action {
    int error_code;  /* 0: none */
    int http_status; /* 0: none (200) */
    enum fault_delay delay;
    uint32_t delay_ms;             /* fixed; after faults_pick, the delay */
    uint32_t delay_min, delay_max; /* uniform */
    double median_ms, sigma;       /* log-normal */
    int close;                     /* close the connection, no answer */
    enum fault_reset reset;        /* reset the connection */
    int cut_body;                  /* send half the body, then close */
    int malformed_json;            /* answer a body that is not JSON */
    uint32_t slow_bytes, slow_ms;  /* send slow_bytes every slow_ms */
};

struct fault_rule {
    uint64_t id; /* given by faults_add */
    int has_sdkappid;
    uint64_t sdkappid;
    char identifier[128]; /* "" matches every identifier */
    int type;             /* enum group_type, or FAULT_ANY_TYPE */
    int match_next;       /* 0: any; 1: Next == next; 2: Next != 0 */
    uint64_t next;
    uint64_t every_nth; /* 0 or 1: every matching request */
    double probability; /* 1.0: always */
    uint64_t seed;
    uint64_t times;     /* 0: unlimited */
    uint64_t period_ms; /* 0: for ever; else active this long after added */
    struct fault_action action;
    /* state, kept by faults_add and faults_pick */
    uint64_t until_ms, seen, fired, rng, delay_rng;
};

#define FAULT_ANY_TYPE     (-2)
#define MATCH_NEXT_ANY     0
#define MATCH_NEXT_EQUAL   1
#define MATCH_NEXT_NONZERO 2

struct faults {
    pthread_mutex_t lock;
    struct fault_rule *rules;
    size_t n;
    uint64_t last_id;
};

/* faults_init / faults_release: an empty rule list, and its end. */
int faults_init(struct faults *f);
void faults_release(struct faults *f);

/* faults_rule_default: a rule that matches everything, always, for ever,
 * and does nothing; fill in what you need. */
void faults_rule_default(struct fault_rule *r);

/* faults_add: appends a copy of rule (its state reset) at now_ms
 * (monotonic, for period_ms).  Returns the rule's id (> 0), or 0 when
 * memory runs out. */
uint64_t faults_add(struct faults *f, const struct fault_rule *rule,
                    uint64_t now_ms);

/* faults_delete: removes the rule with this id (0: every rule).  Returns 0,
 * or -1 when no rule has it. */
int faults_delete(struct faults *f, uint64_t id);

/* faults_pick: tries the rules on a request (its app, identifier,
 * GroupType, whether it had a Next and which) at now_ms; returns 1 and
 * fills *out when one fires (with its delay drawn), else 0. */
int faults_pick(struct faults *f, uint64_t sdkappid, const char *identifier,
                int type, int has_next, uint64_t next, uint64_t now_ms,
                struct fault_action *out);

/* faults_json: appends the rules, with their counters, as a JSON array. */
int faults_json(struct faults *f, struct buf *b);

/* fault_describe: a short text for an action ("error 10002", "http 503",
 * "delay 300 ms", "reset before headers", ...), for the journal. */
void fault_describe(const struct fault_action *a, char *out, size_t n);

#endif
