/*
 * jsonint: exact integers and raw member values in JSON text.
 *
 * cJSON keeps numbers as doubles, exact only up to 2^53, and accepts forms
 * that are not JSON integers (20.0, 1e3, +1).  The request's Limit and Next
 * must be read exactly over the whole unsigned 64-bit range, so the mock
 * reads their raw text here.  Nothing in this module allocates.
 */
#ifndef TIM_JSONINT_H
#define TIM_JSONINT_H

#include <stddef.h>
#include <stdint.h>

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

#endif
