/* Unit tests: the cache of verified UserSigs answers as usersig_verify
 * does, on first sight and on every later one. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "sigcache.h"
#include "testutil.h"
#include "usersig.h"

/* Each row asks twice (a miss, then maybe a hit) and expects both codes to
 * equal usersig_verify's. */
static const struct {
    const char *made_for; /* identifier in the UserSig */
    const char *asked_as; /* identifier in the URL */
    const char *key;      /* key it was made with */
    int64_t made, now;
    int code;
} rows[] = {
    {"admin", "admin", TU_KEY, TU_NOW, TU_NOW, TIM_ERR_OK},
    {"admin", "admin", TU_KEY, TU_NOW, TU_NOW + 86400, TIM_ERR_OK},
    {"admin", "admin", TU_KEY, TU_NOW, TU_NOW + 86401, TIM_ERR_SIG_EXPIRED},
    {"admin", "other", TU_KEY, TU_NOW, TU_NOW, TIM_ERR_SIG_IDENTIFIER},
    {"admin", "admin", "another key", TU_NOW, TU_NOW, TIM_ERR_SIG_MISMATCH},
};

START_TEST(same_answers_as_verify)
{
    struct sigcache c;
    ck_assert_int_eq(sigcache_init(&c), 0);
    char *sig = tu_sig(rows[_i].key, TU_APP, rows[_i].made_for, rows[_i].made);
    for (int round = 0; round < 3; round++)
        ck_assert_int_eq(sigcache_verify(&c, sig, TU_KEY, TU_APP,
                                         rows[_i].asked_as, rows[_i].now),
                         rows[_i].code);
    ck_assert_int_eq(usersig_verify(sig, TU_KEY, TU_APP, rows[_i].asked_as,
                                    rows[_i].now, NULL),
                     rows[_i].code);
    free(sig);
    sigcache_release(&c);
}
END_TEST

START_TEST(hit_checks_expiry_and_identifier_again)
{
    struct sigcache c;
    ck_assert_int_eq(sigcache_init(&c), 0);
    char *sig = tu_sig(TU_KEY, TU_APP, "admin", TU_NOW);
    ck_assert_int_eq(sigcache_verify(&c, sig, TU_KEY, TU_APP, "admin", TU_NOW),
                     TIM_ERR_OK);
    /* cached now: later, it expires; another identifier never matches */
    ck_assert_int_eq(
        sigcache_verify(&c, sig, TU_KEY, TU_APP, "admin", TU_NOW + 86401),
        TIM_ERR_SIG_EXPIRED);
    ck_assert_int_eq(sigcache_verify(&c, sig, TU_KEY, TU_APP, "other", TU_NOW),
                     TIM_ERR_SIG_IDENTIFIER);
    ck_assert_int_eq(sigcache_verify(&c, "", TU_KEY, TU_APP, "admin", TU_NOW),
                     TIM_ERR_SIG_EMPTY);
    ck_assert_int_eq(sigcache_verify(&c, NULL, TU_KEY, TU_APP, "admin", TU_NOW),
                     TIM_ERR_SIG_EMPTY);
    /* a one-byte change of a cached UserSig is not a hit */
    sig[strlen(sig) / 2] ^= 1;
    ck_assert_int_ne(sigcache_verify(&c, sig, TU_KEY, TU_APP, "admin", TU_NOW),
                     TIM_ERR_OK);
    free(sig);
    sigcache_release(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sigcache");
    TCase *tc = tcase_create("sigcache");
    tcase_add_loop_test(tc, same_answers_as_verify, 0,
                        sizeof rows / sizeof rows[0]);
    tcase_add_test(tc, hit_checks_expiry_and_identifier_again);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
