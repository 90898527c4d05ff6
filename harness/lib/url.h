/*
 * url: the URL of a REST call, and its redacted form for logs.
 *
 * https://DOMAIN/v4/SERVICE/COMMAND?sdkappid=&identifier=&usersig=&random=
 * &contenttype=json, with each value percent-encoded (RFC 3986 unreserved
 * characters stay as they are).  Pure string work, no allocation.
 */
#ifndef TIM_URL_H
#define TIM_URL_H

#include <stddef.h>
#include <stdint.h>

/* url_escape: percent-encodes s into out (size n, NUL-terminated).
 * Returns the length, or -1 when out is too small. */
int url_escape(const char *s, char *out, size_t n);

/* url_build: the call's URL into out (size n); base is "https://host" or
 * "http://host:port" (a trailing '/' is dropped).  Returns the length, or -1
 * when out is too small. */
int url_build(char *out, size_t n, const char *base, const char *service,
              const char *command, uint64_t sdkappid, const char *identifier,
              const char *usersig, uint32_t random);

/* url_redact: copies url into out (size n) with every secret of its query
 * replaced by "REDACTED" (redact.h: usersig under any case or encoding of
 * the name, and any value that is a UserSig); never fails (cuts the copy
 * short if needed). */
void url_redact(const char *url, char *out, size_t n);

#endif
