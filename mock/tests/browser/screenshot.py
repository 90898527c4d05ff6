#!/usr/bin/python3
"""Saves a PNG of each view of the dashboard (ci/screenshot).

Usage: screenshot.py TIMOCK TIMSIG DEFAULT_FIXTURE OUT_DIR

Starts timock on a free port, gives it something to show (a whole pull, a
request without random, a fault rule that fired, another waiting), then
opens each view in headless Chromium and saves OUT_DIR/VIEW.png.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard  # noqa: E402
from test_dashboard import ADMIN, Page, default_app  # noqa: E402

VIEWS = ["apps", "journal", "pull", "faults", "actions"]


def setup(mock, timsig, fixture):
    app, _, key = default_app(fixture)
    sig = dashboard.usersig(timsig, key, app, ADMIN)
    q = lambda r: dashboard.query(app, ADMIN, sig, r)  # noqa: E731
    mock.admin("POST", "/faults", {"match": {"next_nonzero": True},
                                   "action": {"error_code": 10002},
                                   "times": 1})
    mock.admin("POST", "/faults", {"match": {"every_nth": 5},
                                   "action": {"http_status": 503}})
    nxt, r = 0, 0
    while r < 12:
        r += 1
        try:
            ans = mock.api(q(r), '{"Limit":5000,"Next":%d}' % nxt)
        except ValueError:
            continue  # the 503's gateway page: asked again
        if ans.get("ErrorCode") != 0:
            continue  # the 10002 in the middle: asked again
        nxt = ans["Next"]
        if nxt == 0:
            break
    mock.api(dashboard.query(app, ADMIN, sig), '{"Limit":5}')
    mock.api(q(99), '{"limit":5,"Next":"0"}')
    mock.admin("DELETE", "/faults/2")
    return app


def main():
    if len(sys.argv) != 5:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    missing = dashboard.browser_missing()
    if missing:
        print("screenshot: missing " + missing, file=sys.stderr)
        return 1
    timock, timsig, fixture, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    mock = dashboard.Timock(timock)
    browser = None
    try:
        setup(mock, timsig, fixture)
        browser = dashboard.Browser(1200, 760)
        page = Page(browser)
        page.d.get(mock.base + "/__admin/ui/")
        page.until(lambda: page.all(".app .bar"), "the apps")
        for view in VIEWS:
            page.tab(view)
            if view == "journal":
                page.until(lambda: page.rows(), "journal rows")
                page.click("#j-space .jrow:nth-child(2)", "a row")
            elif view == "pull":
                page.find("#p-identifier").send_keys(ADMIN)
                page.find("#p-draw").click()
                page.until(lambda: page.all("#p-verify .verdict"),
                           "the pull's verdict")
            elif view == "faults":
                page.until(lambda: page.all("#faults tbody tr"), "rules")
            elif view == "actions":
                page.find("#v-identifier").send_keys(ADMIN)
                page.find("#a-verify").click()
                page.until(lambda: page.all("#v-result .verdict"),
                           "the verdict")
            path = os.path.join(out, view + ".png")
            browser.driver.save_screenshot(path)
            print(path)
    finally:
        if browser:
            browser.quit()
        mock.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
