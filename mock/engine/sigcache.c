/* sigcache: verified UserSigs remembered per app (sigcache.h). */
#include "sigcache.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "hash.h"
#include "usersig.h"

int sigcache_init(struct sigcache *c)
{
    memset(c->slots, 0, sizeof c->slots);
    return pthread_rwlock_init(&c->lock, NULL) ? -1 : 0;
}

void sigcache_release(struct sigcache *c)
{
    for (int i = 0; i < SIGCACHE_SLOTS; i++) {
        free(c->slots[i].usersig);
        free(c->slots[i].identifier);
    }
    pthread_rwlock_destroy(&c->lock);
}

/* The slot of a UserSig, from its last bytes alone: they are base64 of the
 * zlib frame's checksum of the whole document, so two UserSigs seldom
 * share them, and a hit is still checked against the whole string.
 * Hashing all of its 200-odd bytes took 1,200 instructions a request,
 * more than the rest of the lookup. */
static size_t slot_of(const char *s)
{
    size_t n = strlen(s), tail = n < 24 ? n : 24;
    return (size_t)(hash_bytes(HASH_SEED, s + n - tail, tail) % SIGCACHE_SLOTS);
}

int sigcache_verify(struct sigcache *c, const char *usersig, const char *key,
                    uint64_t sdkappid, const char *identifier, int64_t now)
{
    if (!usersig || !usersig[0] || !identifier)
        return usersig_verify(usersig, key, sdkappid, identifier, now, NULL);
    size_t i = slot_of(usersig);
    struct sigcache_slot *s = &c->slots[i];
    pthread_rwlock_rdlock(&c->lock);
    int hit = s->usersig && strcmp(s->usersig, usersig) == 0 &&
              strcmp(s->identifier, identifier) == 0;
    int64_t expires = s->expires;
    pthread_rwlock_unlock(&c->lock);
    if (hit)
        return now > expires ? TIM_ERR_SIG_EXPIRED : TIM_ERR_OK;

    struct usersig_doc doc;
    int rc = usersig_verify(usersig, key, sdkappid, identifier, now, &doc);
    if (rc != TIM_ERR_OK && rc != TIM_ERR_SIG_EXPIRED)
        return rc;
    /* the signature holds: remember it */
    char *sig = strdup(usersig), *id = strdup(identifier);
    if (!sig || !id) {
        free(sig);
        free(id);
        return rc;
    }
    pthread_rwlock_wrlock(&c->lock);
    free(s->usersig);
    free(s->identifier);
    s->usersig = sig;
    s->identifier = id;
    s->expires = doc.time + doc.expire;
    pthread_rwlock_unlock(&c->lock);
    return rc;
}
