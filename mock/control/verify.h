/*
 * verify: expectations over a client's journal, pass or fail with reasons.
 *
 * A test that drives a client against the mock states what the client must
 * have done (pulled every group once, followed the Next values, stopped at
 * Next 0, retried an error after a wait, stayed within the rate limit, sent
 * the documented form) as a JSON array of expectations, and verify_run
 * checks them against the client's journal entries (journal.h) and the
 * app's current groups.  Each expectation passes or fails with reasons a
 * person can act on ("request #7 sent Next 123, the previous answer gave
 * 456").  Pure: no state, no locks, no sockets; thread-safe.
 *
 * The expectations (each an object with exactly one key):
 *   {"pulled_all": {}}, {"pulled_all": {"type": "Public"}}
 *       the successful pages of that type (no GroupType: all types) served
 *       every group of that type exactly once: their key ranges do not
 *       overlap, and the groups in them number both the pages' counts and
 *       the type's total.  Fails when no request of that type succeeded.
 *   {"followed_next": true}
 *       within the requests of one type, each non-zero Next is the Next of
 *       the previous successful answer of that type; an error answer may be
 *       asked again with the same Next; Next 0 (or none) starts a new pull.
 *   {"stopped_at_zero": true}
 *       for each type pulled, the last successful answer carried Next 0, and
 *       no request went on with a non-zero Next after an answer with Next 0.
 *       Fails when no request succeeded.
 *   {"retried_after": {"error_code": 10002, "min_wait_ms": 100}}
 *       after each answer with that ErrorCode (-1: no envelope), the
 *       client's next request asked for the same Next and type, at least
 *       min_wait_ms (default 0) later on the monotonic clock.  Fails when no
 *       answer had that ErrorCode: the case then tested nothing.
 *   {"within_rate_limit": true}
 *       no answer was the rate-limit error 60007.
 *   {"no_deviation": true}, {"no_deviation": ["no_random", ...]}
 *       no entry has a deviation (only the named ones count).
 */
#ifndef TIM_VERIFY_H
#define TIM_VERIFY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "groupset.h"
#include "journal.h"

/* What one call may ask for and get: the work is at most VERIFY_EXPECT_MAX
 * passes over the journal entries, and the answer at most about
 * VERIFY_EXPECT_MAX * VERIFY_REASONS_MAX * 200 bytes (256 KB), well under
 * VERIFY_ANSWER_MAX, the cap of the buffer it is written into. */
#define VERIFY_EXPECT_MAX  64         /* expectations in one call */
#define VERIFY_REASONS_MAX 20         /* reasons listed per expectation */
#define VERIFY_ANSWER_MAX  (1u << 20) /* bytes of one answer */

/*
 * verify_run: checks the expectations (a cJSON array, see above) against
 * the journal entries e[0..n) of one client (one sdkappid and, if wanted,
 * one identifier, oldest first), with gs the app's current groups (NULL:
 * none).  Appends to out {"pass": true|false, "results": [{"expect": NAME,
 * "pass": bool, "reasons": ["...", ...]}, ...]}, with at most
 * VERIFY_REASONS_MAX reasons each (the last then says how many more there
 * were).  Returns 1 when every expectation passed, 0 when one failed, -1
 * when the expectations are malformed or more than VERIFY_EXPECT_MAX
 * (out then gets {"error": "..."}
 * naming the JSON path and the problem, e.g. "$[2]: unknown expectation
 * \"pulled\""), -2 when memory or out's cap runs out (out may then hold
 * part of the answer).  Thread-safe.
 */
int verify_run(const cJSON *expectations, const struct journal_entry *e,
               size_t n, const struct groupset *gs, struct buf *out);

#endif
