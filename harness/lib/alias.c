/* alias: stand-ins of real values (timclient.h, "Stand-ins"). */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "timclient.h"

/* One real value and its stand-in, both NUL-terminated, of one length. */
struct alias_entry {
    char *real, *fake;
};

/* Two open-addressing tables over one set of entries: by the real value
 * and by the stand-in, so that a stand-in taken is found at once. */
struct tim_alias {
    uint64_t salt;
    struct alias_entry *by_real; /* cap slots */
    char **by_fake;              /* cap slots, pointing into by_real's */
    size_t n, cap;
};

tim_alias *tim_alias_new(uint64_t salt)
{
    tim_alias *a = calloc(1, sizeof *a);
    if (a)
        a->salt = salt;
    return a;
}

void tim_alias_free(tim_alias *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->cap; i++) {
        free(a->by_real[i].real);
        free(a->by_real[i].fake);
    }
    free(a->by_real);
    free(a->by_fake);
    free(a);
}

static size_t real_slot(const tim_alias *a, const char *real, size_t len)
{
    size_t mask = a->cap - 1,
           i = (size_t)hash_bytes(HASH_SEED, real, len) & mask;
    while (a->by_real[i].real && (strlen(a->by_real[i].real) != len ||
                                  memcmp(a->by_real[i].real, real, len) != 0))
        i = (i + 1) & mask;
    return i;
}

static size_t fake_slot(const tim_alias *a, const char *fake)
{
    size_t mask = a->cap - 1, i = (size_t)hash_string(fake) & mask;
    while (a->by_fake[i] && strcmp(a->by_fake[i], fake) != 0)
        i = (i + 1) & mask;
    return i;
}

int tim_alias_taken(const tim_alias *a, const char *fake)
{
    return a->cap && a->by_fake[fake_slot(a, fake)] != NULL;
}

/* Room for one more entry at most half full: 0, or -1 (nothing changed). */
static int grow(tim_alias *a)
{
    if ((a->n + 1) * 2 <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap * 2 : 1024;
    if (cap > SIZE_MAX / sizeof *a->by_real)
        return -1;
    struct alias_entry *old = a->by_real;
    char **old_fake = a->by_fake;
    size_t old_cap = a->cap;
    a->by_real = calloc(cap, sizeof *a->by_real);
    a->by_fake = calloc(cap, sizeof *a->by_fake);
    if (!a->by_real || !a->by_fake) {
        free(a->by_real);
        free(a->by_fake);
        a->by_real = old;
        a->by_fake = old_fake;
        return -1;
    }
    a->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].real) {
            a->by_real[real_slot(a, old[i].real, strlen(old[i].real))] = old[i];
            a->by_fake[fake_slot(a, old[i].fake)] = old[i].fake;
        }
    free(old);
    free(old_fake);
    return 0;
}

/* The same shape as real: "@TGS#" kept, a digit for a digit, a letter of
 * the same case for a letter, anything else kept; no leading zero where
 * the real value has none. */
static void shape(const char *real, size_t len, uint64_t h, char *out)
{
    size_t from = len >= 5 && memcmp(real, "@TGS#", 5) == 0 ? 5 : 0;
    memcpy(out, real, from);
    for (size_t i = from; i < len; i++) {
        h = hash_mix64(h + i);
        char c = real[i];
        if (c >= '0' && c <= '9')
            c = (char)('0' + (i == 0 && c != '0' ? 1 + h % 9 : h % 10));
        else if (c >= 'a' && c <= 'z')
            c = (char)('a' + h % 26);
        else if (c >= 'A' && c <= 'Z')
            c = (char)('A' + h % 26);
        out[i] = c;
    }
    out[len] = '\0';
}

/* Keeps real (len bytes) -> fake (taken over); 0, or -1 freeing fake. */
static int keep(tim_alias *a, const char *real, size_t len, char *fake)
{
    char *r = grow(a) == 0 ? strndup(real, len) : NULL;
    if (!r) {
        free(fake);
        return -1;
    }
    a->by_real[real_slot(a, real, len)] = (struct alias_entry){r, fake};
    a->by_fake[fake_slot(a, fake)] = fake;
    a->n++;
    return 0;
}

const char *tim_alias_of(tim_alias *a, const char *real, size_t len)
{
    if (a->cap) {
        size_t i = real_slot(a, real, len);
        if (a->by_real[i].real)
            return a->by_real[i].fake;
    }
    char *f = malloc(len + 1);
    for (uint64_t k = 0; f && k < 64; k++) {
        shape(real, len, hash_bytes(a->salt + k, real, len), f);
        if ((strlen(f) != len || memcmp(f, real, len) != 0) &&
            !tim_alias_taken(a, f))
            return keep(a, real, len, f) == 0 ? f : NULL;
    }
    free(f);
    return NULL;
}

int tim_alias_set(tim_alias *a, const char *real, const char *fake)
{
    size_t len = strlen(real);
    if (strlen(fake) != len || tim_alias_taken(a, fake) ||
        (a->cap && a->by_real[real_slot(a, real, len)].real))
        return 1;
    char *f = strdup(fake);
    return f && keep(a, real, len, f) == 0 ? 0 : -1;
}
