/*
 * snapshot: timgroups --snapshot, an app's groups pulled and written as a
 * fixture that makes the mock answer the same pulls the same way.
 *
 * A page names no group's type, so the app is pulled once with no GroupType
 * (the order of all groups) and once per type (each group's type); every
 * pull keeps the Next the service gave at each page's end as the cursor key
 * of the page's last group, and the groups between take the keys after it
 * one by one (fixtures/README.md, "Snapshots").  The mock, run on the
 * fixture, then cuts the same pages with the same Limit and answers the
 * same Next values.  Cursors that do not fit one increasing order over all
 * groups (a service whose types keep orders of their own) cannot all be
 * kept: each one dropped is named on stderr, the order of all groups wins,
 * and the type's pull is then reproduced in its IDs and pages but not in
 * those Next values.
 *
 * The fixture holds no key and no UserSig: it is written with
 * check_usersig false.  The file appears whole or not at all: it is
 * written under a temporary name beside it and renamed at the end.
 */
#ifndef TIM_SNAPSHOT_H
#define TIM_SNAPSHOT_H

#include <stdint.h>

#include "timclient.h"

struct snapshot_options {
    const char *path;       /* the fixture to write */
    const char *region;     /* written as the app's region, or NULL */
    const char *target;     /* the URL or region pulled, for the comment */
    uint64_t sdkappid;      /* the app pulled */
    const char *identifier; /* the admin pulling, written as the admin */
    unsigned limit;         /* Limit of every page */
    uint64_t rate;          /* calls a second at most; 0: no bound */
    int anonymize;          /* stand-ins for IDs, SDKAppID, identifier */
    int bar;                /* 1: a progress bar (a terminal); 0: lines */
};

/* snapshot_take: pulls the app through c and writes the fixture.  Returns
 * an exit code of cli.h (CLI_OK when written), having said on stderr what
 * failed, what was dropped and how far it got; on failure no file is
 * left. */
int snapshot_take(tim_client *c, const struct snapshot_options *o);

#endif
