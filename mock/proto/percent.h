/*
 * percent: the one percent-decoder of URL query strings.
 *
 * The request's parameters (request.c) and the redaction of logged queries
 * (redact.c) decode names and values the same way, so the journal can never
 * see a parameter under another name than the API did.
 */
#ifndef TIM_PERCENT_H
#define TIM_PERCENT_H

#include <stddef.h>

/* percent_decode: decodes s[0..n) into out (room for n + 1 bytes; written
 * NUL-terminated) and returns the decoded length.  "%XY" with two hex
 * digits becomes that byte and '+' a space.  A '%' not followed by two hex
 * digits stays as it is, and so does "%00": a decoded value never holds a
 * NUL, so "1400000000%00x" is not the number 1400000000 and "admin%00x" is
 * not the identifier admin.  Thread-safe; no allocation. */
size_t percent_decode(const char *s, size_t n, char *out);

#endif
