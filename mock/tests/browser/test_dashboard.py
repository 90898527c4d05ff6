#!/usr/bin/python3
"""The dashboard in headless Chromium, driven by Selenium.

Usage: test_dashboard.py TIMOCK TIMSIG DEFAULT_FIXTURE

Starts the real timock on a free port, opens /__admin/ui/ and checks what a
person would: the default app's six bars carry the fixture's counts;
requests sent with curl appear in the journal with their deviation badges,
and the deviation filter keeps only theirs; a fault added from the form
fails the next request with it, and its Delete button removes it; Reset
empties the journal; verify gives its verdict and its reasons in place,
and the pull view marks a repeated Next and one never issued; with
--admin-token, the page asks for the token once and then works; with
10,000 entries in the journal, only the rows in sight are in the document.
Every wait is explicit and bounded (WebDriverWait), none is a sleep.

Without Chromium it fails with what is missing when TIM_REQUIRE_BROWSER is
set (ci/test sets it) or CI is; elsewhere it says so and exits 77 (ctest:
skipped).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard  # noqa: E402

WAIT_S = 30
ADMIN = "administrator"
TYPES = ["Public", "Private", "ChatRoom", "AVChatRoom", "BChatRoom",
         "Community"]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Page:
    def __init__(self, browser):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        self.d = browser.driver
        self.By = By
        self.wait = WebDriverWait(self.d, WAIT_S)

    def find(self, css):
        return self.d.find_element(self.By.CSS_SELECTOR, css)

    def all(self, css):
        return self.d.find_elements(self.By.CSS_SELECTOR, css)

    def until(self, fn, what):
        """Waits until fn() is truthy (WAIT_S at most); returns its value."""
        from selenium.common.exceptions import TimeoutException

        def probe(_):
            try:
                return fn()
            except Exception:  # an element replaced while it was read
                return None
        try:
            return self.wait.until(probe)
        except TimeoutException:
            raise AssertionError("waited %d s for %s" % (WAIT_S, what))

    def click(self, css, what):
        """Clicks the first element css finds, again if the page replaced
        it meanwhile (a view re-draws when its data arrives)."""
        def once():
            self.find(css).click()
            return True
        self.until(once, "a click on " + what)

    def text(self, css):
        return self.find(css).text

    def tab(self, name):
        self.find('#tabs button[data-view="%s"]' % name).click()
        self.until(lambda: self.find("#view-" + name).is_displayed(),
                   "the %s view" % name)

    def rows(self):
        """The journal rows in the document: (seq, ErrorCode, fault,
        badges), read in one call."""
        return [tuple(r) for r in self.d.execute_script(
            "return Array.from(document.querySelectorAll('#j-space .jrow'),"
            " r => [Number(r.dataset.seq), r.children[4].textContent,"
            "       r.children[7].textContent,"
            "       Array.from(r.querySelectorAll('.badge'),"
            "                  b => b.textContent)]);")]


def default_app(path):
    """The default fixture's app: its SDKAppID, counts per type, key."""
    with open(path) as f:
        a = json.load(f)["apps"][0]
    return a["sdkappid"], a["generate"]["counts"], a["key"]


def run(timock_path, timsig_path, fixture):
    app, counts, key = default_app(fixture)
    sig = dashboard.usersig(timsig_path, key, app, ADMIN)
    mock = dashboard.Timock(timock_path)
    browser = None
    try:
        browser = dashboard.Browser()
        page = Page(browser)
        page.d.get(mock.base + "/__admin/ui/")

        # the apps: the six bars carry the fixture's counts
        def bars():
            got = {t: page.text('.app[data-sdkappid="%d"] '
                                '.bar-value[data-type="%s"]' % (app, t))
                   for t in TYPES}
            return got if all(got.values()) else None
        got = page.until(bars, "the default app's bars")
        check(got == {t: str(counts[t]) for t in TYPES},
              "bars %r, the fixture has %r" % (got, counts))
        check(key not in page.d.page_source, "the app's key is on the page")

        # the journal: a clean request, then one without random
        page.tab("journal")
        clean = mock.api(dashboard.query(app, ADMIN, sig, 11),
                         '{"Limit":5,"Next":0}')
        check(clean["ErrorCode"] == 0, "the clean request: %r" % clean)
        mock.api(dashboard.query(app, ADMIN, sig), '{"Limit":5}')
        rows = page.until(lambda: len(page.rows()) == 2 and page.rows(),
                          "two journal rows")
        check(rows[0][0] > rows[1][0], "newest first: %r" % rows)
        check(rows[0][3] == ["no_random"] and rows[1][3] == [],
              "badges %r: the second request has no random" % rows)
        check(sig not in page.d.page_source, "a UserSig is on the page")
        # a click opens the whole entry, its secrets redacted
        page.click("#j-space .jrow", "the newest row")
        detail = page.until(lambda: page.find("#j-detail").text,
                            "the entry's detail")
        check('"usersig=REDACTED' in detail or "usersig=REDACTED" in detail,
              "the entry's query is not redacted: %s" % detail)
        # the deviation filter keeps only the deviating request
        from selenium.webdriver.support.ui import Select
        Select(page.find("#f-deviation")).select_by_value("no_random")
        page.until(lambda: [r[3] for r in page.rows()] == [["no_random"]],
                   "only the request without random")
        Select(page.find("#f-deviation")).select_by_value("")
        page.until(lambda: len(page.rows()) == 2, "both rows again")

        # a fault from the form: the preset "10002 once in the middle of
        # a pull", met by the next request that sends a Next
        page.tab("faults")
        page.find('.preset[data-preset="10002"]').click()
        page.find("#fault-add").click()
        page.until(lambda: len(page.all("#faults tbody tr")) == 1,
                   "the rule in the table")
        failed = mock.api(dashboard.query(app, ADMIN, sig, 12),
                          '{"Limit":5,"Next":%d}' % clean["Next"])
        check(failed["ErrorCode"] == 10002, "the faulted request: %r" % failed)
        page.tab("faults")
        page.until(lambda: page.all("#faults tbody tr td")[6].text == "1",
                   "the rule's fired counter at 1")
        page.tab("journal")
        page.until(lambda: page.rows()[0][1] == "10002" and
                   "10002" in page.rows()[0][2],
                   "the faulted row, its fault named")
        page.tab("faults")
        page.click("#faults tbody button.delete", "the rule's Delete")
        page.until(lambda: len(page.all("#faults tbody tr")) == 0,
                   "the rule deleted")
        status, faults = mock.admin("GET", "/faults")
        check(faults["faults"] == [], "faults left: %r" % faults)

        # reset: the journal empties
        page.tab("actions")
        page.find("#a-reset").click()
        page.until(lambda: page.text("#a-msg").startswith("reset"),
                   "the reset's message")
        status, j = mock.admin("GET", "/journal")
        check(j["entries"] == [], "the journal after reset: %r" % j)

        # verify: nothing pulled yet fails, with reasons; a whole pull passes
        page.find("#v-identifier").send_keys(ADMIN)
        page.find("#a-verify").click()
        page.until(lambda: page.text("#v-result .verdict") == "FAIL",
                   "the verdict FAIL")
        check(page.all('#v-result .result[data-expect="pulled_all"] li'),
              "no reason shown for pulled_all")
        nxt, r, issued = 0, 0, []
        while True:
            r += 1
            body = '{"Limit":10000,"Next":%d}' % nxt
            ans = mock.api(dashboard.query(app, ADMIN, sig, 100 + r), body)
            check(ans["ErrorCode"] == 0 and r < 10, "the pull: %r" % ans)
            nxt = ans["Next"]
            issued.append(nxt)
            if nxt == 0:
                break
        page.find("#a-verify").click()
        page.until(lambda: page.text("#v-result .verdict") == "PASS",
                   "the verdict PASS")

        # the pull view: one pull of r pages, none marked, and its verdict
        page.tab("pull")
        page.find("#p-identifier").send_keys(ADMIN)
        page.find("#p-draw").click()
        page.until(lambda: len(page.all("#pulls .pg")) == r,
                   "the %d pages of the pull" % r)
        check(len(page.all("#pulls .pull")) == 1, "not one pull")
        check(len(page.all("#pulls .pg.ok")) == r, "a page is marked")
        page.until(lambda: page.text("#p-verify .verdict") == "PASS",
                   "the pull's verdict")
        # then the first Next again after the end (a gap and a repeat), and
        # a Next the mock never issued
        check(r >= 2, "a pull of one page cannot repeat a Next")
        mock.api(dashboard.query(app, ADMIN, sig, 200),
                 '{"Limit":10000,"Next":%d}' % issued[0])
        never = max(issued) + 12345
        mock.api(dashboard.query(app, ADMIN, sig, 201),
                 '{"Limit":10000,"Next":%d}' % never)
        page.find("#p-draw").click()
        page.until(lambda: len(page.all("#pulls .pg")) == r + 2,
                   "the %d pages of the pull" % (r + 2))
        marks = [p.get_attribute("class") for p in page.all("#pulls .pg")]
        check(marks[:r] == ["pg ok"] * r and
              marks[r] == "pg gap repeat" and
              marks[r + 1].startswith("pg") and "unissued" in marks[r + 1],
              "the pages' marks: %r" % marks)
        page.until(lambda: page.text("#p-verify .verdict") == "FAIL",
                   "the pull's verdict FAIL")
        check(page.all('#p-verify .result[data-expect="followed_next"] li'),
              "no reason shown for followed_next")

        # a fixture loaded from the actions: its app names its profile
        page.tab("actions")
        page.find("#a-path").send_keys(
            os.path.join(os.path.dirname(fixture), "capture-2015.json"))
        page.find("#a-load").click()
        page.tab("apps")
        page.until(lambda: "profile: capture-2015" in page.text(".app .settings"),
                   "the loaded app's profile")
    finally:
        if browser:
            browser.quit()
        mock.stop()


def run_large(timock_path, timsig_path, fixture):
    """A full journal of 10,000 entries: the page keeps only the rows in
    sight in the document, and scrolls to the oldest."""
    app, counts, key = default_app(fixture)
    sig = dashboard.usersig(timsig_path, key, app, ADMIN)
    mock = dashboard.Timock(timock_path)
    browser = None
    n = 10000
    try:
        codes = dashboard.flood(
            mock, lambda i: dashboard.query(app, ADMIN, sig, 1000 + i), n)
        check(codes == {0}, "the flood's ErrorCodes: %r" % codes)
        browser = dashboard.Browser()
        page = Page(browser)
        page.d.get(mock.base + "/__admin/ui/#journal")
        page.until(lambda: page.text("#j-count") == "%d entries" % n,
                   "%d entries" % n)
        rows = page.rows()
        check(0 < len(rows) < 100, "%d rows in the document" % len(rows))
        newest = rows[0][0]
        page.d.execute_script(
            "const s = document.getElementById('j-scroll');"
            "s.scrollTop = s.scrollHeight;"
            "s.dispatchEvent(new Event('scroll'));")
        page.until(lambda: min(r[0] for r in page.rows()) == newest - n + 1,
                   "the oldest entry in sight")
        check(len(page.rows()) < 100, "rows after the scroll")
    finally:
        if browser:
            browser.quit()
        mock.stop()


def run_token(timock_path):
    """With --admin-token the page asks once, then reads the apps."""
    mock = dashboard.Timock(timock_path, "--admin-token", "s3cret")
    browser = None
    try:
        browser = dashboard.Browser()
        page = Page(browser)
        page.d.get(mock.base + "/__admin/ui/")
        page.until(lambda: page.find("#token-form").is_displayed(),
                   "the token form")
        check(not page.all(".app"), "apps shown without the token")
        page.find("#token").send_keys("s3cret")
        page.find("#token-form button").click()
        page.until(lambda: page.all(".app"), "the apps after the token")
        check(not page.find("#token-form").is_displayed(),
              "the token form stays")
    finally:
        if browser:
            browser.quit()
        mock.stop()


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    missing = dashboard.browser_missing()
    if missing:
        required = os.environ.get("TIM_REQUIRE_BROWSER") or \
            os.environ.get("CI")
        print("test_dashboard: cannot run the browser: missing %s%s" %
              (missing, "" if required else "; skipped"), file=sys.stderr)
        return 1 if required else 77
    run(sys.argv[1], sys.argv[2], sys.argv[3])
    run_token(sys.argv[1])
    run_large(sys.argv[1], sys.argv[2], sys.argv[3])
    print("test_dashboard: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
