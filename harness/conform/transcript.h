/*
 * transcript: the exchanges of a run, kept as a file, and read back.
 *
 * --record keeps, for every request case that ran, the request exactly as
 * sent (method, path, query, Host, Content-Type, body) and the answer
 * exactly as received (HTTP status, the headers that matter, the body byte
 * for byte as a JSON string), with the target, the time, timconform's
 * version and the case's label and rule.  The query's usersig is replaced
 * by the one redaction (redact.h); what the UserSig was made of is kept as
 * the case's description of it ("$KEY", never a key), so replay can make
 * one again.  --anonymize replaces the SDKAppID, the identifiers and the
 * group IDs by stand-ins of the same shape and length: within a transcript
 * the same real value always becomes the same stand-in (a random salt per
 * run, so stand-ins link nothing across transcripts), and since lengths
 * are kept, Content-Length still holds.  A transcript file is at most
 * TRANSCRIPT_FILE_MAX bytes; cases/README.md gives the format.
 */
#ifndef TIM_TRANSCRIPT_H
#define TIM_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "cases.h"
#include "timclient.h"

/* The format's version, the "transcript" member of the file. */
#define TRANSCRIPT_FORMAT 1

/* The largest transcript file written or read. */
#define TRANSCRIPT_FILE_MAX (64u << 20)

/* Opaque: the exchanges recorded so far. */
typedef struct transcript transcript;

/* Who the recorded calls came from: replay puts its own values where these
 * were. */
struct transcript_who {
    uint64_t sdkappid;
    const char *admin;
    const char *nonadmin; /* "" when unknown */
};

/* transcript_new: an empty transcript of calls to target (a base URL),
 * region (NULL when none), by who; anonymize: replace IDs as above.
 * Returns NULL when out of memory.  Free with transcript_free. */
transcript *transcript_new(const char *target, const char *region,
                           const struct transcript_who *who, int anonymize);

/* transcript_free: frees t; NULL does nothing. */
void transcript_free(transcript *t);

/* transcript_add: keeps one exchange of case c: the request rq (its query
 * parameters as sent, usersig among them), usersig_spec (the case's
 * description of its UserSig, or NULL) and the answer a.  A failure (out
 * of memory, a body holding a NUL byte, the size cap) is kept and reported
 * by transcript_write.  Not thread-safe. */
void transcript_add(transcript *t, const struct tcase_data *c,
                    const struct tim_raw_request *rq, const cJSON *usersig_spec,
                    const struct tim_raw_answer *a);

/* transcript_write: writes t to path.  Returns 0, or -1 with the reason in
 * err (size n). */
int transcript_write(const transcript *t, const char *path, char *err,
                     size_t n);

/* transcript_load: reads the transcript file path (at most
 * TRANSCRIPT_FILE_MAX bytes) into one case per exchange: id, title, label
 * and rule are the recorded case's, file is path and doc the exchange
 * object.  *meta receives the whole document's top level without its
 * exchanges (cJSON, the caller frees it).  Returns 0, or -1 with
 * "path: $.path: problem" in err; release out with cases_release, also
 * after a failure. */
int transcript_load(const char *path, struct case_list *out, cJSON **meta,
                    char *err, size_t n);

#endif
