/*
 * faulty_client: a client of get_appid_group_list with the mistakes public
 * SDKs made, one per mode, for testing timconform --client-cmd:
 *
 *   first-page  stops after the first page (a paging loop that never loops)
 *   next32      holds Next in 32 bits, so cursors above 2^32 come back wrong
 *   no-random   sends no random parameter
 *   same-random draws random once per process, not once per request
 *   null-fields sends its unset GroupType as null, as Jackson or Gson do
 *
 * It reads TIM_URL, TIM_SDKAPPID, TIM_IDENTIFIER and TIM_SECRET_KEY as a
 * well-behaved client would, waits a second after 10002 or 60007, and gives
 * up after a few pages so that a broken loop still ends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonint.h"
#include "timclient.h"
#include "usersig.h"

#define MAX_PAGES 6

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *url = getenv("TIM_URL"), *app = getenv("TIM_SDKAPPID"),
               *id = getenv("TIM_IDENTIFIER"), *key = getenv("TIM_SECRET_KEY");
    if (!url || !app || !id || !key ||
        (strcmp(mode, "first-page") && strcmp(mode, "next32") &&
         strcmp(mode, "no-random") && strcmp(mode, "same-random") &&
         strcmp(mode, "null-fields"))) {
        fprintf(stderr,
                "usage: TIM_URL=.. TIM_SDKAPPID=.. TIM_IDENTIFIER=.. "
                "TIM_SECRET_KEY=.. faulty_client "
                "first-page|next32|no-random|same-random|null-fields\n");
        return 2;
    }
    unsigned once = (unsigned)rand(); /* same-random's only value */
    char *sig = NULL;
    if (usersig_make(key, strtoull(app, NULL, 10), id, (int64_t)time(NULL),
                     86400, NULL, 0, -1, &sig) != 0)
        return 2;
    tim_global_init();
    uint32_t next = 0; /* the mistake of next32 mode: 32 bits */
    uint64_t next64 = 0;
    int pages = 0, tries = 0;
    while (pages < MAX_PAGES && tries++ < 3 * MAX_PAGES) {
        char body[128], random[16];
        uint64_t sent = strcmp(mode, "next32") == 0 ? next : next64;
        snprintf(body, sizeof body, "{\"Limit\":1000,\"Next\":%" PRIu64 "%s}",
                 sent,
                 strcmp(mode, "null-fields") == 0 ? ",\"GroupType\":null" : "");
        snprintf(random, sizeof random, "%u",
                 strcmp(mode, "same-random") == 0 ? once : (unsigned)rand());
        struct tim_param params[] = {
            {"sdkappid", app},
            {"identifier", id},
            {"usersig", sig},
            {"random", strcmp(mode, "no-random") == 0 ? NULL : random},
            {"contenttype", "json"}};
        struct tim_raw_target t = {url, NULL, NULL, 0, 10000};
        struct tim_raw_request r = {NULL,
                                    "/v4/group_open_http_svc/"
                                    "get_appid_group_list",
                                    params,
                                    5,
                                    body,
                                    strlen(body),
                                    NULL,
                                    NULL};
        struct tim_raw_answer a;
        struct tim_error err;
        if (tim_raw_request(&t, &r, &a, &err) != TIM_OK) {
            fprintf(stderr, "faulty_client: %s\n", err.message);
            break;
        }
        const char *raw;
        size_t len;
        uint64_t code = 1;
        if (jsonint_member(a.body, a.len, "ErrorCode", &raw, &len))
            jsonint_parse_u64(raw, len, &code);
        if (code != 0) {
            free(a.body);
            sleep(1); /* 10002 or 60007: wait, then the same page again */
            continue;
        }
        next64 = 0;
        if (jsonint_member(a.body, a.len, "Next", &raw, &len))
            jsonint_parse_u64(raw, len, &next64);
        next = (uint32_t)next64;
        free(a.body);
        pages++;
        if (next64 == 0 || strcmp(mode, "first-page") == 0)
            break;
    }
    printf("%d pages\n", pages);
    free(sig);
    tim_global_cleanup();
    return 0;
}
