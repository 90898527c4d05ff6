/*
 * jsonint: exact integers and raw member values in JSON text.
 *
 * cJSON keeps numbers as doubles, exact only up to 2^53, and accepts forms
 * that are not JSON integers (20.0, 1e3, +1).  The request's Limit and Next
 * must be read exactly over the whole unsigned 64-bit range, so the mock
 * reads their raw text here.  The client reads whole pages here too, with
 * no tree of nodes: a strict validator, member and element spans, and
 * string unescaping.  Nothing in this module allocates.
 */
#ifndef TIM_JSONINT_H
#define TIM_JSONINT_H

#include <stddef.h>
#include <stdint.h>

/* jsonint_hexval: the value of the hex digit c (0-9, a-f, A-F), or -1.
 * Shared with the query string's percent-decoding. */
int jsonint_hexval(char c);

/* jsonint_parse_u64: reads text that is exactly one JSON integer without a
 * sign: "0", or a digit 1-9 followed by digits, at most 2^64-1.  Returns 0
 * and stores the value, or -1 (fraction, exponent, sign, leading zero, other
 * characters, overflow) leaving *out untouched. */
int jsonint_parse_u64(const char *s, size_t n, uint64_t *out);

/* jsonint_member: in text that is a valid JSON object (checked beforehand,
 * e.g. by cJSON), finds the first top-level member whose name, after JSON
 * unescaping, equals key, and returns its value's raw text in *val / *vlen
 * (no surrounding whitespace).  Returns 1 if found, 0 if not. */
int jsonint_member(const char *json, size_t n, const char *key,
                   const char **val, size_t *vlen);

/* jsonint_object: 1 when the text (valid JSON) is an object, else 0. */
int jsonint_object(const char *json, size_t n);

/* jsonint_member_next: walks the top-level members of the JSON object json
 * (n bytes, valid JSON, checked beforehand with jsonint_valid).  Start with
 * *pos = 0; each call stores the next member's raw name (the string token,
 * quotes included) in *name / *namelen and its raw value (no surrounding
 * whitespace) in *val / *vlen and returns 1, or returns 0 at the end.
 * Members come in the text's order, duplicates included. */
int jsonint_member_next(const char *json, size_t n, size_t *pos,
                        const char **name, size_t *namelen, const char **val,
                        size_t *vlen);

/* jsonint_members: jsonint_member for n_keys keys in one pass over the
 * text: vals[k] / vlens[k] receive key k's raw value (vals[k] is NULL when
 * the key is absent).  Returns how many keys were found. */
int jsonint_members(const char *json, size_t n, const char *const *keys,
                    size_t n_keys, const char **vals, size_t *vlens);

/* The deepest nesting of arrays and objects accepted in any JSON text that
 * a client or a file gives the mock: the API's body needs 1, a fixture 5.
 * Deeper texts are refused before any recursive parser (cJSON, the
 * validator below) sees them, so no text can exhaust a thread's stack. */
#define JSON_DEPTH_MAX 32

/* jsonint_depth_ok: 1 when no array or object in the n bytes nests deeper
 * than max, else 0.  Brackets inside strings do not count; the text need not
 * be valid JSON.  One pass, no recursion, no allocation. */
int jsonint_depth_ok(const char *json, size_t n, int max);

/* jsonint_valid: 1 when the n bytes are exactly one JSON value (RFC 8259,
 * surrounding white space allowed, nesting at most 128 deep), else 0.
 * Stricter than RFC 8259 on one point: a \u escape of a UTF-16 surrogate
 * only as a high one followed by a low one (cJSON refuses the rest too), so
 * every string of a valid text unescapes to UTF-8.  \u0000 is valid: a
 * string may unescape to bytes that hold a NUL (cJSON cuts its copy there,
 * reading a member "Limit\u0000" as "Limit"). */
int jsonint_valid(const char *json, size_t n);

/* jsonint_skip_ws: the index of the first byte at or after i that is not
 * JSON white space (space, tab, CR, LF); n when there is none. */
size_t jsonint_skip_ws(const char *s, size_t n, size_t i);

/* jsonint_scalar: the scalar token (string, number, true, false, null) at
 * s[i], as jsonint_valid reads it: the index just past it, or 0 when there
 * is none.  *escaped (may be NULL) says whether a string holds an escape.
 * The one lexer of the JSON grammar: the client's one-pass page reader
 * uses it too, so the two cannot differ on a token. */
size_t jsonint_scalar(const char *s, size_t n, size_t i, int *escaped);

/* jsonint_element: walks the elements of the JSON array whose raw text is
 * arr (n bytes, valid JSON).  Start with *pos = 0; each call stores the
 * next element's raw text in *el / *ellen and returns 1, or returns 0 at
 * the end. */
int jsonint_element(const char *arr, size_t n, size_t *pos, const char **el,
                    size_t *ellen);

/* jsonint_string: unescapes the raw text of a JSON string token (quotes
 * included, valid JSON) into out (size outsize, NUL-terminated; \u escapes
 * become UTF-8).  Returns the length, or -1 when raw is not a string or out
 * is too small.  The result may hold NUL bytes (from \u0000). */
long jsonint_string(const char *raw, size_t n, char *out, size_t outsize);

#endif
