/* Unit tests of groupset: the duplicate check (IDs that are prefixes of
 * each other, the generated range against the rest on both sides), copies
 * that drop groups (first, middle, last), and marking IDs to delete (given
 * twice, missing at each position). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groupset.h"

/* A finished-to-be set of the IDs (NULL-ended), keys 1, 2, ...; the IDs
 * at [from, to) are the generated range known to differ from each other. */
static struct groupset *make(const char *const *ids, size_t from, size_t to)
{
    struct groupset *g = groupset_new();
    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; ids[i]; i++)
        ck_assert_int_eq(
            groupset_append(g, i + 1, ids[i], strlen(ids[i]), GT_PUBLIC), 0);
    g->unique_from = from;
    g->unique_to = to;
    return g;
}

static const struct {
    const char *what;
    const char *ids[6];
    size_t from, to; /* the generated range */
    int rc;
    size_t first, second;
} dup_rows[] = {
    {"all differ", {"a", "b", "c", NULL}, 0, 0, 0, 0, 0},
    {"one a prefix of another", {"ab", "abc", "a", NULL}, 0, 0, 0, 0, 0},
    {"two the same", {"a", "b", "a", NULL}, 0, 0, -1, 0, 2},
    {"the last two the same", {"a", "b", "c", "c", NULL}, 0, 0, -1, 2, 3},
    {"generated range, no duplicate",
     {"x", "g1", "g2", "y", NULL},
     1,
     3,
     0,
     0,
     0},
    {"the range's last before it",
     {"g3", "g1", "g2", "g3", NULL},
     1,
     4,
     -1,
     0,
     3},
    {"the range's first after it", {"g1", "g2", "g1", NULL}, 0, 2, -1, 0, 2},
    {"the range's first, the set's last",
     {"x", "g1", "g2", "y", "g1", NULL},
     1,
     3,
     -1,
     1,
     4},
    {"after the range among the rest",
     {"g1", "g2", "y", "y", NULL},
     0,
     2,
     -1,
     2,
     3},
};

START_TEST(duplicates)
{
    struct groupset *g =
        make(dup_rows[_i].ids, dup_rows[_i].from, dup_rows[_i].to);
    size_t first = 99, second = 99;
    int rc = groupset_finish(g, &first, &second);
    ck_assert_msg(rc == dup_rows[_i].rc, "%s: rc %d", dup_rows[_i].what, rc);
    if (rc == -1)
        ck_assert_msg(first == dup_rows[_i].first &&
                          second == dup_rows[_i].second,
                      "%s: %zu and %zu", dup_rows[_i].what, first, second);
    groupset_release(g);
}
END_TEST

/* Sets of 1000 IDs ("g0" to "g999", keys 1, 2, ...) with some made equal
 * to others: the IDs are looked up in batches, so the pairs sit at a
 * batch's edges and at the set's first and last rows, and when several
 * IDs repeat the earliest repeat is named, with the first of its ID. */
#define MANY 1000
static const struct {
    const char *what;
    size_t copy[2][2]; /* row [0] takes the ID of row [1]; {0, 0}: none */
    size_t from, to;   /* the generated range */
    int rc;
    size_t first, second;
} many_rows[] = {
    {"all differ", {{0, 0}, {0, 0}}, 0, 0, 0, 0, 0},
    {"the last row, the first's", {{999, 0}, {0, 0}}, 0, 0, -1, 0, 999},
    {"the first row, the last's", {{0, 999}, {0, 0}}, 0, 0, -1, 0, 999},
    {"across a batch's edge", {{32, 31}, {0, 0}}, 0, 0, -1, 31, 32},
    {"the later of two repeats listed first",
     {{900, 1}, {40, 5}},
     0,
     0,
     -1,
     5,
     40},
    {"one batch apart, the range after",
     {{63, 31}, {0, 0}},
     100,
     1000,
     -1,
     31,
     63},
    {"the range's last, the set's first",
     {{999, 0}, {0, 0}},
     1,
     1000,
     -1,
     0,
     999},
    {"in the range only: not compared", {{999, 500}, {0, 0}}, 1, 1000, 0, 0, 0},
};

START_TEST(many_duplicates)
{
    static char text[MANY][8];
    for (size_t i = 0; i < MANY; i++)
        snprintf(text[i], sizeof text[i], "g%zu", i);
    for (int k = 0; k < 2; k++) {
        size_t to = many_rows[_i].copy[k][0], from = many_rows[_i].copy[k][1];
        if (to != from)
            memcpy(text[to], text[from], sizeof text[to]);
    }
    struct groupset *g = groupset_new();
    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; i < MANY; i++)
        ck_assert_int_eq(
            groupset_append(g, i + 1, text[i], strlen(text[i]), GT_PUBLIC), 0);
    g->unique_from = many_rows[_i].from;
    g->unique_to = many_rows[_i].to;
    size_t first = 99, second = 99;
    int rc = groupset_finish(g, &first, &second);
    ck_assert_msg(rc == many_rows[_i].rc, "%s: rc %d", many_rows[_i].what, rc);
    if (rc == -1)
        ck_assert_msg(first == many_rows[_i].first &&
                          second == many_rows[_i].second,
                      "%s: %zu and %zu", many_rows[_i].what, first, second);
    groupset_release(g);
}
END_TEST

/* A set large enough that its duplicate check runs on a thread of its
 * own while the indexes are built: the first and last rows share an ID,
 * or none do, and the indexes are whole either way. */
START_TEST(large_set_checked_on_a_thread)
{
    enum { LARGE = 200000 };
    for (int dup = 0; dup < 2; dup++) {
        struct groupset *g = groupset_new();
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(groupset_reserve(g, LARGE, LARGE * 8), 0);
        char id[16];
        for (size_t i = 0; i < LARGE; i++) {
            int n =
                snprintf(id, sizeof id, "L%zu", dup && i == LARGE - 1 ? 0 : i);
            ck_assert_int_eq(
                groupset_append(g, i + 1, id, (size_t)n, (int)(i % GT_COUNT)),
                0);
        }
        size_t first = 99, second = 99;
        ck_assert_int_eq(groupset_finish(g, &first, &second), (dup ? -1 : 0));
        if (dup)
            ck_assert_msg(first == 0 && second == LARGE - 1, "%zu and %zu",
                          first, second);
        for (int t = 0; t < GT_COUNT; t++)
            ck_assert_uint_eq(g->n_by_type[t],
                              LARGE / GT_COUNT + (t < LARGE % GT_COUNT));
        groupset_release(g);
    }
}
END_TEST

/* IDs that are prefixes of each other are different IDs, however the hash
 * table places them: 48 of them ("p", "pp", ...), and each marked alone. */
START_TEST(prefixes_differ)
{
    char text[GROUP_ID_MAX][GROUP_ID_MAX + 1];
    const char *ids[GROUP_ID_MAX + 1];
    for (int i = 0; i < GROUP_ID_MAX; i++) {
        memset(text[i], 'p', (size_t)i + 1);
        text[i][i + 1] = '\0';
        ids[i] = text[i];
    }
    ids[GROUP_ID_MAX] = NULL;
    struct groupset *g = make(ids, 0, 0);
    size_t first, second;
    ck_assert_int_eq(groupset_finish(g, &first, &second), 0);
    for (int i = 0; i < GROUP_ID_MAX; i++) {
        unsigned char drop[GROUP_ID_MAX] = {0};
        ck_assert_uint_eq(groupset_mark(g, &ids[i], 1, drop), 1);
        for (int k = 0; k < GROUP_ID_MAX; k++)
            ck_assert_msg(drop[k] == (k == i), "marking %d marked %d", i, k);
    }
    groupset_release(g);
    /* the same with the generated range over half of them */
    g = make(ids, GROUP_ID_MAX / 2, GROUP_ID_MAX);
    ck_assert_int_eq(groupset_finish(g, &first, &second), 0);
    groupset_release(g);
}
END_TEST

static const char *const five[] = {"a", "bb", "c", "dd", "e", NULL};

static const struct {
    unsigned char drop[5];
    const char *kept; /* the IDs left, joined by spaces */
} copy_rows[] = {
    {{0, 0, 0, 0, 0}, "a bb c dd e"},
    {{1, 0, 0, 0, 0}, "bb c dd e"},
    {{0, 0, 1, 0, 0}, "a bb dd e"},
    {{0, 0, 0, 0, 1}, "a bb c dd"},
    {{1, 1, 1, 1, 1}, ""},
};

START_TEST(copy_drops)
{
    struct groupset *g = make(five, 0, 0);
    struct groupset *c = groupset_copy(g, copy_rows[_i].drop);
    ck_assert_ptr_nonnull(c);
    char kept[64] = "";
    uint64_t last = 0;
    for (size_t i = 0; i < c->n_groups; i++) {
        size_t n;
        const char *id = groupset_id(c, i, &n);
        if (i)
            strcat(kept, " ");
        strncat(kept, id, n);
        ck_assert_uint_gt(c->groups[i].key, last); /* keys kept, in order */
        last = c->groups[i].key;
    }
    ck_assert_str_eq(kept, copy_rows[_i].kept);
    groupset_release(c);
    groupset_release(g);
}
END_TEST

/* groupset_type_keys refuses keys that do not ascend, a 0 and no type,
 * and frees them (the sanitizers would see a leak). */
static const struct {
    int type;
    uint64_t keys[3];
    size_t n;
    int rc;
} type_key_rows[] = {
    {GT_PUBLIC, {5, 7, 9}, 3, 0},  {GT_PUBLIC, {5, 5, 9}, 3, -1},
    {GT_PUBLIC, {5, 7, 6}, 3, -1}, {GT_PUBLIC, {0, 7, 9}, 3, -1},
    {GT_PUBLIC, {5}, 0, -1},       {GT_ALL, {5, 7, 9}, 3, -1},
    {GT_COUNT, {5}, 1, -1},
};

START_TEST(type_keys_given)
{
    struct groupset *g = groupset_new();
    ck_assert_ptr_nonnull(g);
    uint64_t *k = malloc(sizeof type_key_rows[_i].keys);
    ck_assert_ptr_nonnull(k);
    memcpy(k, type_key_rows[_i].keys, sizeof type_key_rows[_i].keys);
    ck_assert_int_eq(
        groupset_type_keys(g, type_key_rows[_i].type, k, type_key_rows[_i].n),
        type_key_rows[_i].rc);
    groupset_release(g);
}
END_TEST

/* A copy keeps the type keys of the groups it keeps, in order; finish
 * gives a group added after them one more than the highest the type ever
 * had, the dropped last one's included. */
START_TEST(copy_keeps_type_keys)
{
    static const char *const ids[] = {"a", "b", "c", "d", NULL};
    struct groupset *g = make(ids, 0, 0); /* all Public, keys 1 to 4 */
    uint64_t *k = malloc(2 * sizeof *k);
    ck_assert_ptr_nonnull(k);
    k[0] = 40;
    k[1] = 50;
    ck_assert_int_eq(groupset_type_keys(g, GT_PUBLIC, k, 2), 0);
    size_t first, second;
    ck_assert_int_eq(groupset_finish(g, &first, &second), 0);
    static const uint64_t had[] = {40, 50, 51, 52};
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(g->type_keys[GT_PUBLIC][i], had[i]);
    static const unsigned char drop[] = {0, 1, 0, 1}; /* b and d */
    struct groupset *c = groupset_copy(g, drop);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(groupset_append(c, 9, "e", 1, GT_PUBLIC), 0);
    ck_assert_int_eq(groupset_finish(c, &first, &second), 0);
    static const uint64_t has[] = {40, 51, 53}; /* a, c, e */
    ck_assert_uint_eq(c->n_by_type[GT_PUBLIC], 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(c->type_keys[GT_PUBLIC][i], has[i]);
    ck_assert_ptr_null(c->type_keys[GT_PRIVATE]);
    groupset_release(c);
    groupset_release(g);
}
END_TEST

static const struct {
    const char *ids[5];
    size_t n, missing;
    unsigned char drop[5];
} mark_rows[] = {
    {{"a", "e"}, 2, 2, {1, 0, 0, 0, 1}},
    {{"c", "c"}, 2, 2, {0, 0, 1, 0, 0}},
    {{"bb", "a", "bb"}, 3, 3, {1, 1, 0, 0, 0}},
    {{"zz", "a"}, 2, 0, {0}},
    {{"a", "zz", "e"}, 3, 1, {0}},
    {{"a", "e", "zz"}, 3, 2, {0}},
    {{"b"}, 1, 0, {0}}, /* a prefix of "bb" is not "bb" */
};

START_TEST(marks)
{
    struct groupset *g = make(five, 0, 0);
    unsigned char drop[5] = {0};
    size_t missing = groupset_mark(g, mark_rows[_i].ids, mark_rows[_i].n, drop);
    ck_assert_uint_eq(missing, mark_rows[_i].missing);
    if (missing == mark_rows[_i].n)
        ck_assert_int_eq(memcmp(drop, mark_rows[_i].drop, 5), 0);
    groupset_release(g);
}
END_TEST

/* Threads asking at once for the items of types not yet rendered. */
struct typed_ask {
    struct groupset *g;
    const struct items *got[GT_COUNT];
};

static void *ask_every_type(void *data)
{
    struct typed_ask *a = data;
    for (int t = 0; t < GT_COUNT; t++)
        a->got[t] = groupset_items(a->g, t);
    return NULL;
}

/* A type's items are rendered on the first call, once, whatever the
 * threads, and hold that type's groups only; a type that has every group
 * shares the items of all. */
START_TEST(typed_items_once)
{
    struct groupset *g = groupset_new();
    static const char *const ids[] = {"a", "b\"q", "c", "d", "e"};
    static const int types[] = {GT_PUBLIC, GT_PRIVATE, GT_PUBLIC, GT_CHATROOM,
                                GT_PUBLIC};
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq(
            groupset_append(g, i + 1, ids[i], strlen(ids[i]), types[i]), 0);
    size_t x, y;
    ck_assert_int_eq(groupset_finish(g, &x, &y), 0);
    for (int t = 0; t < GT_COUNT; t++)
        ck_assert_int_eq(atomic_load(&g->typed_ready[t]), 0);
    struct typed_ask ask[4];
    pthread_t th[4];
    for (int k = 0; k < 4; k++) {
        ask[k].g = g;
        ck_assert_int_eq(pthread_create(&th[k], NULL, ask_every_type, &ask[k]),
                         0);
    }
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(pthread_join(th[k], NULL), 0);
    for (int t = 0; t < GT_COUNT; t++) {
        ck_assert_int_eq(atomic_load(&g->typed_ready[t]), 1);
        for (int k = 1; k < 4; k++)
            ck_assert_ptr_eq(ask[k].got[t], ask[0].got[t]);
    }
    const struct items *pub = ask[0].got[GT_PUBLIC];
    ck_assert_uint_eq(pub->len, pub->at[3]);
    ck_assert_int_eq(memcmp(pub->text,
                            "{\"GroupId\":\"a\"},{\"GroupId\":\"c\"},"
                            "{\"GroupId\":\"e\"},",
                            pub->len),
                     0);
    ck_assert_int_eq(memcmp(ask[0].got[GT_PRIVATE]->text,
                            "{\"GroupId\":\"b\\\"q\"},",
                            ask[0].got[GT_PRIVATE]->len),
                     0);
    ck_assert_uint_eq(ask[0].got[GT_COMMUNITY]->len, 0);
    groupset_release(g);

    /* one type, every group: no items of its own */
    g = groupset_new();
    ck_assert_int_eq(groupset_append(g, 1, "z", 1, GT_PRIVATE), 0);
    ck_assert_int_eq(groupset_finish(g, &x, &y), 0);
    ck_assert_ptr_eq(groupset_items(g, GT_PRIVATE), &g->all);
    ck_assert_ptr_eq(groupset_items(g, GT_ALL), &g->all);
    groupset_release(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("groupset");
    TCase *tc = tcase_create("groupset");
    tcase_add_loop_test(tc, duplicates, 0,
                        sizeof dup_rows / sizeof dup_rows[0]);
    tcase_add_loop_test(tc, many_duplicates, 0,
                        sizeof many_rows / sizeof many_rows[0]);
    tcase_add_test(tc, large_set_checked_on_a_thread);
    tcase_add_test(tc, prefixes_differ);
    tcase_add_loop_test(tc, copy_drops, 0,
                        sizeof copy_rows / sizeof copy_rows[0]);
    tcase_add_loop_test(tc, marks, 0, sizeof mark_rows / sizeof mark_rows[0]);
    tcase_add_test(tc, typed_items_once);
    tcase_add_loop_test(tc, type_keys_given, 0,
                        sizeof type_key_rows / sizeof type_key_rows[0]);
    tcase_add_test(tc, copy_keeps_type_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
