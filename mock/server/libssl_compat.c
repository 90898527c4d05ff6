/*
 * libssl_compat: the "libssl.so" that Debian's CivetWeb opens, with the one
 * function OpenSSL 3 no longer exports.
 *
 * Debian bookworm's CivetWeb 1.15 is built for the OpenSSL 1.1 API and
 * loads OpenSSL at run time: dlopen("libssl.so"), then dlsym of each
 * function it uses, into a table.  One of them, SSL_get_peer_certificate,
 * is only a macro in OpenSSL 3 (for SSL_get1_peer_certificate), so dlsym
 * finds nothing: CivetWeb's TLS set-up reports that it cannot load libssl,
 * and, were TLS started anyway, each HTTPS connection would call a NULL
 * pointer after its handshake (upstream civetweb issue #1334).
 *
 * No setting of CivetWeb avoids the call: ssl_certificate, the init_ssl
 * callback, external_ssl_ctx (our own SSL_CTX) and ssl_protocol_version all
 * lead to the same worker code, which calls SSL_get_peer_certificate
 * through that table after each SSL_accept, a client certificate asked for
 * or not; and mg_init_library(MG_FEATURES_TLS) is what fails.  (A server
 * started after that failure still starts, by accident: CivetWeb's second
 * try at loading OpenSSL counts the first one's half-done load as done.)
 *
 * This library is built as libssl.so with that SONAME, and timock links
 * it, so it is loaded before CivetWeb asks.  glibc's dlopen gives out an
 * object already loaded under the name asked for, so CivetWeb gets this
 * library; dlsym on it searches this library, then what it depends on:
 * SSL_get_peer_certificate is found here, and every other name in the real
 * libssl.so.3.  Nothing of CivetWeb is changed, in memory or on disk.
 */
#include <openssl/ssl.h>

#include "libssl_compat.h"

#undef SSL_get_peer_certificate

/* OpenSSL 1.1's name: the peer's certificate, a new reference, or NULL. */
X509 *SSL_get_peer_certificate(const SSL *ssl);

X509 *SSL_get_peer_certificate(const SSL *ssl)
{
    return SSL_get1_peer_certificate(ssl);
}

int libssl_compat_linked(void)
{
    return 1;
}
