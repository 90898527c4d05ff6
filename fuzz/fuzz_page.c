/*
 * fuzz_page: the client library's reader of answers (harness/lib/reader.h),
 * on any bytes a server could send.
 *
 * The envelope is read as the library reads it; when it says ErrorCode 0,
 * the page is read.  A page the reader takes is checked against cJSON's
 * reading of the same text: TotalCount (where exact), Next, and every
 * GroupId, in order.  Texts with the escape \u0000 are left out of that
 * comparison: cJSON cuts names at the NUL, so it takes a member
 * "Next\u0000" for "Next"; the reader rightly does not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "input.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void disagree(const char *what, size_t i)
{
    fprintf(stderr, "fuzz_page: cJSON reads the page otherwise: %s (%zu)\n",
            what, i);
    abort();
}

static void check_page(const char *text, size_t n, const struct tim_page *p)
{
    cJSON *root = cJSON_ParseWithLength(text, n);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(root, "TotalCount");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "Next");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "GroupIdList");
    if (!cJSON_IsNumber(total) ||
        (p->total_count < (1ULL << 53) &&
         total->valuedouble != (double)p->total_count))
        disagree("TotalCount", 0);
    if (p->has_next != (next != NULL) ||
        (next &&
         (!cJSON_IsNumber(next) ||
          (p->next < (1ULL << 53) && next->valuedouble != (double)p->next))))
        disagree("Next", 0);
    if (!cJSON_IsArray(list) || (size_t)cJSON_GetArraySize(list) != p->count)
        disagree("GroupIdList's length", p->count);
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, list)
    {
        const char *id = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(el, "GroupId"));
        if (!id || strcmp(id, p->ids[i]) != 0)
            disagree("a GroupId", i);
        i++;
    }
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct input_part text = input_bytes(data, n);
    struct tim_error err;
    struct tim_page page;
    int rc = reader_envelope(text.p, n, &err);
    if (rc == TIM_OK && reader_page(text.p, n, &page, &err) == TIM_OK) {
        if (!memmem(text.p, n, "\\u0000", 6))
            check_page(text.p, n, &page);
        tim_page_release(&page);
    } else if (rc != TIM_OK && rc != TIM_E_API && rc != TIM_E_PROTOCOL) {
        abort();
    }
    input_free(&text);
    return 0;
}
