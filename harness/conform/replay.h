/*
 * replay: a transcript's recorded requests sent again to the mock, and the
 * mock's answers held to the recorded ones field by field.
 *
 * The fields: the HTTP status, Content-Type, the envelope's keys and their
 * order, ErrorCode, the ErrorInfo text, TotalCount, the page's length, and
 * the presence of Next.  What the mock cannot know (group IDs, cursor
 * values) is compared by shape: an ID's "@TGS#" prefix, a Next's being an
 * integer and zero or not.  Each difference names the SPEC rule behind the
 * field and the fixture setting that would remove it; the parity table
 * lists them.  The recorded SDKAppID and identifiers become the fixture
 * app's, and a redacted UserSig is made again from the fixture's key as the
 * case described it.
 */
#ifndef TIM_REPLAY_H
#define TIM_REPLAY_H

#include <stdio.h>

#include "cases.h"
#include "report.h"
#include "target.h"

/* One field on which the mock's answer differs from the recorded one. */
struct replay_diff {
    char case_id[128];
    char field[32];
    char recorded[160], mock[160];
    const char *rule;    /* the SPEC rule of the field */
    const char *setting; /* the fixture setting that removes it */
};

struct replay_diffs {
    struct replay_diff *v;
    size_t n, cap;
};

/* replay_exchange: sends the exchange of c (a case from transcript_load;
 * meta: the transcript's top level) to e and compares.  Returns 0 when the
 * answers agree, 1 when they differ or the request failed, with the reason
 * in why (size n); appends each difference to d when d is not NULL. */
int replay_exchange(const struct tcase_data *c, const cJSON *meta,
                    const struct endpoint *e, struct replay_diffs *d, char *why,
                    size_t n);

/* How a transcript compares with one shipped profile (mock/engine/
 * profile.h): its exchanges replayed on the fixture's groups with the
 * profile in place of the fixture's own habits. */
struct replay_profile {
    const char *name;
    int ran;            /* 0: it could not be replayed, see why */
    size_t differences; /* in the fields a profile decides */
    size_t data;        /* in the fields the groups decide */
    char why[256];
};

/* replay_profile_fixture: writes to out the fixture file in, with the
 * settings a profile decides taken out of its service and every app
 * ("profile", "envelope", "error_texts", the service's flags, "quirks",
 * "strict") and "profile": name put in their place; groups, credentials,
 * regions, limits, cursors and faults stay.  Returns 0, or -1 with the
 * reason in err. */
int replay_profile_fixture(const char *in, const char *name, const char *out,
                           char *err, size_t n);

/* replay_profile_add: counts the differences of d into p: those of
 * TotalCount, page length and GroupId shape (which the fixture's groups
 * decide, whatever the profile) as data, the others as differences. */
void replay_profile_add(struct replay_profile *p, const struct replay_diffs *d);

/* replay_closest: the profile that ran with the fewest differences, then
 * the fewest data differences, then the first; NULL when none ran. */
const struct replay_profile *replay_closest(const struct replay_profile *p,
                                            size_t n);

/* replay_profiles_print: the profiles' table and the closest one, as
 * text lines (markdown 0) or a Markdown section (markdown 1).  Returns 0,
 * or -1 on a write error. */
int replay_profiles_print(FILE *f, const struct replay_profile *p, size_t n,
                          int markdown);

/* replay_parity: the parity table of a replay: every difference with its
 * SPEC rule and fixture setting, the exchanges that agreed or could not
 * be compared, then the profiles (p, np; none when np is 0).  Returns 0,
 * or -1 on a write error. */
int replay_parity(FILE *f, const struct replay_diffs *d, const struct result *r,
                  size_t n, const char *file, const char *target,
                  const struct replay_profile *p, size_t np);

/* replay_diffs_release: frees d's array and empties it. */
void replay_diffs_release(struct replay_diffs *d);

#endif
