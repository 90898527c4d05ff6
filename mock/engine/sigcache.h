/*
 * sigcache: remembers UserSigs already verified, so a client that sends the
 * same UserSig on every page pays for base64, zlib, JSON and HMAC once.
 *
 * A UserSig is verified by decoding it and recomputing its HMAC, never by
 * comparing strings with another UserSig.  The cache only remembers that
 * this exact string, for this app and identifier, decoded and verified
 * before; the same bytes decode the same way, so the answer cannot differ.
 * Expiry is checked again on every hit.  A small direct-mapped table behind
 * one lock: sigcache_verify is thread-safe.
 */
#ifndef TIM_SIGCACHE_H
#define TIM_SIGCACHE_H

#include <pthread.h>
#include <stdint.h>

#define SIGCACHE_SLOTS 32

struct sigcache_slot {
    char *usersig; /* NULL: empty */
    char *identifier;
    int64_t expires; /* TLS.time + TLS.expire */
};

struct sigcache {
    pthread_rwlock_t lock; /* read by every hit, written by a miss */
    struct sigcache_slot slots[SIGCACHE_SLOTS];
};

/* sigcache_init / sigcache_release: an empty cache, and its end. */
int sigcache_init(struct sigcache *c);
void sigcache_release(struct sigcache *c);

/* sigcache_verify: usersig_verify(usersig, key, sdkappid, identifier, now)
 * of one app (a cache belongs to one app and its key), answered from the
 * cache when this UserSig was verified before.  Returns the same codes. */
int sigcache_verify(struct sigcache *c, const char *usersig, const char *key,
                    uint64_t sdkappid, const char *identifier, int64_t now);

#endif
