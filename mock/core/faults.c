/* faults: rules that match requests and break their answers (faults.h). */
#include "faults.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"

int faults_init(struct faults *f)
{
    f->rules = NULL;
    f->n = 0;
    return pthread_mutex_init(&f->lock, NULL) ? -1 : 0;
}

void faults_release(struct faults *f)
{
    free(f->rules);
    f->rules = NULL;
    f->n = 0;
    pthread_mutex_destroy(&f->lock);
}

void faults_rule_default(struct fault_rule *r)
{
    memset(r, 0, sizeof *r);
    r->type = FAULT_ANY_TYPE;
    r->probability = 1.0;
}

int faults_add(struct faults *f, const struct fault_rule *rule)
{
    int rc = -1;
    pthread_mutex_lock(&f->lock);
    struct fault_rule *rules = realloc(f->rules, (f->n + 1) * sizeof *rules);
    if (!rules)
        goto out;
    f->rules = rules;
    struct fault_rule *r = &f->rules[f->n++];
    *r = *rule;
    r->seen = r->fired = 0;
    r->rng = r->seed;
    rc = 0;
out:
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int matches(const struct fault_rule *r, uint64_t sdkappid,
                   const char *identifier, int type)
{
    return (!r->has_sdkappid || r->sdkappid == sdkappid) &&
           (!r->identifier[0] || strcmp(r->identifier, identifier) == 0) &&
           (r->type == FAULT_ANY_TYPE || r->type == type);
}

/* Called for a matching rule: does it fire on this request? */
static int fires(struct fault_rule *r)
{
    if (r->times && r->fired >= r->times)
        return 0;
    r->seen++;
    if (r->every_nth > 1 && r->seen % r->every_nth != 0)
        return 0;
    if (r->probability < 1.0) {
        double u = (double)(rng_next(&r->rng) >> 11) * 0x1.0p-53;
        if (u >= r->probability)
            return 0;
    }
    r->fired++;
    return 1;
}

int faults_pick(struct faults *f, uint64_t sdkappid, const char *identifier,
                int type, struct fault_action *out)
{
    int fired = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->n && !fired; i++) {
        struct fault_rule *r = &f->rules[i];
        if (matches(r, sdkappid, identifier, type) && fires(r)) {
            *out = r->action;
            fired = 1;
        }
    }
    pthread_mutex_unlock(&f->lock);
    return fired;
}
