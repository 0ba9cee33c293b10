#!/usr/bin/env python3
"""page-shot.py — a screenshot of videolb's admin page in a real browser (Debian's chromium, headless).

    page-shot.py URL TOKEN_FILE OUT_PNG [WAIT_S]

Starts chromedriver on a free loopback port, signs in to the page at URL with the token read from
TOKEN_FILE (typed into the page's own sign-in form, as a person does: the token never goes into a URL
or a command line), waits WAIT_S seconds (default 8: the live view polls every 2 s), saves the window
as OUT_PNG and stops the browser and chromedriver (by PID). Speaks the W3C WebDriver protocol over
HTTP with the standard library only, so nothing beyond the chromium and chromium-driver packages is
needed. Bounded: every request has a timeout and the whole run ends within WAIT_S + 90 s.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b'{}').get('value')
    except urllib.error.HTTPError as e:
        raise SystemExit('webdriver %s %s: %s %s' % (method, path, e.code, e.read()[:300]))


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    url, token_file, out = sys.argv[1:4]
    wait = float(sys.argv[4]) if len(sys.argv) == 5 else 8.0
    if not url.startswith(('http://127.0.0.1:', 'http://localhost:', 'https://127.0.0.1:')):
        raise SystemExit('page-shot.py: a loopback URL only: ' + url)
    with open(token_file) as f:
        token = f.read().strip()
    for b in ('/usr/bin/chromium', '/usr/bin/chromedriver'):
        if not os.access(b, os.X_OK):
            raise SystemExit('page-shot.py: needs %s (apt-get install chromium chromium-driver)' % b)
    port = free_port()
    profile = tempfile.mkdtemp(prefix='videolb-shot-')
    # its own process group: chromium is chromedriver's child, and a session that failed half-way (a page that
    # never loads) leaves the browser behind unless the whole group is ended
    driver = subprocess.Popen(['/usr/bin/chromedriver', '--port=%d' % port, '--allowed-ips=127.0.0.1'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = 'http://127.0.0.1:%d' % port
    sid = None
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                urllib.request.urlopen(base + '/status', timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        caps = {'capabilities': {'alwaysMatch': {'browserName': 'chrome', 'goog:chromeOptions': {
            'binary': '/usr/bin/chromium',
            'args': ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                     '--window-size=1400,1100', '--user-data-dir=' + profile]}}}}
        sid = call(base, 'POST', '/session', caps, timeout=60)['sessionId']
        s = '/session/' + sid
        call(base, 'POST', s + '/url', {'url': url})
        elem = call(base, 'POST', s + '/element', {'using': 'css selector', 'value': '#token'})
        eid = list(elem.values())[0]
        call(base, 'POST', s + '/element/%s/value' % eid, {'text': token})
        btn = call(base, 'POST', s + '/element', {'using': 'css selector', 'value': '#login-submit'})
        call(base, 'POST', s + '/element/%s/click' % list(btn.values())[0], {})
        time.sleep(wait)
        png = base64.b64decode(call(base, 'GET', s + '/screenshot'))
        with open(out, 'wb') as f:
            f.write(png)
        print('page-shot.py: %s (%d bytes)' % (out, len(png)))
    finally:
        if sid:
            try:
                call(base, 'DELETE', '/session/' + sid, timeout=20)
            except (SystemExit, OSError):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(driver.pid, sig)  # the group this script made: chromedriver and its browser
            except ProcessLookupError:
                break
            try:
                driver.wait(5)
                time.sleep(0.5)  # the browser's own processes end after their parent
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    main()
