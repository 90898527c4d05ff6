/*
 * redact: query strings with their secrets taken out, for logs and the
 * journal.
 *
 * The mock's journal and the client's log both show the query of a REST
 * call; neither may keep a UserSig.  A value is a secret when its
 * parameter's name, percent-decoded and case-folded, is "usersig" (so
 * "UserSig=", "%75sersig=" and "USERSIG=" count, though the real service
 * matches the name exactly), or when the value itself, percent-decoded, is
 * a UserSig document (usersig_holds_sig), whatever the name, or a
 * parameter with no '=' at all.  The value is replaced by REDACTED and the
 * name kept as sent; an empty value stays empty.  The copy is cut to fit only
 * after redaction, so no part of a secret is ever kept.  No allocation beyond
 * usersig's temporary one; thread-safe.
 */
#ifndef TIM_REDACT_H
#define TIM_REDACT_H

#include <stddef.h>

/* The text that replaces a secret value. */
#define REDACT_TEXT "REDACTED"

/* redact_query: appends the query string q[0..n) (parameters separated by
 * '&', no leading '?') to out, a buffer of size bytes of which *len are
 * used, with every secret value replaced by REDACT_TEXT.  Keeps out
 * NUL-terminated and cut to fit; size 0 writes nothing. */
void redact_query(const char *q, size_t n, char *out, size_t size, size_t *len);

#endif
