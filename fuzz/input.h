/*
 * input: cutting a fuzzer's bytes into the parts of a request.
 *
 * libFuzzer hands a target one block of bytes, not NUL-terminated.  The
 * request targets read it as a first line (a query, or a request line) and
 * a body; these helpers copy each part into its own allocation of exactly
 * its size, so that AddressSanitizer sees any read past its end.
 */
#ifndef TIM_FUZZ_INPUT_H
#define TIM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* A part of the input: n bytes at p, in an allocation of exactly n bytes
 * (one more, a NUL, when copied with input_text). */
struct input_part {
    char *p;
    size_t n;
};

/* input_line: splits the n bytes at data at the first '\n': the line
 * (without it) and the rest.  Without a '\n', the whole is the line and the
 * rest is empty. */
void input_line(const uint8_t *data, size_t n, const uint8_t **line,
                size_t *line_n, const uint8_t **rest, size_t *rest_n);

/* input_text: a NUL-terminated copy of n bytes (a NUL inside ends the text
 * early, as it would for the web server's strings); aborts when memory runs
 * out.  Free with input_free. */
struct input_part input_text(const uint8_t *data, size_t n);

/* input_bytes: a copy of exactly n bytes, with no terminator (NULL p for
 * n == 0 is avoided: a 1-byte allocation then).  Free with input_free. */
struct input_part input_bytes(const uint8_t *data, size_t n);

/* input_free: frees a part; a zeroed part does nothing. */
void input_free(struct input_part *part);

/* The most groups a "generate" object may ask for in a fuzzed input.  A
 * fixture or an admin call may ask for hundreds of millions of groups,
 * which is slow, not wrong, and would only stop the fuzzer on its memory
 * limit; the targets skip such inputs. */
#define INPUT_GROUPS_MAX 100000.0

/* input_generated: the groups a "generate" object (the form of
 * fixtures/README.md, may be NULL) asks for: the sum of its positive
 * "counts". */
double input_generated(const cJSON *generate);

#endif
