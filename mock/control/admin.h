/*
 * admin: the control plane under /__admin/, JSON in and out.
 *
 *   GET    /__admin/apps                   apps and their group counts
 *   POST   /__admin/reset                  the loaded fixture, afresh
 *   POST   /__admin/fixture                {"path": FILE}: serve another
 *   POST   /__admin/apps/SDKAPPID/groups   {"create", "generate", "delete"}
 *   GET    /__admin/faults                 the fault rules and counters
 *   POST   /__admin/faults                 a rule (the fixture's form)
 *   DELETE /__admin/faults[/ID]            one rule, or all
 *   GET    /__admin/journal                ?sdkappid=&identifier=&since_ms=
 *                                          &until_ms=
 *   DELETE /__admin/journal                empties it
 *   POST   /__admin/verify                 expectations over the journal
 *
 * Errors answer an HTTP 4xx or 5xx with {"error": "..."}.  It never writes
 * a file.  The caller (control) has already checked who may call.
 *
 * What one call may ask for is bounded: a body is read by jsonget_parse
 * (nesting at most JSON_DEPTH_MAX, no NUL), numbers by jsonget's checked
 * reader, a fixture file by fixture_load_file's rules (regular, at most
 * FIXTURE_FILE_MAX), a verify call by VERIFY_EXPECT_MAX and its answer by
 * VERIFY_ANSWER_MAX, and a change generates at most ADMIN_GENERATE_MAX
 * groups.  Each refusal is a 400 that says why.
 */
#ifndef TIM_ADMIN_H
#define TIM_ADMIN_H

#include "api.h"

/* The most groups one POST /__admin/apps/ID/groups may generate: as many
 * as fixtures/large.json holds. */
#define ADMIN_GENERATE_MAX 10000000u

struct served;

/* admin_handle: answers one admin request (its path starts /__admin) on
 * what s serves, into ans.  Thread-safe. */
void admin_handle(struct served *s, const struct api_request *req,
                  struct api_answer *ans);

#endif
