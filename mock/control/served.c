/* served: the fixture being served and the journal (served.h). */
#include "served.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

/* A loaded fixture and the requests still using it. */
struct loaded {
    struct fixture fx; /* first: served_put finds the loaded from it */
    atomic_uint refs;
};

struct served {
    pthread_rwlock_t lock; /* guards cur: read by every request */
    struct loaded *cur;
    char *first_path; /* NULL: the embedded default */
    struct journal *journal;
};

static struct loaded *load(const char *path, char *err, size_t errlen)
{
    struct loaded *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = path ? fixture_load_file(path, &l->fx, err, errlen)
                  : fixture_load_text(
                        fixture_default_json, fixture_default_json_len,
                        "embedded default fixture", &l->fx, err, errlen);
    if (rc != 0) {
        free(l);
        return NULL;
    }
    atomic_init(&l->refs, 1);
    return l;
}

static void unref(struct loaded *l)
{
    if (l && atomic_fetch_sub(&l->refs, 1) == 1) {
        fixture_release(&l->fx);
        free(l);
    }
}

struct served *served_new(const char *path, size_t journal_size, char *err,
                          size_t errlen)
{
    struct served *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (pthread_rwlock_init(&s->lock, NULL) != 0) {
        free(s);
        snprintf(err, errlen, "cannot make a lock");
        return NULL;
    }
    s->first_path = path ? strdup(path) : NULL;
    s->journal = journal_new(journal_size);
    if ((path && !s->first_path) || !s->journal) {
        snprintf(err, errlen, "out of memory");
        served_free(s);
        return NULL;
    }
    if (!(s->cur = load(s->first_path, err, errlen))) {
        served_free(s);
        return NULL;
    }
    return s;
}

void served_free(struct served *s)
{
    if (!s)
        return;
    unref(s->cur);
    journal_free(s->journal);
    free(s->first_path);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

struct fixture *served_get(struct served *s)
{
    pthread_rwlock_rdlock(&s->lock);
    struct loaded *l = s->cur;
    atomic_fetch_add(&l->refs, 1);
    pthread_rwlock_unlock(&s->lock);
    return &l->fx;
}

void served_put(struct served *s, struct fixture *fx)
{
    (void)s;
    unref((struct loaded *)fx);
}

int served_load(struct served *s, const char *path, char *err, size_t errlen)
{
    struct loaded *l = load(path ? path : s->first_path, err, errlen);
    if (!l)
        return -1;
    pthread_rwlock_wrlock(&s->lock);
    struct loaded *was = s->cur;
    s->cur = l;
    pthread_rwlock_unlock(&s->lock);
    unref(was);
    journal_clear(s->journal);
    return 0;
}

struct journal *served_journal(struct served *s)
{
    return s->journal;
}
