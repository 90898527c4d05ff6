/*
 * libssl_compat: the "libssl.so" Debian's CivetWeb loads OpenSSL through
 * (libssl_compat.c says why).  timock links it; the server calls
 * libssl_compat_linked so that no linker drops it as unused.
 */
#ifndef TIM_LIBSSL_COMPAT_H
#define TIM_LIBSSL_COMPAT_H

/* libssl_compat_linked: returns 1. */
int libssl_compat_linked(void);

#endif
