/*
 * target: what the suite runs against, and with which credentials.
 *
 * --mock starts one timock per fixture that the selected cases name, each
 * on a free port of 127.0.0.1, and reads the fixture for the app's
 * credentials; --url and --region use the credentials of the environment
 * (TIM_SDKAPPID, TIM_IDENTIFIER, TIM_SECRET_KEY, TIM_NONADMIN_IDENTIFIER).
 */
#ifndef TIM_TARGET_H
#define TIM_TARGET_H

#include <stdint.h>
#include <sys/types.h>

/* Who calls, on one app. */
struct creds {
    uint64_t sdkappid;
    char admin[128];
    char nonadmin[128]; /* "" when unknown */
    char key[256];
    char region[32]; /* the app's region, "" when any */
};

/* One place to send requests to. */
struct endpoint {
    char base_url[256];
    const char *region; /* for a region target, else NULL */
    const char *connect_to;
    const char *cacert;
    int insecure;
    struct creds creds;
};

/* A running timock serving one fixture. */
struct mock_server {
    char fixture[256];
    pid_t pid;
    int port;
};

struct target {
    int mock;
    const char *timock;       /* the program, for --mock */
    const char *fixtures_dir; /* for --mock */
    struct mock_server *servers;
    size_t n_servers;
    struct endpoint remote; /* --url / --region */
};

/* target_fixture_path: the file of fixture, a path (it holds a '/') or a
 * shipped file name in fixtures_dir, into path (size n). */
void target_fixture_path(const struct target *t, const char *fixture,
                         char *path, size_t n);

/* target_start_mock: starts timock on fixture (a file name in
 * fixtures_dir) unless it runs already.  Returns 0, or -1 with err. */
int target_start_mock(struct target *t, const char *fixture, char *err,
                      size_t errlen);

/* target_endpoint: where a case on fixture's app number app goes, with its
 * credentials.  Returns 0, or -1 with err. */
int target_endpoint(const struct target *t, const char *fixture, int app,
                    struct endpoint *out, char *err, size_t errlen);

/* target_stop: stops every timock started and frees the list. */
void target_stop(struct target *t);

#endif
