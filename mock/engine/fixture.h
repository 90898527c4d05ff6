/*
 * fixture: loads a data set (JSON, see fixtures/README.md) into a store and
 * a fault list.
 *
 * Loading checks everything and refuses the whole fixture on the first
 * problem, with a message that names the file, the JSON path and the
 * problem: unknown keys, wrong types, values out of range, unknown group
 * types and regions, group IDs that SPEC section 3 forbids, duplicate IDs.
 * The default fixture is compiled into the program (fixture_default_json).
 */
#ifndef TIM_FIXTURE_H
#define TIM_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "faults.h"
#include "store.h"

struct fixture {
    struct store *store;
    struct faults faults;
    int64_t clock; /* the fixture's fixed clock; 0 when it has none */
};

/* The embedded default fixture: the text of fixtures/default.json. */
extern const char fixture_default_json[];
extern const size_t fixture_default_json_len;

/* The largest fixture file fixture_load_file reads: 256 MiB.  Generated
 * groups cost a few hundred bytes of text for any number of groups
 * (fixtures/large.json: 10 million in 562 bytes); listed ones about 50
 * bytes each, so a file lists up to some 5 million groups. */
#define FIXTURE_FILE_MAX (256u << 20)

/* fixture_load_text: loads n bytes of JSON; name is how messages call it.
 * The text is read by jsonget_parse: nesting deeper than JSON_DEPTH_MAX, a
 * NUL byte or a \u0000 in a string is refused before cJSON builds a tree.
 * Returns 0 and fills *fx, or -1 and writes "name: $.path: problem" into
 * err (size errlen), leaving *fx unusable (no need to release it). */
int fixture_load_text(const char *json, size_t n, const char *name,
                      struct fixture *fx, char *err, size_t errlen);

/* fixture_load_file: fixture_load_text on the contents of a file.  Only a
 * regular file of at most FIXTURE_FILE_MAX bytes is read: a FIFO, a device
 * (/dev/zero) or a directory is refused without reading from it and
 * without blocking, and a larger file before any of it is read.  A file
 * that cannot be opened or read is reported the same way as bad JSON. */
int fixture_load_file(const char *path, struct fixture *fx, char *err,
                      size_t errlen);

/* fixture_parse_fault: reads one fault rule (the form of the fixture's
 * "faults" entries) into *out.  Returns 0, or -1 with "name: $.path:
 * problem" in err.  The rule is not added anywhere. */
int fixture_parse_fault(const cJSON *rule, const char *name,
                        struct fault_rule *out, char *err, size_t errlen);

/* fixture_parse_generate: reads a "generate" object (groups from a seed)
 * into *out.  Returns 0, or -1 with "name: $.path: problem" in err. */
struct groupgen;
int fixture_parse_generate(const cJSON *o, const char *name,
                           struct groupgen *out, char *err, size_t errlen);

/* fixture_release: frees what a successful load made. */
void fixture_release(struct fixture *fx);

#endif
