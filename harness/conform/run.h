/*
 * run: plays one case against an endpoint and says whether it held.
 *
 * A request case is sent raw (exactly the method, query, body and Host it
 * names, with the UserSig it describes made from the key) and its answer is
 * held to the case's expectations.  A property case pulls the app page after
 * page through the client library, as a client would, and checks the
 * property over everything it saw.  Everything goes through the client
 * library's public header.
 */
#ifndef TIM_RUN_H
#define TIM_RUN_H

#include <stddef.h>

#include "cases.h"
#include "target.h"
#include "timclient.h"
#include "transcript.h"

/* run_case: 0 when the case held, 1 when it did not, with the reason in
 * why (size n). */
int run_case(const struct tcase_data *c, const struct endpoint *e, char *why,
             size_t n);

/* run_needs_nonadmin: 1 when the case names $NONADMIN. */
int run_needs_nonadmin(const struct tcase_data *c);

/* run_set_transcript: from now on, every request case's last exchange is
 * kept in t (NULL: none).  The cases must then run in this process (Check
 * without fork), for t to see them. */
void run_set_transcript(transcript *t);

/* run_make_sig: the UserSig a case's usersig description (a request's
 * "usersig", NULL for the default) makes with the credentials c: 0 with
 * *out malloc'd (NULL when the description sends none), or 1 with the
 * reason in why (size n). */
int run_make_sig(const cJSON *spec, const struct creds *c, char **out,
                 char *why, size_t n);

/* run_raw_target: where the client library's raw requests to e go. */
void run_raw_target(const struct endpoint *e, struct tim_raw_target *t);

#endif
