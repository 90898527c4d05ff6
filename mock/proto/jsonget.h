/*
 * jsonget: JSON from outside the program, read into cJSON safely.
 *
 * Everything a client, a file or a server gives the mock or the harness as
 * JSON goes through jsonget_parse before cJSON builds a tree of it, and
 * every number in such a tree that becomes an integer goes through
 * jsonget_i64 or jsonget_u64.  So the rules live in one place:
 *
 *   - nesting deeper than JSON_DEPTH_MAX (jsonint.h) is refused before
 *     cJSON's recursive parser sees the text: no text can exhaust a
 *     thread's stack;
 *   - a NUL byte, or a string holding \u0000, is refused: cJSON's strings
 *     end at the first NUL, so "a\u0000b" would silently read as "a";
 *   - anything but white space after the value is refused;
 *   - a number becomes an integer only when it is one, within the range the
 *     caller gives: never NaN, an infinity, a fraction or a value out of
 *     range, so no conversion from double is ever undefined.
 *
 * cJSON holds numbers as doubles: integers are exact only up to 2^53, so the
 * ranges given here must lie within -2^53 .. 2^53 (a 64-bit cursor is read
 * from the raw text with jsonint instead).  Pure: no global state; every
 * function is thread-safe.
 */
#ifndef TIM_JSONGET_H
#define TIM_JSONGET_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* The largest magnitude a range given to jsonget_i64 / jsonget_u64 may
 * have: 2^53, the last integer a double holds exactly. */
#define JSONGET_INT_MAX 9007199254740992LL

/* jsonget_parse: parses the n bytes of text as one JSON value under the
 * rules above.  Returns the tree (the caller frees it with cJSON_Delete),
 * or NULL with a reason in why (size whylen, never NULL): "nested deeper
 * than 32 levels", "not valid JSON (near byte N)", "a NUL byte at byte N",
 * "a string holds \u0000 (NUL) at byte N".  Thread-safe. */
cJSON *jsonget_parse(const char *text, size_t n, char *why, size_t whylen);

/* jsonget_i64: when v is a number holding an integer from min to max
 * (|min|, |max| <= JSONGET_INT_MAX), stores it in *out and returns 0; else
 * (NULL, not a number, NaN, infinite, a fraction, out of range) returns -1
 * and leaves *out untouched.  Thread-safe. */
int jsonget_i64(const cJSON *v, int64_t min, int64_t max, int64_t *out);

/* jsonget_u64: jsonget_i64 for unsigned ranges (max <= JSONGET_INT_MAX). */
int jsonget_u64(const cJSON *v, uint64_t min, uint64_t max, uint64_t *out);

#endif
