/*
 * fuzz_fixture: fixture_load_text on any text.
 *
 * The loader must refuse what it does not take with a message and no leak,
 * and a fixture it takes must be usable: every app is found by its
 * sdkappid.  Fixtures that ask to generate more than INPUT_GROUPS_MAX
 * groups are skipped (input.h says why).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "input.h"
#include "jsonint.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

/* The groups the fixture's apps ask to generate, as far as cJSON reads
 * them; texts cJSON cannot read count 0 (the loader refuses them). */
static double generated(const char *text, size_t n)
{
    if (!jsonint_depth_ok(text, n, JSON_DEPTH_MAX))
        return 0;
    cJSON *root = cJSON_ParseWithLength(text, n);
    const cJSON *app;
    double sum = 0;
    cJSON_ArrayForEach(app, cJSON_GetObjectItemCaseSensitive(root, "apps"))
    {
        sum +=
            input_generated(cJSON_GetObjectItemCaseSensitive(app, "generate"));
    }
    cJSON_Delete(root);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct input_part text = input_bytes(data, n);
    struct fixture fx;
    char err[512];
    if (generated(text.p, n) > INPUT_GROUPS_MAX) {
        input_free(&text);
        return 0;
    }
    if (fixture_load_text(text.p, n, "fuzz.json", &fx, err, sizeof err) == 0) {
        for (size_t i = 0; i < fx.store->n_apps; i++)
            if (store_find_app(fx.store, fx.store->apps[i]->sdkappid) !=
                fx.store->apps[i])
                abort();
        fixture_release(&fx);
    } else if (strncmp(err, "fuzz.json", 9) != 0) {
        fprintf(stderr,
                "fuzz_fixture: a message that does not name the "
                "fixture: %s\n",
                err);
        abort();
    }
    input_free(&text);
    return 0;
}
