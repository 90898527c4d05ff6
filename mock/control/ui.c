/* ui: the dashboard's files (ui.h). */
#include "ui.h"

#include <stdio.h>
#include <string.h>

/* The files, compiled in by cmake/embed.cmake (mock/CMakeLists.txt). */
extern const char ui_index_html[], ui_app_js[], ui_style_css[],
    ui_favicon_svg[];
extern const size_t ui_index_html_len, ui_app_js_len, ui_style_css_len,
    ui_favicon_svg_len;

/* What every file of the page is sent with: never cached, never sniffed,
 * never framed, and only the page's own script, style and origin. */
#define UI_HEADERS                                                             \
    "Cache-Control: no-store\r\n"                                              \
    "X-Content-Type-Options: nosniff\r\n"                                      \
    "Referrer-Policy: no-referrer\r\n"                                         \
    "Content-Security-Policy: default-src 'none'; script-src 'self'; "         \
    "style-src 'self'; img-src 'self'; connect-src 'self'; "                   \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"

static const struct {
    const char *name; /* after /__admin/ui/ */
    const char *type;
    const char *data;
    const size_t *len;
} files[] = {
    {"", "text/html; charset=utf-8", ui_index_html, &ui_index_html_len},
    {"index.html", "text/html; charset=utf-8", ui_index_html,
     &ui_index_html_len},
    {"app.js", "text/javascript; charset=utf-8", ui_app_js, &ui_app_js_len},
    {"style.css", "text/css; charset=utf-8", ui_style_css, &ui_style_css_len},
    {"favicon.svg", "image/svg+xml", ui_favicon_svg, &ui_favicon_svg_len},
};

int ui_path(const char *path)
{
    size_t n = sizeof UI_PATH - 1;
    return strncmp(path, UI_PATH, n) == 0 &&
           (path[n] == '\0' || path[n] == '/');
}

/* A short text answer (errors, the redirect), plain text. */
static void text(struct api_answer *ans, int status, const char *msg)
{
    ans->status = status;
    ans->content_type = "text/plain; charset=utf-8";
    buf_reset(&ans->body);
    if (buf_puts(&ans->body, msg) != 0) {
        ans->status = 500;
        buf_reset(&ans->body);
    }
}

void ui_handle(const struct api_request *req, struct api_answer *ans)
{
    const char *name = req->path + sizeof UI_PATH - 1;
    ans->error_code = -1;
    ans->headers = UI_HEADERS;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        text(ans, 405, "the dashboard's files take GET and HEAD\n");
        return;
    }
    if (*name == '\0') {
        ans->headers = UI_HEADERS "Location: " UI_PATH "/\r\n";
        text(ans, 302, "the dashboard is at " UI_PATH "/\n");
        return;
    }
    name++; /* the '/' */
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(name, files[i].name) != 0)
            continue;
        ans->status = 200;
        ans->content_type = files[i].type;
        buf_reset(&ans->body);
        if (buf_append(&ans->body, files[i].data, *files[i].len) != 0)
            text(ans, 500, "out of memory\n");
        return;
    }
    text(ans, 404, "the dashboard has no such file\n");
}
