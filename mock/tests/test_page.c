/* Unit tests: cutting pages, Next and TotalCount, the quirks of SPEC
 * section 3, generated groups, and paging while groups change. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "fixture.h"
#include "page.h"
#include "testutil.h"

/* Six listed groups; keys grow by 1 to 3. */
static const char listed[] =
    "{\"apps\":[{\"sdkappid\":1,\"admins\":[\"a\"],\"key\":\"k\","
    "\"cursors\":{\"max_step\":3,\"seed\":9},%s"
    "\"groups\":["
    "{\"id\":\"@TGS#2AAAAAAAA\",\"type\":\"Public\"},"
    "{\"id\":\"work-1\",\"type\":\"Private\"},"
    "{\"id\":\"@TGS#_COMMUNITY\",\"type\":\"Community\"},"
    "{\"id\":\"pub \\\"quoted\\\"\",\"type\":\"Public\"},"
    "{\"id\":\"room\",\"type\":\"ChatRoom\"},"
    "{\"id\":\"pub-3\",\"type\":\"Public\"}]}]}";

static struct app *load_listed(struct fixture *fx, const char *quirks)
{
    char json[2048];
    snprintf(json, sizeof json, listed, quirks);
    tu_fixture(fx, json);
    return fx->store->apps[0];
}

static const char *id_of(const struct page *p, size_t i)
{
    static char id[64];
    size_t n;
    const char *s = groupset_id(p->gs, page_group(p, i), &n);
    snprintf(id, sizeof id, "%.*s", (int)n, s);
    return id;
}

START_TEST(pages_in_order)
{
    struct fixture fx;
    struct app *a = load_listed(&fx, "");
    struct page p;
    ck_assert_uint_eq(a->gs->groups[0].key, STORE_FIRST_KEY);
    for (size_t i = 1; i < a->gs->n_groups; i++) {
        ck_assert_uint_gt(a->gs->groups[i].key, a->gs->groups[i - 1].key);
        ck_assert_uint_le(a->gs->groups[i].key, a->gs->groups[i - 1].key + 3);
    }
    page_cut(a, a->gs, GT_ALL, 0, 4, &p);
    ck_assert_uint_eq(p.total, 6);
    ck_assert_uint_eq(p.count, 4);
    ck_assert_str_eq(id_of(&p, 0), "@TGS#2AAAAAAAA");
    ck_assert_str_eq(id_of(&p, 3), "pub \"quoted\"");
    ck_assert_uint_eq(p.next, a->gs->groups[3].key);

    page_cut(a, a->gs, GT_ALL, p.next, 4, &p);
    ck_assert_uint_eq(p.count, 2);
    ck_assert_str_eq(id_of(&p, 0), "room");
    /* the quirk: the last page with groups still carries a Next */
    ck_assert_uint_eq(p.next, a->gs->groups[5].key);
    page_cut(a, a->gs, GT_ALL, p.next, 4, &p);
    ck_assert_uint_eq(p.count, 0);
    ck_assert_uint_eq(p.next, 0);
    ck_assert_uint_eq(p.total, 6);
    fixture_release(&fx);
}
END_TEST

START_TEST(last_page_quirk_off)
{
    struct fixture fx;
    struct app *a =
        load_listed(&fx, "\"quirks\":{\"next_on_last_page\":false},");
    struct page p;
    page_cut(a, a->gs, GT_ALL, 0, 4, &p);
    ck_assert_uint_eq(p.next, a->gs->groups[3].key);
    page_cut(a, a->gs, GT_ALL, p.next, 4, &p);
    ck_assert_uint_eq(p.count, 2);
    ck_assert_uint_eq(p.next, 0);
    page_cut(a, a->gs, GT_ALL, 0, 6, &p); /* exactly everything */
    ck_assert_uint_eq(p.next, 0);
    page_cut(a, a->gs, GT_PUBLIC, 0, 2, &p);
    ck_assert_uint_eq(p.next, a->gs->groups[3].key);
    fixture_release(&fx);
}
END_TEST

START_TEST(type_filter_and_any_cursor)
{
    struct fixture fx;
    struct app *a = load_listed(&fx, "");
    struct page p;
    page_cut(a, a->gs, GT_PUBLIC, 0, 10, &p);
    ck_assert_uint_eq(p.total, 3);
    ck_assert_uint_eq(p.count, 3);
    ck_assert_str_eq(id_of(&p, 2), "pub-3");
    page_cut(a, a->gs, GT_BCHATROOM, 0, 10, &p);
    ck_assert_uint_eq(p.total, 0);
    ck_assert_uint_eq(p.next, 0);
    /* a cursor never issued: the groups after that position */
    page_cut(a, a->gs, GT_ALL, a->gs->groups[2].key - 1, 1, &p);
    ck_assert_str_eq(id_of(&p, 0), "@TGS#_COMMUNITY");
    /* a cursor issued under one type, used under another */
    page_cut(a, a->gs, GT_PRIVATE, 0, 1, &p);
    page_cut(a, a->gs, GT_PUBLIC, p.next, 10, &p);
    ck_assert_uint_eq(p.count, 2);
    ck_assert_str_eq(id_of(&p, 0), "pub \"quoted\"");
    /* the top of the range */
    page_cut(a, a->gs, GT_ALL, UINT64_MAX, 10, &p);
    ck_assert_uint_eq(p.count, 0);
    ck_assert_uint_eq(p.next, 0);
    ck_assert_uint_eq(p.total, 6);
    fixture_release(&fx);
}
END_TEST

/* Pulls everything of a type, checking each page; marks seen[pos]. */
static size_t pull(const struct app *a, int type, uint32_t limit,
                   unsigned char *seen)
{
    struct page p;
    uint64_t next = 0, total = 0;
    size_t got = 0, pages = 0;
    do {
        page_cut(a, a->gs, type, next, limit, &p);
        if (pages++ == 0)
            total = p.total;
        ck_assert_uint_eq(p.total, total);
        ck_assert_uint_le(p.count, limit);
        ck_assert(p.next == 0 || p.next > next);
        for (size_t i = 0; i < p.count; i++) {
            size_t pos = page_group(&p, i);
            ck_assert_msg(!seen[pos], "group %zu twice", pos);
            ck_assert(type == GT_ALL || a->gs->groups[pos].type == type);
            seen[pos] = 1;
            got++;
        }
        next = p.next;
        /* every page but the last is full, and an empty one may end it */
        ck_assert_msg(pages <= total / limit + 2,
                      "%zu pages of %u for %llu groups, and no end", pages,
                      limit, (unsigned long long)total);
    } while (next);
    ck_assert_uint_eq(got, total);
    return got;
}

static const uint32_t limits[] = {1, 7, 1000, 10000};
static const size_t default_counts[GT_COUNT] = {8000, 6000, 5000,
                                                3000, 1000, 2000};

START_TEST(full_pulls_of_default)
{
    struct fixture fx;
    char err[256];
    ck_assert_int_eq(fixture_load_text(fixture_default_json,
                                       fixture_default_json_len, "default", &fx,
                                       err, sizeof err),
                     0);
    const struct app *a = store_find_app(fx.store, TU_APP);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->gs->n_groups, 25000);
    uint32_t limit = limits[_i];
    unsigned char *all = calloc(a->gs->n_groups, 1);
    unsigned char *union_ = calloc(a->gs->n_groups, 1);
    ck_assert_uint_eq(pull(a, GT_ALL, limit, all), 25000);
    size_t sum = 0;
    for (int t = 0; t < GT_COUNT; t++) {
        /* per-type sets are disjoint: union_ would see a group twice */
        size_t n = pull(a, t, limit, union_);
        ck_assert_uint_eq(n, default_counts[t]);
        sum += n;
    }
    ck_assert_uint_eq(sum, 25000);
    ck_assert_int_eq(memcmp(all, union_, a->gs->n_groups), 0);
    free(all);
    free(union_);
    fixture_release(&fx);
}
END_TEST

static const char generated[] =
    "{\"apps\":[{\"sdkappid\":2,\"admins\":[\"a\"],\"key\":\"k\","
    "%s\"generate\":{\"seed\":%d,\"ids\":\"%s\",\"id_length\":%d,"
    "\"counts\":{\"Public\":300,\"Private\":200,\"Community\":100}}}]}";

static void load_generated(struct fixture *fx, const char *cursors, int seed,
                           const char *ids, int len)
{
    char json[1024];
    snprintf(json, sizeof json, generated, cursors, seed, ids, len);
    tu_fixture(fx, json);
}

START_TEST(generated_is_deterministic)
{
    struct fixture a, b, c;
    load_generated(&a, "", 5, "server", 24);
    load_generated(&b, "", 5, "server", 24);
    load_generated(&c, "", 6, "server", 24);
    const struct app *x = a.store->apps[0], *y = b.store->apps[0],
                     *z = c.store->apps[0];
    ck_assert_uint_eq(x->gs->n_groups, 600);
    ck_assert_uint_eq(x->gs->all.len, y->gs->all.len);
    ck_assert_int_eq(memcmp(x->gs->all.text, y->gs->all.text, x->gs->all.len),
                     0);
    for (size_t i = 0; i < x->gs->n_groups; i++) {
        ck_assert_uint_eq(x->gs->groups[i].key, y->gs->groups[i].key);
        ck_assert_uint_eq(x->gs->groups[i].type, y->gs->groups[i].type);
    }
    ck_assert_int_ne(memcmp(x->gs->all.text, z->gs->all.text, x->gs->all.len),
                     0);
    for (size_t i = 0; i < x->gs->n_groups; i++) {
        size_t n;
        const char *id = app_group_id(x, i, &n);
        ck_assert_uint_eq(n, 14);
        ck_assert_int_eq(memcmp(id, "@TGS#", 5), 0);
        ck_assert_ptr_null(group_id_problem(id, n, x->gs->groups[i].type));
    }
    fixture_release(&a);
    fixture_release(&b);
    fixture_release(&c);
}
END_TEST

static const int custom_lengths[] = {11, 12, 20, 48};

/* The IDs a seed gives never change from one version to the next: a
 * user's fixture names groups a test of theirs may look for. */
START_TEST(generated_ids_are_stable)
{
    static const struct {
        size_t at;
        const char *id;
    } want[] = {{0, "@TGS#2Y0PPTGQG"},
                {1, "@TGS#1YX706EHS"},
                {2, "@TGS#2IVYWGCB9"},
                {599, "@TGS#_0LHMNWNM"}};
    struct fixture fx;
    load_generated(&fx, "", 5, "server", 24);
    const struct app *a = fx.store->apps[0];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t n;
        const char *id = app_group_id(a, want[i].at, &n);
        ck_assert_msg(n == strlen(want[i].id) && memcmp(id, want[i].id, n) == 0,
                      "group %zu: %.*s, not %s", want[i].at, (int)n, id,
                      want[i].id);
    }
    fixture_release(&fx);
}
END_TEST

START_TEST(generated_custom_ids)
{
    struct fixture fx;
    int len = custom_lengths[_i];
    load_generated(&fx, "", 7, "custom", len);
    const struct app *a = fx.store->apps[0];
    ck_assert_uint_eq(a->gs->n_groups, 600);
    for (size_t i = 0; i < a->gs->n_groups; i++) {
        size_t n;
        const char *id = app_group_id(a, i, &n);
        ck_assert_uint_eq(n, (size_t)len);
        ck_assert_ptr_null(group_id_problem(id, n, a->gs->groups[i].type));
        ck_assert_int_eq(memcmp(id, "@TGS#", 5) == 0,
                         a->gs->groups[i].type == GT_COMMUNITY);
    }
    fixture_release(&fx);
}
END_TEST

START_TEST(big_cursors)
{
    struct fixture fx;
    load_generated(&fx, "\"cursors\":{\"big\":true},", 1, "server", 24);
    const struct app *a = fx.store->apps[0];
    int inexact = 0;
    for (size_t i = 0; i < a->gs->n_groups; i++) {
        uint64_t k = a->gs->groups[i].key;
        ck_assert_uint_gt(k, 1ULL << 53);
        inexact += (uint64_t)(double)k != k;
    }
    ck_assert_int_gt(inexact, 0); /* doubles get these wrong */
    unsigned char *seen = calloc(a->gs->n_groups, 1);
    ck_assert_uint_eq(pull(a, GT_ALL, 7, seen), 600);
    free(seen);
    fixture_release(&fx);
}
END_TEST

/* SPEC section 3: while groups are created and deleted during a pull,
 * every group that exists for the whole pull comes exactly once. */
START_TEST(paging_while_groups_change)
{
    struct fixture fx;
    load_generated(&fx, "", 11, "server", 24);
    struct app *a = fx.store->apps[0];
    size_t n0 = a->gs->n_groups, changes = n0 / 25;
    char(*ids)[16] = calloc(n0 + 100, sizeof *ids);
    unsigned char *stays = calloc(n0, 1), *seen = calloc(n0, 1);
    for (size_t i = 0; i < n0; i++) {
        size_t n;
        const char *id = app_group_id(a, i, &n);
        memcpy(ids[i], id, n);
        stays[i] = 1;
    }
    uint64_t next = 0;
    struct page p;
    int round = 0;
    do {
        page_cut(a, a->gs, GT_ALL, next, 25, &p);
        for (size_t i = 0; i < p.count; i++) {
            size_t n;
            const char *id = app_group_id(a, page_group(&p, i), &n);
            for (size_t j = 0; j < n0; j++)
                if (strncmp(ids[j], id, n) == 0 && ids[j][n] == '\0') {
                    ck_assert_msg(!seen[j], "%s twice", ids[j]);
                    seen[j] = 1;
                }
        }
        next = p.next;
        /* between pages: delete two groups, one behind the cursor and one
         * ahead of it, and create one */
        if (next && (size_t)round < changes) {
            size_t behind = (size_t)(round * 7) % (page_group(&p, 0) + 1);
            size_t ahead = a->gs->n_groups - 1 - (size_t)round % 3;
            for (size_t j = 0; j < n0; j++) {
                size_t n;
                const char *g = app_group_id(a, ahead, &n);
                if (strncmp(ids[j], g, n) == 0 && ids[j][n] == '\0')
                    stays[j] = 0;
                g = app_group_id(a, behind, &n);
                if (strncmp(ids[j], g, n) == 0 && ids[j][n] == '\0')
                    stays[j] = 0;
            }
            size_t n1, n2;
            const char *g1 = app_group_id(a, ahead, &n1);
            const char *g2 = app_group_id(a, behind, &n2);
            char del1[64], del2[64], id[32];
            snprintf(del1, sizeof del1, "%.*s", (int)n1, g1);
            snprintf(del2, sizeof del2, "%.*s", (int)n2, g2);
            snprintf(id, sizeof id, "new-%d", round);
            const char *dels[] = {del1, del2}, *adds[] = {id};
            const int types[] = {GT_PUBLIC};
            struct app_change ch = {adds, types, 1,
                                    NULL, dels,  strcmp(del1, del2) ? 2u : 1u};
            char why[128];
            ck_assert_msg(app_change(a, &ch, why, sizeof why) == 0, "%s", why);
        }
        round++;
        /* 24 full pages of the 600 groups there were, then pages of the
         * one group the round before created, until a deletion ahead takes
         * it: 28 rounds; a pull that goes on much longer never ends */
        /* changes only while the pull is among the groups there were
         * (changes rounds), each adding one: then it ends within
         * (n0 + changes) / 25 + 2 pages */
        ck_assert_msg((size_t)round <= (n0 + changes) / 25 + 2,
                      "%d pages of 25 for %zu groups, and no end", round, n0);
    } while (next);
    for (size_t j = 0; j < n0; j++)
        if (stays[j])
            ck_assert_msg(seen[j], "%s, there all along, never came", ids[j]);
    free(ids);
    free(stays);
    free(seen);
    fixture_release(&fx);
}
END_TEST

/* The items of a page as the answer wrote them before they were rendered
 * in the snapshot: {"GroupId":<the ID as a JSON string>} per group, commas
 * between. */
static void items_by_hand(const struct page *p, struct buf *b)
{
    buf_reset(b);
    for (size_t i = 0; i < p->count; i++) {
        size_t n;
        const char *id = groupset_id(p->gs, page_group(p, i), &n);
        ck_assert_int_eq((i ? buf_append(b, ",", 1) : 0) |
                             buf_puts(b, "{\"GroupId\":") |
                             answer_json_string(b, id, n) | buf_puts(b, "}"),
                         0);
    }
}

/* Every page of every type at limit, walked from cursor 0: its slice of
 * rendered items must be those bytes.  Returns the pages walked. */
static size_t walk_items(const struct app *a, struct groupset *gs,
                         uint32_t limit)
{
    struct buf want;
    size_t pages = 0;
    buf_init(&want, SIZE_MAX / 2);
    for (int t = GT_ALL; t < GT_COUNT; t++) {
        struct page p = {.next = 0};
        do {
            page_cut(a, gs, t, p.next, limit, &p);
            items_by_hand(&p, &want);
            ck_assert_msg(
                p.items_len == want.len &&
                    (!want.len || memcmp(p.items, want.data, want.len) == 0),
                "app %llu type %d limit %u: items differ at %.40s",
                (unsigned long long)a->sdkappid, t, limit,
                want.len ? want.data : "");
            pages++;
        } while (p.next && p.count);
    }
    buf_release(&want);
    return pages;
}

/* The shipped fixtures but the 10-million-group one, and the listed one
 * (an ID with quotes in it). */
START_TEST(items_are_the_ids_rendered)
{
    static const char *const shipped[] = {
        "big-cursors.json",      "capture-2015.json", "chaos.json",
        "client.json",           "default.json",      "empty.json",
        "envelope-extras.json",  "error-texts.json",  "get-like-post.json",
        "limit-10018-edge.json", "limit-10018.json",  "rate-limit.json",
        "regions.json",          "use-70020.json",    "v1-strict.json"};
    static const uint32_t page_limits[] = {1, 3, 10000};
    size_t pages = 0;
    for (size_t f = 0; f <= sizeof shipped / sizeof shipped[0]; f++) {
        struct fixture fx;
        if (f == sizeof shipped / sizeof shipped[0]) {
            load_listed(&fx, "");
        } else {
            char path[512], err[512];
            snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, shipped[f]);
            ck_assert_msg(fixture_load_file(path, &fx, err, sizeof err) == 0,
                          "%s: %s", shipped[f], err);
        }
        for (size_t i = 0; i < fx.store->n_apps; i++)
            for (size_t l = 0; l < sizeof page_limits / sizeof page_limits[0];
                 l++)
                pages += walk_items(fx.store->apps[i], fx.store->apps[i]->gs,
                                    page_limits[l]);
        fixture_release(&fx);
    }
    ck_assert_uint_gt(pages, 100000);
}
END_TEST

/* A change renders a new snapshot: its items, IDs with escapes among
 * them, are right, and the old snapshot's are untouched. */
START_TEST(items_after_a_change)
{
    struct fixture fx;
    struct app *a = load_listed(&fx, "");
    struct groupset *old = app_groups(a);
    const char *ids[] = {"new \\\\ one", "tab\"s", "plain"};
    const int types[] = {GT_PUBLIC, GT_PRIVATE, GT_PUBLIC};
    const char *gone[] = {"work-1", "pub \"quoted\""};
    struct app_change ch = {ids, types, 3, NULL, gone, 2};
    char why[160];
    ck_assert_int_eq(app_change(a, &ch, why, sizeof why), 0);
    struct groupset *now = app_groups(a);
    ck_assert_uint_eq(now->n_groups, 7);
    /* 4 Public, 1 each of Private, ChatRoom, Community; the last page of
     * each has a Next (the quirk), so one empty page follows it */
    ck_assert_uint_eq(walk_items(a, now, 1), 8 + 5 + 2 + 2 + 1 + 1 + 2);
    ck_assert_uint_eq(walk_items(a, now, 2), 5 + 3 + 2 + 2 + 1 + 1 + 2);
    walk_items(a, old, 1);
    size_t n;
    const char *id = groupset_id(now, 5, &n);
    ck_assert_uint_eq(n, strlen("tab\"s"));
    ck_assert_int_eq(memcmp(id, "tab\"s", n), 0);
    groupset_release(old);
    groupset_release(now);
    fixture_release(&fx);
}
END_TEST

/* Public groups with keys of their own: rows 0 a, 2 c, 3 d, 5 f are
 * Public, rows 1 b, 4 e Private; the Public pull's Next after c was 15. */
static const char typed[] =
    "{\"apps\":[{\"sdkappid\":1,\"admins\":[\"a\"],\"key\":\"k\","
    "\"quirks\":{\"next_on_last_page\":false},\"cursors\":{\"max_step\":1},"
    "\"group_columns\":{\"types\":\"PVPPVP\","
    "\"ids\":\"a\\nb\\nc\\nd\\ne\\nf\\n\","
    "\"cursors\":[[0,20],[1,30]],"
    "\"type_cursors\":{\"P\":[[2,15]]}}}]}";

/* The IDs of a page, one after another, and its Next. */
static const char *ids_of(const struct page *p)
{
    static char out[256];
    size_t len = 0;
    for (size_t i = 0; i < p->count; i++)
        len +=
            (size_t)snprintf(out + len, sizeof out - len, "%s ", id_of(p, i));
    snprintf(out + len, sizeof out - len, "%llu", (unsigned long long)p->next);
    return out;
}

/* A typed page of a type with keys of its own is cut by them and answers
 * them as Next; the pages of all types and of other types keep the groups'
 * keys. */
START_TEST(typed_pages_by_type_keys)
{
    struct fixture fx;
    tu_fixture(&fx, typed);
    struct app *a = fx.store->apps[0];
    struct page p;
    /* Public: a 14, c 15, d 16, f 17 */
    page_cut(a, a->gs, GT_PUBLIC, 0, 2, &p);
    ck_assert_str_eq(ids_of(&p), "a c 15");
    ck_assert_uint_eq(p.total, 4);
    static const char items[] = "{\"GroupId\":\"a\"},{\"GroupId\":\"c\"}";
    ck_assert_uint_eq(p.items_len, strlen(items));
    ck_assert_int_eq(memcmp(p.items, items, p.items_len), 0);
    page_cut(a, a->gs, GT_PUBLIC, p.next, 2, &p);
    ck_assert_str_eq(ids_of(&p), "d f 0");
    page_cut(a, a->gs, GT_PUBLIC, 14, 2, &p);
    ck_assert_str_eq(ids_of(&p), "c d 16");
    page_cut(a, a->gs, GT_PUBLIC, 13, 1, &p);
    ck_assert_str_eq(ids_of(&p), "a 14");
    /* all types: a 20, b 30, c 31, d 32, e 33, f 34 */
    page_cut(a, a->gs, GT_ALL, 0, 3, &p);
    ck_assert_str_eq(ids_of(&p), "a b c 31");
    page_cut(a, a->gs, GT_ALL, 15, 1, &p);
    ck_assert_str_eq(ids_of(&p), "a 20");
    /* Private: b 30, e 33 */
    page_cut(a, a->gs, GT_PRIVATE, 0, 1, &p);
    ck_assert_str_eq(ids_of(&p), "b 30");
    page_cut(a, a->gs, GT_PRIVATE, 30, 1, &p);
    ck_assert_str_eq(ids_of(&p), "e 0");
    fixture_release(&fx);
}
END_TEST

/* Groups created and deleted: the kept Public groups keep their type keys,
 * a created one takes one more than the highest the type ever had, even
 * when the group that had it is gone. */
START_TEST(type_keys_after_a_change)
{
    struct fixture fx;
    tu_fixture(&fx, typed);
    struct app *a = fx.store->apps[0];
    const char *ids[] = {"g", "h"};
    const int types[] = {GT_PUBLIC, GT_PRIVATE};
    const char *gone[] = {"f", "c"};
    struct app_change ch = {ids, types, 2, NULL, gone, 2};
    char why[160];
    ck_assert_int_eq(app_change(a, &ch, why, sizeof why), 0);
    struct groupset *now = app_groups(a);
    struct page p;
    /* Public: a 14, d 16, g 18 */
    page_cut(a, now, GT_PUBLIC, 0, 2, &p);
    ck_assert_str_eq(ids_of(&p), "a d 16");
    page_cut(a, now, GT_PUBLIC, 16, 2, &p);
    ck_assert_str_eq(ids_of(&p), "g 0");
    page_cut(a, now, GT_PUBLIC, 17, 1, &p);
    ck_assert_str_eq(ids_of(&p), "g 0");
    ck_assert_uint_eq(now->type_keys[GT_PUBLIC][2], 18);
    ck_assert_ptr_null(now->type_keys[GT_PRIVATE]);
    page_cut(a, now, GT_PRIVATE, 0, 5, &p);
    ck_assert_str_eq(ids_of(&p), "b e h 0");
    groupset_release(now);
    fixture_release(&fx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("page");
    TCase *tc = tcase_create("page");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pages_in_order);
    tcase_add_test(tc, last_page_quirk_off);
    tcase_add_test(tc, type_filter_and_any_cursor);
    tcase_add_loop_test(tc, full_pulls_of_default, 0,
                        sizeof limits / sizeof limits[0]);
    tcase_add_test(tc, generated_is_deterministic);
    tcase_add_test(tc, generated_ids_are_stable);
    tcase_add_loop_test(tc, generated_custom_ids, 0,
                        sizeof custom_lengths / sizeof custom_lengths[0]);
    tcase_add_test(tc, big_cursors);
    tcase_add_test(tc, paging_while_groups_change);
    tcase_add_test(tc, items_are_the_ids_rendered);
    tcase_add_test(tc, items_after_a_change);
    tcase_add_test(tc, typed_pages_by_type_keys);
    tcase_add_test(tc, type_keys_after_a_change);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
