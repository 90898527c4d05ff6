/*
 * profile: the shipped profiles, a region's habits as data.
 *
 * A profile is the set of fixture settings that the evidence decides for
 * one service as seen somewhere (the vendor's page, a capture, users'
 * reports): the app's "quirks", "strict", "envelope" and "error_texts",
 * and the service's flags ("service": use_70020, method_first,
 * unknown_path_404).  Each is a JSON file, fixtures/profiles/NAME.json,
 * compiled into the program by cmake/embed_profiles.cmake, so that timock
 * needs no file at run time.  A fixture names one ("profile": NAME) and
 * fixture.c reads it with the loaders of the fixture's own settings, which
 * then override it (fixtures/README.md, Profiles).  The table is constant:
 * any thread may read it.
 */
#ifndef TIM_PROFILE_H
#define TIM_PROFILE_H

#include <stddef.h>

struct profile {
    const char *name; /* the file's name without .json */
    const char *json; /* its text, NUL-terminated */
    size_t len;       /* its length in bytes */
};

/* The shipped profiles, in the order of their names. */
extern const struct profile profile_table[];
extern const size_t profile_count;

/* profile_find: the shipped profile called name, or NULL. */
const struct profile *profile_find(const char *name);

/* profile_list: the names, separated by ", ", into out (size n > 0); a
 * list too long for out is cut short. */
void profile_list(char *out, size_t n);

#endif
