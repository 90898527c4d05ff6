/*
 * testlog: the lines a client library logged, kept for a test to count.
 * Shared by the client tests; not thread-safe (one client logs into it).
 */
#ifndef TIM_TESTLOG_H
#define TIM_TESTLOG_H

#include <stddef.h>

struct tl_lines {
    char **v;
    size_t n, cap;
};

/* tl_collect: a tim_config.log callback; data is a struct tl_lines (zeroed
 * at first).  Copies the line; a failed allocation fails the test. */
void tl_collect(void *data, const char *line);

/* tl_starting: how many lines start with prefix. */
size_t tl_starting(const struct tl_lines *l, const char *prefix);

/* tl_free: frees the lines and zeroes l. */
void tl_free(struct tl_lines *l);

#endif
