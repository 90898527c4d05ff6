/*
 * regions: the vendor's data centres and their domains (SPEC section 1).
 *
 * One table gives each region its name, short name, primary and backup
 * domain.  The mock uses it to route by Host header, the client to build a
 * region's URL.  The table is constant; every function is thread-safe.
 */
#ifndef TIM_REGIONS_H
#define TIM_REGIONS_H

#include <stddef.h>

struct tim_region {
    const char *name;       /* "singapore" */
    const char *short_name; /* "sgp" */
    const char *primary;    /* "adminapisgp.im.qcloud.com" */
    const char *backup;     /* "adminapisgp.my-imcloud.com" */
};

/* The table and its length. */
extern const struct tim_region tim_regions[];
extern const size_t tim_region_count;

/* tim_region_find: the region whose name or short name is name (ASCII,
 * case-insensitive), or NULL. */
const struct tim_region *tim_region_find(const char *name);

/* tim_region_by_host: the region whose primary or backup domain is the host
 * part of a Host header value (case-insensitive; a ":port" suffix and one
 * trailing dot, the fully qualified form, are ignored), or NULL when the
 * host names no region (127.0.0.1, localhost, ...). */
const struct tim_region *tim_region_by_host(const char *host);

#endif
