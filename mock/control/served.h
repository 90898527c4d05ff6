/*
 * served: what the mock serves right now, the fixture and the journal.
 *
 * The fixture is swapped whole by a reset or a load, while requests in
 * flight finish on the one they started with (each holds a reference from
 * served_get until served_put).  A load empties the journal.  Every
 * function is thread-safe.
 */
#ifndef TIM_SERVED_H
#define TIM_SERVED_H

#include <stddef.h>
#include <stdint.h>

#include "fixture.h"

struct served;
struct journal;

/* served_new: loads path (NULL: the embedded default fixture) and makes a
 * journal of journal_size entries.  Returns NULL with the loader's message
 * in err. */
struct served *served_new(const char *path, size_t journal_size, char *err,
                          size_t errlen);

/* served_free: frees everything; NULL does nothing.  No request may be in
 * flight. */
void served_free(struct served *s);

/* served_get: a reference to the fixture being served (its store and
 * faults); give it back with served_put.  Never NULL. */
struct fixture *served_get(struct served *s);
void served_put(struct served *s, struct fixture *fx);

/* served_load: serves the fixture file path (NULL: the one loaded first,
 * read again) and empties the journal.  Returns 0, or -1 with the loader's
 * message in err; on failure the fixture being served stays. */
int served_load(struct served *s, const char *path, char *err, size_t errlen);

/* served_journal: the request journal. */
struct journal *served_journal(struct served *s);

#endif
