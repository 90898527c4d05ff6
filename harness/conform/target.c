/* target: timock per fixture, or a remote target (target.h). */
#include "target.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "fixture.h" /* the mock's FIXTURE_FILE_MAX */
#include "jsonget.h"

void target_fixture_path(const struct target *t, const char *fixture,
                         char *path, size_t n)
{
    if (strchr(fixture, '/'))
        snprintf(path, n, "%s", fixture);
    else
        snprintf(path, n, "%s/%s", t->fixtures_dir, fixture);
}

int target_start_mock(struct target *t, const char *fixture, char *err,
                      size_t errlen)
{
    for (size_t i = 0; i < t->n_servers; i++)
        if (strcmp(t->servers[i].fixture, fixture) == 0)
            return 0;
    char path[1024];
    target_fixture_path(t, fixture, path, sizeof path);
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "fixture %s cannot be read", path);
        return -1;
    }
    struct mock_server *v = realloc(t->servers, (t->n_servers + 1) * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->servers = v;
    struct mock_server *s = &t->servers[t->n_servers];
    snprintf(s->fixture, sizeof s->fixture, "%s", fixture);
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, errlen, "pipe failed: %s", strerror(errno));
        return -1;
    }
    s->pid = fork();
    if (s->pid < 0) {
        snprintf(err, errlen, "fork failed: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (s->pid == 0) {
        if (dup2(fds[1], 1) < 0)
            _exit(127);
        close(fds[0]);
        close(fds[1]);
        /* one request at a time: 64 threads, not a mock's default 1024,
         * for each of the dozen fixtures a run may start at once; a
         * timock without a slash is looked for on PATH */
        execlp(t->timock, t->timock, "--fixture", path, "--port", "0",
               "--quiet", "--threads", "64", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[256] = "";
    int ok =
        out && fgets(line, sizeof line, out) &&
        sscanf(line, "timock listening on http://127.0.0.1:%d", &s->port) == 1;
    if (out)
        fclose(out);
    else
        close(fds[0]);
    if (!ok) {
        snprintf(err, errlen,
                 "%s did not start on %s (give --timock, or put timock on "
                 "PATH)",
                 t->timock, path);
        if (s->pid > 0) {
            kill(s->pid, SIGTERM);
            waitpid(s->pid, NULL, 0);
        }
        return -1;
    }
    t->n_servers++;
    return 0;
}

static void copy_string(char *out, size_t n, const cJSON *v)
{
    snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* The credentials of app number app of a fixture file. */
static int fixture_creds(const char *path, int app, struct creds *c, char *err,
                         size_t errlen)
{
    char why[128];
    size_t n = 0;
    char *text = cases_read_file(path, FIXTURE_FILE_MAX, "a fixture file", &n,
                                 err, errlen);
    if (!text)
        return -1;
    cJSON *root = jsonget_parse(text, n, why, sizeof why);
    free(text);
    const cJSON *apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
    const cJSON *a = cJSON_GetArrayItem(apps, app);
    int rc = -1;
    if (!root) {
        snprintf(err, errlen, "%s: %s", path, why);
        goto out;
    }
    if (!cJSON_IsObject(a)) {
        snprintf(err, errlen, "%s has no app number %d", path, app);
        goto out;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "sdkappid");
    c->sdkappid = 0; /* the mock refuses the fixture then: it says why */
    jsonget_u64(id, 1, UINT32_MAX, &c->sdkappid);
    copy_string(
        c->admin, sizeof c->admin,
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a, "admins"), 0));
    copy_string(c->nonadmin, sizeof c->nonadmin,
                cJSON_GetArrayItem(
                    cJSON_GetObjectItemCaseSensitive(a, "identifiers"), 0));
    copy_string(c->key, sizeof c->key,
                cJSON_GetObjectItemCaseSensitive(a, "key"));
    copy_string(c->region, sizeof c->region,
                cJSON_GetObjectItemCaseSensitive(a, "region"));
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int target_endpoint(const struct target *t, const char *fixture, int app,
                    struct endpoint *out, char *err, size_t errlen)
{
    if (!t->mock) {
        *out = t->remote;
        return 0;
    }
    for (size_t i = 0; i < t->n_servers; i++) {
        const struct mock_server *s = &t->servers[i];
        if (strcmp(s->fixture, fixture) != 0)
            continue;
        memset(out, 0, sizeof *out);
        snprintf(out->base_url, sizeof out->base_url, "http://127.0.0.1:%d",
                 s->port);
        char path[1024];
        target_fixture_path(t, fixture, path, sizeof path);
        return fixture_creds(path, app, &out->creds, err, errlen);
    }
    snprintf(err, errlen, "no timock serves %s", fixture);
    return -1;
}

void target_stop(struct target *t)
{
    for (size_t i = 0; i < t->n_servers; i++) {
        kill(t->servers[i].pid, SIGTERM);
        waitpid(t->servers[i].pid, NULL, 0);
    }
    free(t->servers);
    t->servers = NULL;
    t->n_servers = 0;
}
