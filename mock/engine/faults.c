/* faults: rules that match requests and break their answers (faults.h). */
#include "faults.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "rng.h"
#include "store.h"

int faults_init(struct faults *f)
{
    f->rules = NULL;
    f->n = 0;
    f->last_id = 0;
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

uint64_t faults_add(struct faults *f, const struct fault_rule *rule,
                    uint64_t now_ms)
{
    uint64_t id = 0;
    pthread_mutex_lock(&f->lock);
    struct fault_rule *rules = realloc(f->rules, (f->n + 1) * sizeof *rules);
    if (!rules)
        goto out;
    f->rules = rules;
    struct fault_rule *r = &f->rules[f->n++];
    *r = *rule;
    r->id = id = ++f->last_id;
    r->seen = r->fired = 0;
    r->rng = r->seed;
    r->delay_rng = r->seed ^ 0x5deece66dULL;
    r->until_ms = r->period_ms ? now_ms + r->period_ms : 0;
out:
    pthread_mutex_unlock(&f->lock);
    return id;
}

int faults_delete(struct faults *f, uint64_t id)
{
    int rc = -1;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->n; i++) {
        if (id && f->rules[i].id != id)
            continue;
        memmove(&f->rules[i], &f->rules[i + 1],
                (f->n - i - 1) * sizeof *f->rules);
        f->n--;
        i--;
        rc = 0;
    }
    if (!id)
        rc = 0;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int matches(const struct fault_rule *r, uint64_t sdkappid,
                   const char *identifier, int type, int has_next,
                   uint64_t next)
{
    if (r->match_next == MATCH_NEXT_EQUAL && (!has_next || next != r->next))
        return 0;
    if (r->match_next == MATCH_NEXT_NONZERO && next == 0)
        return 0;
    return (!r->has_sdkappid || r->sdkappid == sdkappid) &&
           (!r->identifier[0] || strcmp(r->identifier, identifier) == 0) &&
           (r->type == FAULT_ANY_TYPE || r->type == type);
}

static double uniform01(uint64_t *rng)
{
    return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Called for a matching rule: does it fire on this request? */
static int fires(struct fault_rule *r, uint64_t now_ms)
{
    if (r->times && r->fired >= r->times)
        return 0;
    if (r->until_ms && now_ms >= r->until_ms)
        return 0;
    r->seen++;
    if (r->every_nth > 1 && r->seen % r->every_nth != 0)
        return 0;
    if (r->probability < 1.0 && uniform01(&r->rng) >= r->probability)
        return 0;
    r->fired++;
    return 1;
}

/* The delay this firing waits, drawn from the rule's own sequence. */
static uint32_t draw_delay(struct fault_rule *r)
{
    const struct fault_action *a = &r->action;
    double d = a->delay_ms;
    if (a->delay == DELAY_UNIFORM) {
        d = a->delay_min +
            uniform01(&r->delay_rng) * (double)(a->delay_max - a->delay_min);
    } else if (a->delay == DELAY_LOGNORMAL) {
        /* Box-Muller: a normal draw, then exp */
        double u1 = uniform01(&r->delay_rng), u2 = uniform01(&r->delay_rng);
        double z = sqrt(-2.0 * log(u1 > 0 ? u1 : 0x1.0p-53)) *
                   cos(2.0 * 3.14159265358979323846 * u2);
        d = a->median_ms * exp(a->sigma * z);
    }
    return d > 600000 ? 600000 : d < 0 ? 0 : (uint32_t)d;
}

int faults_pick(struct faults *f, uint64_t sdkappid, const char *identifier,
                int type, int has_next, uint64_t next, uint64_t now_ms,
                struct fault_action *out)
{
    int fired = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->n && !fired; i++) {
        struct fault_rule *r = &f->rules[i];
        if (matches(r, sdkappid, identifier, type, has_next, next) &&
            fires(r, now_ms)) {
            *out = r->action;
            out->delay_ms = draw_delay(r);
            fired = 1;
        }
    }
    pthread_mutex_unlock(&f->lock);
    return fired;
}

static int rule_json(struct buf *b, const struct fault_rule *r)
{
    const struct fault_action *a = &r->action;
    int rc =
        buf_printf(b, "{\"id\":%llu,\"match\":{", (unsigned long long)r->id);
    const char *sep = "";
    if (r->has_sdkappid) {
        rc |=
            buf_printf(b, "\"sdkappid\":%llu", (unsigned long long)r->sdkappid);
        sep = ",";
    }
    if (r->identifier[0]) {
        rc |= buf_printf(b, "%s\"identifier\":", sep);
        rc |= answer_json_string(b, r->identifier, strlen(r->identifier));
        sep = ",";
    }
    if (r->type != FAULT_ANY_TYPE) {
        rc |= buf_printf(b, "%s\"group_type\":\"%s\"", sep,
                         group_type_name(r->type));
        sep = ",";
    }
    if (r->match_next == MATCH_NEXT_EQUAL) {
        rc |=
            buf_printf(b, "%s\"next\":%llu", sep, (unsigned long long)r->next);
        sep = ",";
    }
    if (r->match_next == MATCH_NEXT_NONZERO) {
        rc |= buf_printf(b, "%s\"next_nonzero\":true", sep);
        sep = ",";
    }
    if (r->every_nth > 1) {
        rc |= buf_printf(b, "%s\"every_nth\":%llu", sep,
                         (unsigned long long)r->every_nth);
        sep = ",";
    }
    if (r->probability < 1.0)
        rc |= buf_printf(b, "%s\"probability\":%g,\"seed\":%llu", sep,
                         r->probability, (unsigned long long)r->seed);
    char what[128];
    fault_describe(a, what, sizeof what);
    rc |= buf_printf(b,
                     "},\"action\":\"%s\",\"times\":%llu,\"period_ms\":%llu,"
                     "\"seen\":%llu,\"fired\":%llu}",
                     what, (unsigned long long)r->times,
                     (unsigned long long)r->period_ms,
                     (unsigned long long)r->seen, (unsigned long long)r->fired);
    return rc ? -1 : 0;
}

int faults_json(struct faults *f, struct buf *b)
{
    int rc = buf_puts(b, "[");
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->n && rc == 0; i++)
        rc = (i && buf_puts(b, ",")) || rule_json(b, &f->rules[i]) ? -1 : 0;
    pthread_mutex_unlock(&f->lock);
    return rc || buf_puts(b, "]") ? -1 : 0;
}

void fault_describe(const struct fault_action *a, char *out, size_t n)
{
    static const char *const resets[] = {"", "reset before headers",
                                         "reset after headers"};
    char parts[8][48];
    int k = 0;
    if (a->delay == DELAY_UNIFORM)
        snprintf(parts[k++], 48, "delay %u-%u ms", a->delay_min, a->delay_max);
    else if (a->delay == DELAY_LOGNORMAL)
        snprintf(parts[k++], 48, "delay lognormal %.0f ms", a->median_ms);
    else if (a->delay_ms)
        snprintf(parts[k++], 48, "delay %u ms", a->delay_ms);
    if (a->error_code)
        snprintf(parts[k++], 48, "error %d", a->error_code);
    if (a->http_status)
        snprintf(parts[k++], 48, "http %d", a->http_status);
    if (a->close)
        snprintf(parts[k++], 48, "close");
    if (a->reset)
        snprintf(parts[k++], 48, "%s", resets[a->reset]);
    if (a->cut_body)
        snprintf(parts[k++], 48, "cut body");
    if (a->malformed_json)
        snprintf(parts[k++], 48, "malformed json");
    if (a->slow_bytes)
        snprintf(parts[k++], 48, "slow body %u B/%u ms", a->slow_bytes,
                 a->slow_ms);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < k && o < n; i++) {
        int w = snprintf(out + o, n - o, "%s%s", i ? ", " : "", parts[i]);
        o += w > 0 ? (size_t)w : 0;
    }
}
