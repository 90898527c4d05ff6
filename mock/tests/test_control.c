/* Unit tests: who may call the admin API (control_handle's gate), without
 * sockets: a peer off loopback is refused unless a token is set, and then
 * needs the token and an allowed Host like any other caller. */
#include <check.h>
#include <stdlib.h>

#include "control.h"

static const struct gate_row {
    const char *token;         /* --admin-token, or NULL */
    const char *admin_hosts;   /* --admin-host list, or NULL */
    int peer_loopback;         /* the peer is on 127.0.0.0/8 */
    const char *host;          /* the Host header */
    const char *authorization; /* the Authorization header, or NULL */
    int status;                /* the answer's HTTP status */
} gate_rows[] = {
    {NULL, NULL, 1, "127.0.0.1:8080", NULL, 200},
    {NULL, NULL, 0, "127.0.0.1:8080", NULL, 403},
    {NULL, "timock", 0, "timock:8080", NULL, 403},
    {"s3cret", NULL, 1, "127.0.0.1:8080", "Bearer s3cret", 200},
    {"s3cret", NULL, 1, "127.0.0.1:8080", NULL, 401},
    {"s3cret", NULL, 0, "localhost:8080", "Bearer s3cret", 200},
    {"s3cret", NULL, 0, "localhost:8080", "Bearer s3cre", 401},
    {"s3cret", NULL, 0, "localhost:8080", NULL, 401},
    {"s3cret", "timock", 0, "timock:8080", "Bearer s3cret", 200},
    {"s3cret", "timock", 0, "timock:8080", NULL, 401},
    {"s3cret", NULL, 0, "timock:8080", "Bearer s3cret", 403},
    {"s3cret", "timock", 0, "other:8080", "Bearer s3cret", 403},
};

START_TEST(test_gate)
{
    const struct gate_row *r = &gate_rows[_i];
    char err[256];
    struct control_options o = {
        .admin = 1, .admin_token = r->token, .admin_hosts = r->admin_hosts};
    struct control *c = control_new(&o, err, sizeof err);
    ck_assert_msg(c != NULL, "control_new: %s", err);
    struct control_request req = {
        .api = {.method = "GET", .path = "/__admin/apps", .host = r->host},
        .authorization = r->authorization,
        .peer_loopback = r->peer_loopback,
    };
    struct api_answer ans;
    api_answer_init(&ans);
    control_handle(c, &req, &ans);
    ck_assert_msg(ans.status == r->status,
                  "row %d (token %s, peer %s, Host %s, %s): status %d, "
                  "expected %d",
                  _i, r->token ? r->token : "none",
                  r->peer_loopback ? "loopback" : "remote", r->host,
                  r->authorization ? r->authorization : "no Authorization",
                  ans.status, r->status);
    api_answer_release(&ans);
    control_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control");
    TCase *tc = tcase_create("gate");
    tcase_add_loop_test(tc, test_gate, 0,
                        (int)(sizeof gate_rows / sizeof gate_rows[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
