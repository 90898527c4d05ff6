/*
 * usersig: make and check UserSigs (TLSSigAPIv2, SPEC section 5).
 *
 * A UserSig is a JSON document (TLS.ver "2.0", TLS.identifier,
 * TLS.sdkappid, TLS.expire, TLS.time, TLS.sig and an optional TLS.userbuf),
 * zlib-compressed, base64-encoded, with '+' '/' '=' mapped to '*' '-' '_'.
 * TLS.sig is base64(HMAC-SHA256(secret key text, content)) over a fixed
 * content text built from the other fields.
 *
 * This module is pure: no sockets, no printing, no global mutable state.
 * Every function is thread-safe.  Decoding is strict and bounded: the input
 * text is capped (USERSIG_MAX_LEN), the inflated document is capped
 * (USERSIG_MAX_JSON, so a decompression bomb costs nothing), and a document
 * that is not exactly well-formed version 2.0 is refused.  Signatures are
 * compared as raw HMAC bytes in constant time, never as strings: two correct
 * libraries give different UserSig strings for the same inputs.
 */
#ifndef TIM_USERSIG_H
#define TIM_USERSIG_H

#include <stddef.h>
#include <stdint.h>

/* Longest UserSig text accepted by usersig_decode, in bytes. */
#define USERSIG_MAX_LEN 8192
/* Largest inflated JSON document accepted by usersig_decode, in bytes. */
#define USERSIG_MAX_JSON 65536

/* The decoded fields of a UserSig document. */
struct usersig_doc {
    char identifier[256]; /* TLS.identifier (NUL-terminated); longer =>
                             decode error */
    uint64_t sdkappid;    /* TLS.sdkappid, 0..2^53 */
    int64_t time;         /* TLS.time, unix seconds, -2^53..2^53 */
    int64_t expire;       /* TLS.expire, seconds relative to time, 0..2^53 */
    char sig[64];         /* TLS.sig, base64 text as found */
    int has_userbuf;
    unsigned char userbuf[256];
    size_t userbuf_len; /* decoded TLS.userbuf bytes */
};

/*
 * usersig_make: makes a UserSig.  key is the secret key text (its bytes are
 * the HMAC key).  identifier must be shorter than 256 bytes, sdkappid at
 * most 2^53, time within -2^53..2^53 and expire within 0..2^53 (what
 * usersig_decode accepts).  userbuf may be NULL (then no TLS.userbuf is
 * written; userbuf_len must then be 0); userbuf_len is at most 256.
 * zlib_level is 0..9, or -1 for zlib's default.
 *
 * On success returns 0 and stores a malloc'd NUL-terminated string in *out;
 * the caller frees it.  On failure (bad arguments, out of memory, zlib
 * failure) returns -1 and leaves *out untouched.  Thread-safe.
 */
int usersig_make(const char *key, uint64_t sdkappid, const char *identifier,
                 int64_t time, int64_t expire, const unsigned char *userbuf,
                 size_t userbuf_len, int zlib_level, char **out);

/*
 * usersig_decode: undoes the encoding (maps '*' '-' '_' back to '+' '/' '=',
 * base64-decodes, inflates, parses the JSON) and checks the document is
 * well-formed version 2.0: TLS.ver == "2.0" (a string), TLS.identifier a
 * string shorter than 256 bytes, TLS.sdkappid, TLS.time and TLS.expire
 * integers in the ranges given in struct usersig_doc, TLS.sig a string
 * shorter than 64 bytes, and TLS.userbuf, if present, a base64 string of at
 * most 256 bytes.  The signature itself is not checked (usersig_verify).
 *
 * Returns 0 and fills *doc; TIM_ERR_SIG_EMPTY (70002) for NULL or empty
 * input; TIM_ERR_SIG_DECODE (70003) for anything else wrong, including an
 * input longer than USERSIG_MAX_LEN, an inflated document larger than
 * USERSIG_MAX_JSON, or doc being NULL.  *doc is untouched on failure.
 * Allocates only temporarily.  Thread-safe.
 */
int usersig_decode(const char *usersig, struct usersig_doc *doc);

/*
 * usersig_holds_sig: 1 when text, undone as usersig_decode undoes it (the
 * mapping, base64, zlib, within the same caps), is a document that holds a
 * "TLS.sig" member, well-formed or not; else 0.  What redaction asks: is
 * this a secret, whatever else is wrong with it?  Allocates only
 * temporarily.  Thread-safe.
 */
int usersig_holds_sig(const char *text);

/*
 * usersig_sign: computes base64(HMAC-SHA256(key, content)) for the given
 * fields into out (NUL-terminated; 44 characters plus the NUL), where
 * content is exactly
 *   "TLS.identifier:" ID "\n" "TLS.sdkappid:" APPID "\n"
 *   "TLS.time:" T "\n" "TLS.expire:" E "\n"
 * plus "TLS.userbuf:" base64(userbuf) "\n" when fields->has_userbuf.
 * fields->sig is ignored.  Returns 0, or -1 (out untouched) when key, fields
 * or out is NULL, the identifier is not NUL-terminated within its array,
 * userbuf_len is too large, or OpenSSL fails.  Thread-safe.
 */
int usersig_sign(const char *key, const struct usersig_doc *fields,
                 char out[64]);

/*
 * usersig_verify: the mock's check of a UserSig, in this order:
 *   - usersig_decode fails: its code (70002 or 70003);
 *   - the document's sdkappid is not sdkappid: TIM_ERR_SIG_SDKAPPID (70014);
 *   - its identifier is not identifier (or identifier is NULL):
 *     TIM_ERR_SIG_IDENTIFIER (70013);
 *   - key is NULL or OpenSSL fails: TIM_ERR_INTERNAL (10002);
 *   - TLS.sig is not the base64 of 32 bytes, or those bytes are not the HMAC
 *     recomputed with key (compared in constant time):
 *     TIM_ERR_SIG_MISMATCH (70009);
 *   - now > time + expire: TIM_ERR_SIG_EXPIRED (70001).  A time in the
 *     future is accepted.
 * Returns 0 (TIM_ERR_OK) when the UserSig is valid.  If doc is not NULL it
 * receives the decoded fields whenever decoding succeeded, whatever the
 * result of the later checks; otherwise it is untouched.  Thread-safe.
 */
int usersig_verify(const char *usersig, const char *key, uint64_t sdkappid,
                   const char *identifier, int64_t now,
                   struct usersig_doc *doc);

#endif
