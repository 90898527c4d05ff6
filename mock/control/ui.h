/*
 * ui: the dashboard's files, under /__admin/ui/.
 *
 * The dashboard is one page (mock/ui/: index.html, app.js, style.css and
 * its icon favicon.svg) compiled into the binary, with no build step and
 * nothing fetched from elsewhere: it reads and drives the mock through the
 * admin API only.
 * ui_handle answers a GET or HEAD of its files, each with its
 * Content-Type, Cache-Control: no-store and a Content-Security-Policy that
 * lets the page run its own script and style and reach its own origin, and
 * nothing else (no inline script, no frame, no form post).  The files hold
 * no data of the mock, so control lets a browser load them without the
 * admin token, under every other rule of the admin API; every call the page
 * then makes needs the token when one is set.  No sockets; thread-safe
 * (the files are constants).
 */
#ifndef TIM_UI_H
#define TIM_UI_H

#include "api.h"

#define UI_PATH "/__admin/ui"

/* ui_path: 1 when path is /__admin/ui or under /__admin/ui/. */
int ui_path(const char *path);

/* ui_handle: answers a request whose path ui_path takes, into ans: 200
 * with the file, a 302 from /__admin/ui to /__admin/ui/, 404 for a file the
 * dashboard does not have, 405 for a method other than GET and HEAD. */
void ui_handle(const struct api_request *req, struct api_answer *ans);

#endif
