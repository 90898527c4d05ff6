/* profile: the shipped profiles (profile.h). */
#include "profile.h"

#include <stdio.h>
#include <string.h>

const struct profile *profile_find(const char *name)
{
    for (size_t i = 0; i < profile_count; i++)
        if (strcmp(profile_table[i].name, name) == 0)
            return &profile_table[i];
    return NULL;
}

void profile_list(char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < profile_count && used < n; i++) {
        int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "",
                         profile_table[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}
