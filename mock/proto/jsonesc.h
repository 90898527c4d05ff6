/*
 * jsonesc: the one JSON string escaper.
 *
 * Every JSON string the mock writes goes through here: an answer's
 * ErrorInfo and RequestId, the group IDs rendered into a snapshot's items
 * (groupset.h), the journal's and the admin API's texts.  '"', '\\' and
 * control bytes are escaped; every other byte is copied as it is, or, in
 * text mode (for a client's bytes, which may not be UTF-8), each byte that
 * does not start a valid UTF-8 sequence becomes U+FFFD so that the result
 * is always valid JSON text.
 */
#ifndef TIM_JSONESC_H
#define TIM_JSONESC_H

#include <stddef.h>

/* jsonesc: writes the escaped form of the n bytes at s (no quotes) to out,
 * which must hold JSONESC_MAX(n) bytes, and returns its length; with out
 * NULL, only returns the length.  text: the text mode above. */
size_t jsonesc(char *out, const char *s, size_t n, int text);

/* The longest escaped form of n bytes: every byte as \u00XX. */
#define JSONESC_MAX(n) ((n)*6)

#endif
