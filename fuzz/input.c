/* input: cutting a fuzzer's bytes into the parts of a request (input.h). */
#include "input.h"

#include <stdlib.h>
#include <string.h>

void input_line(const uint8_t *data, size_t n, const uint8_t **line,
                size_t *line_n, const uint8_t **rest, size_t *rest_n)
{
    const uint8_t *nl = n ? memchr(data, '\n', n) : NULL;
    *line = data;
    *line_n = nl ? (size_t)(nl - data) : n;
    *rest = nl ? nl + 1 : data + n;
    *rest_n = nl ? n - *line_n - 1 : 0;
}

struct input_part input_text(const uint8_t *data, size_t n)
{
    struct input_part part = {malloc(n + 1), n};
    if (!part.p)
        abort();
    if (n)
        memcpy(part.p, data, n);
    part.p[n] = '\0';
    return part;
}

struct input_part input_bytes(const uint8_t *data, size_t n)
{
    struct input_part part = {malloc(n ? n : 1), n};
    if (!part.p)
        abort();
    if (n)
        memcpy(part.p, data, n);
    return part;
}

void input_free(struct input_part *part)
{
    free(part->p);
    part->p = NULL;
    part->n = 0;
}

double input_generated(const cJSON *generate)
{
    const cJSON *c;
    double sum = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(generate, "counts"))
    {
        if (cJSON_IsNumber(c) && c->valuedouble > 0)
            sum += c->valuedouble;
    }
    return sum;
}
