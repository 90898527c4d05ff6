/* regions: the table of the vendor's data centres (regions.h). */
#include "regions.h"

#include <string.h>
#include <strings.h>

const struct tim_region tim_regions[] = {
    {"china", "cn", "console.tim.qq.com", "adminapi.my-imcloud.com"},
    {"singapore", "sgp", "adminapisgp.im.qcloud.com",
     "adminapisgp.my-imcloud.com"},
    {"seoul", "kr", "adminapikr.im.qcloud.com", "adminapikr.my-imcloud.com"},
    {"tokyo", "jpn", "adminapijpn.im.qcloud.com", "adminapijpn.my-imcloud.com"},
    {"frankfurt", "ger", "adminapiger.im.qcloud.com",
     "adminapiger.my-imcloud.com"},
    {"mumbai", "ind", "adminapiind.im.qcloud.com",
     "adminapiind.my-imcloud.com"},
    {"siliconvalley", "usa", "adminapiusa.im.qcloud.com",
     "adminapiusa.my-imcloud.com"},
    {"jakarta", "idn", "adminapiidn.im.qcloud.com",
     "adminapiidn.my-imcloud.com"},
};

const size_t tim_region_count = sizeof tim_regions / sizeof tim_regions[0];

const struct tim_region *tim_region_find(const char *name)
{
    for (size_t i = 0; name && i < tim_region_count; i++)
        if (strcasecmp(name, tim_regions[i].name) == 0 ||
            strcasecmp(name, tim_regions[i].short_name) == 0)
            return &tim_regions[i];
    return NULL;
}

static int host_is(const char *host, size_t n, const char *domain)
{
    return strlen(domain) == n && strncasecmp(host, domain, n) == 0;
}

const struct tim_region *tim_region_by_host(const char *host)
{
    if (!host)
        return NULL;
    const char *colon = strchr(host, ':');
    size_t n = colon ? (size_t)(colon - host) : strlen(host);
    if (n && host[n - 1] == '.')
        n--; /* the fully qualified form names the same host */
    for (size_t i = 0; i < tim_region_count; i++)
        if (host_is(host, n, tim_regions[i].primary) ||
            host_is(host, n, tim_regions[i].backup))
            return &tim_regions[i];
    return NULL;
}
