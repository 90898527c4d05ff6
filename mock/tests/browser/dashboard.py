"""What the dashboard's browser test and ci/screenshot share.

Starts the real timock on 127.0.0.1 on a free port, sends API requests to
it with curl, calls its admin API, and opens headless Chromium through
Debian's chromedriver.  Every wait is bounded: nothing here can hang.
Run with /usr/bin/python3 (Debian's python3-selenium is installed for it).
"""
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
API_PATH = "/v4/group_open_http_svc/get_appid_group_list"
START_TIMEOUT_S = 30
CALL_TIMEOUT_S = 30


class Missing(Exception):
    """Chromium, chromedriver or Selenium is not installed."""


def browser_missing():
    """None when the browser can run, else what is missing."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return path + " (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium for " + os.sys.executable + \
            " (apt-get install python3-selenium; run /usr/bin/python3)"
    return None


class Timock:
    """timock on 127.0.0.1 with a free port, stopped by stop()."""

    def __init__(self, binary, *args):
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--quiet", "--threads", "32", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._first_line()
        prefix = "timock listening on http://127.0.0.1:"
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError("timock said %r, not its listening line" % line)
        self.port = int(line[len(prefix):].strip())
        self.base = "http://127.0.0.1:%d" % self.port

    def _first_line(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stderr, selectors.EVENT_READ)
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("timock did not start within %d s" %
                               START_TIMEOUT_S)
        for key, _ in sel.select(0):
            line = key.fileobj.readline()
            if line.startswith("timock listening"):
                return line
            return line or "(nothing: it exited %s)" % self.proc.poll()
        return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def admin(self, method, path, body=None, token=None):
        """An admin call: (HTTP status, the JSON answer)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + "/__admin" + path,
                                     data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=CALL_TIMEOUT_S) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def api(self, query, body):
        """A POST of body to the API with curl: the answer's JSON."""
        out = subprocess.run(
            ["curl", "-sS", "--max-time", str(CALL_TIMEOUT_S),
             "-H", "Content-Type: application/json", "--data-binary", body,
             self.base + API_PATH + "?" + query],
            capture_output=True, text=True, timeout=CALL_TIMEOUT_S + 5,
            check=True)
        return json.loads(out.stdout)


def flood(mock, query_of, n, body='{"Limit":1}'):
    """n API requests on one keep-alive connection, as fast as they go;
    query_of(i) gives the i-th query.  Returns the ErrorCodes seen."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", mock.port,
                                      timeout=CALL_TIMEOUT_S)
    codes = set()
    try:
        for i in range(n):
            conn.request("POST", API_PATH + "?" + query_of(i), body,
                          {"Content-Type": "application/json"})
            codes.add(json.loads(conn.getresponse().read())["ErrorCode"])
    finally:
        conn.close()
    return codes


def usersig(timsig, key, sdkappid, identifier):
    """A UserSig made now with the app's secret key, by timsig."""
    out = subprocess.run([timsig, "gen", "--sdkappid", str(sdkappid),
                          "--identifier", identifier],
                         capture_output=True, text=True, check=True,
                         timeout=CALL_TIMEOUT_S,
                         env=dict(os.environ, TIM_SECRET_KEY=key))
    return out.stdout.strip()


def query(sdkappid, identifier, sig, random=None):
    """The API's query; random None leaves it out (a deviation)."""
    q = {"sdkappid": sdkappid, "identifier": identifier, "usersig": sig}
    if random is not None:
        q["random"] = random
    q["contenttype"] = "json"
    return urllib.parse.urlencode(q)


class Browser:
    """Headless Chromium with a fresh profile, closed by quit()."""

    def __init__(self, width=1280, height=900):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix="timock-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in ("--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-quic", "--no-first-run",
                     "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage",
                     "--window-size=%d,%d" % (width, height),
                     "--user-data-dir=" + self.profile):
            opts.add_argument(flag)
        try:
            self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER),
                                           options=opts)
        except Exception:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.driver.set_page_load_timeout(CALL_TIMEOUT_S)
        self.driver.set_script_timeout(CALL_TIMEOUT_S)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
