/* testlog: the lines a client logged (testlog.h). */
#include "testlog.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

void tl_collect(void *data, const char *line)
{
    struct tl_lines *l = data;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        ck_assert_ptr_nonnull(l->v);
    }
    l->v[l->n] = strdup(line);
    ck_assert_ptr_nonnull(l->v[l->n]);
    l->n++;
}

size_t tl_starting(const struct tl_lines *l, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += strncmp(l->v[i], prefix, strlen(prefix)) == 0;
    return n;
}

void tl_free(struct tl_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}
