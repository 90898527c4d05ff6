/*
 * cases: the conformance cases, read from the data files of cases/.
 *
 * One JSON file is one case (cases/README.md gives the format): a request
 * and what must hold of its answer, a property of a whole pull, or (for
 * --client-cmd) expectations over what a user's client sent.
 * Loading checks each file and refuses it with the file, the JSON path and
 * the problem.  The loaded cases are read-only.
 */
#ifndef TIM_CASES_H
#define TIM_CASES_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The largest body a case may pad its request to (request.body_size). */
#define CASE_BODY_SIZE_MAX (16 << 20)

enum case_where { WHERE_ANYWHERE, WHERE_MOCK, WHERE_REGION, WHERE_CLIENT };

struct tcase_data {
    char *file;
    char *id;
    char *title;
    char label;   /* 'D', 'O' or 'I' */
    char *rule;   /* the rule it tests, e.g. "SPEC 2: Limit is at most 10000" */
    char *source; /* the evidence behind it, e.g. "S10" or "S2, S3"; or NULL */
    enum case_where where;
    char *fixture;       /* the shipped fixture it needs on the mock */
    int app;             /* the fixture's app to use (index) */
    char *property;      /* NULL: a request case */
    const cJSON *verify; /* a client case: expectations over the journal */
    cJSON *doc;          /* the whole case document */
};

struct case_list {
    struct tcase_data *v;
    size_t n;
};

/* cases_load_dir: loads every *.json of dir, sorted by file name.  Returns
 * 0, or -1 with "file: $.path: problem" in err.  Release with
 * cases_release, also after a failure. */
int cases_load_dir(const char *dir, struct case_list *out, char *err,
                   size_t errlen);

/* cases_read_file: the whole text of the regular file path (malloc'd,
 * NUL-terminated, its length in *len), at most max bytes; NULL with the
 * reason in err, what naming the kind of file ("a fixture file").  A FIFO
 * or a device is refused at once. */
char *cases_read_file(const char *path, size_t max, const char *what,
                      size_t *len, char *err, size_t errlen);

/* cases_release: frees what cases_load_dir made. */
void cases_release(struct case_list *l);

/* The properties a case can name, NULL-terminated. */
extern const char *const case_properties[];

/* case_where_name: "anywhere", "mock", "region", "client". */
const char *case_where_name(enum case_where w);

#endif
