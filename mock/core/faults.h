/*
 * faults: the rules that make the mock misbehave on purpose.
 *
 * A rule matches requests (on app, identifier, GroupType, every Nth match,
 * a seeded probability) and acts on them (an ErrorCode in the envelope, an
 * HTTP status with a gateway's HTML body, a delay, a closed connection), a
 * limited number of times or forever.  Rules are tried in order and the
 * first that fires decides; a rule's counters move only when it is tried.
 * The same seed and the same requests give the same faults.  The rule list
 * and its counters sit behind one lock: faults_pick is thread-safe.
 */
#ifndef TIM_FAULTS_H
#define TIM_FAULTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct fault_action {
    int error_code;    /* 0: none */
    int http_status;   /* 0: none (200) */
    uint32_t delay_ms; /* wait before answering */
    int close;         /* close the connection without an answer */
};

struct fault_rule {
    int has_sdkappid;
    uint64_t sdkappid;
    char identifier[128]; /* "" matches every identifier */
    int type;             /* enum group_type, or -2 for any */
    uint64_t every_nth;   /* 0 or 1: every matching request */
    double probability;   /* 1.0: always */
    uint64_t seed;
    uint64_t times; /* 0: unlimited */
    struct fault_action action;
    /* state, kept by faults_pick */
    uint64_t seen, fired, rng;
};

#define FAULT_ANY_TYPE (-2)

struct faults {
    pthread_mutex_t lock;
    struct fault_rule *rules;
    size_t n;
};

/* faults_init / faults_release: an empty rule list, and its end. */
int faults_init(struct faults *f);
void faults_release(struct faults *f);

/* faults_rule_default: a rule that matches everything, always, forever, and
 * does nothing; fill in what you need. */
void faults_rule_default(struct fault_rule *r);

/* faults_add: appends a copy of rule (its state reset).  Returns 0, or -1
 * when memory runs out.  Thread-safe. */
int faults_add(struct faults *f, const struct fault_rule *rule);

/* faults_pick: tries the rules on a request; returns 1 and fills *out when
 * one fires, else 0.  Thread-safe. */
int faults_pick(struct faults *f, uint64_t sdkappid, const char *identifier,
                int type, struct fault_action *out);

#endif
