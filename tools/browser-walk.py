#!/usr/bin/env python3
"""Walks the officials' pages in headless Chromium as an official would, over the DevTools
protocol (standard library only: a minimal WebSocket client). Used by the ServerTests'
browser walk; prints one JSON object: {"checks": [{"name", "ok", "detail"}], "screenshots": [...]}.

  browser-walk.py --base URL --province TOKEN --other-city TOKEN --county CODE --enterprise USCC
                  --provider USCC --out DIR [--chromium /usr/bin/chromium]
"""
import argparse, base64, json, os, socket, struct, subprocess, sys, tempfile, time, urllib.parse


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, masked when sent."""

    def __init__(self, url):
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"WebSocket handshake refused: {response!r}")

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", len(payload))
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(bytes(header) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _exact(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise RuntimeError("the browser closed the connection")
            data += chunk
        return data

    def receive(self):
        message = b""
        while True:
            first, second = self._exact(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._exact(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._exact(8))[0]
            payload = self._exact(length)
            message += payload
            if first & 0x80:
                return message.decode()


class Browser:
    def __init__(self, chromium, profile):
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1280,1800", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
                break
            time.sleep(0.1)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = WebSocket(f"ws://127.0.0.1:{port}{path}")
        self.next_id = 0

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.receive())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def page(self, context=None):
        """A new tab (in `context`, a separate cookie jar, if given) and its session."""
        params = {"url": "about:blank"}
        if context:
            params["browserContextId"] = context
        target = self.call("Target.createTarget", **params)["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        return Tab(self, session)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Tab:
    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def js(self, expression):
        result = self.browser.call("Runtime.evaluate", self.session, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_loaded(self, previous=None):
        for _ in range(300):
            try:
                state = self.js("[document.readyState, location.href]")
                if state[0] == "complete" and state[1] != "about:blank" and (previous is None or state[1] != previous):
                    return state[1]
            except RuntimeError:
                pass  # the page is being replaced
            time.sleep(0.05)
        raise RuntimeError(f"page did not load after {previous}")

    def open(self, url):
        previous = self.js("location.href")
        self.browser.call("Page.navigate", self.session, url=url)
        return self.wait_loaded(previous if previous != url else None)

    def click(self, selector):
        previous = self.js("location.href")
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        return self.wait_loaded(previous)

    def submit(self, form_selector):
        previous = self.js("location.href")
        self.js(f"document.querySelector({json.dumps(form_selector)}).querySelector('button[type=submit]').click()")
        return self.wait_loaded(previous)

    def screenshot(self, path):
        height = self.js("Math.min(6000, document.documentElement.scrollHeight)")
        self.browser.call("Emulation.setDeviceMetricsOverride", self.session, width=1280, height=int(height), deviceScaleFactor=1, mobile=False)
        data = self.browser.call("Page.captureScreenshot", self.session, format="png")["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        return path


ACCESSIBILITY = r"""
(() => {
  const problems = [];
  if (document.documentElement.lang !== 'zh-CN') problems.push('lang is ' + document.documentElement.lang);
  for (const field of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const labelled = (field.id && document.querySelector('label[for="' + field.id + '"]')) || field.closest('label') || field.getAttribute('aria-label');
    if (!labelled) problems.push('no label: ' + (field.name || field.id));
  }
  let level = 0;
  for (const heading of document.querySelectorAll('h1, h2, h3, h4')) {
    const next = Number(heading.tagName[1]);
    if (next > level + 1) problems.push('heading ' + heading.tagName + ' after h' + level + ': ' + heading.textContent.trim());
    level = next;
  }
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (color) => (color.match(/[\d.]+/g) || []).slice(0, 4).map(Number);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const element of document.querySelectorAll('h1, h2, p, td, th, a, label, li, button, legend')) {
    if (!element.textContent.trim() || element.offsetParent === null) continue;
    const fore = luminance(parse(getComputedStyle(element).color).slice(0, 3)), back = luminance(background(element));
    const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
    if (ratio < 4.5) { problems.push('contrast ' + ratio.toFixed(2) + ': ' + element.tagName + ' ' + element.textContent.trim().slice(0, 20)); break; }
  }
  return problems;
})()
"""


def main():
    parser = argparse.ArgumentParser()
    for name in ["base", "province", "other-city", "county", "enterprise", "provider", "out"]:
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    checks, shots = [], []

    def check(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": str(detail)[:300]})

    def shoot(tab, name):
        shots.append(tab.screenshot(os.path.join(args.out, name + ".png")))

    def accessible(tab, page):
        problems = tab.js(ACCESSIBILITY)
        check(f"accessibility of {page}", not problems, "; ".join(problems))

    profile = tempfile.mkdtemp(prefix="gongfu-browser-")
    browser = Browser(args.chromium, profile)
    try:
        tab = browser.page()
        tab.open(args.base + "/login")
        accessible(tab, "login")
        tab.js(f"document.querySelector('#token').value = {json.dumps(args.province)}")
        tab.submit("form")
        check("logged in through the form lands on the dashboard", tab.js("document.title").startswith("山东省制造业数字化转型工作看板"), tab.js("document.title"))
        shoot(tab, "01-dashboard")
        tab.click('header nav a[href="/regions/370000"]')
        check("the province page", tab.js("document.querySelector('h1').textContent") == "山东省数字化转型", tab.js("document.querySelector('h1').textContent"))
        check("the province page lists every city, each a link", tab.js("document.querySelectorAll('#subregions a[href^=\"/regions/37\"]').length") >= 32)
        accessible(tab, "the province page")
        shoot(tab, "02-province")
        city = args.county[:4] + "00"
        tab.click(f'#subregions a[href="/regions/{city}"]')
        check("a click on a city opens its page", tab.js("location.pathname") == f"/regions/{city}", tab.js("location.pathname"))
        shoot(tab, "03-city")
        tab.click(f'#subregions a[href="/regions/{args.county}"]')
        check("a click on a county opens its page", tab.js("location.pathname") == f"/regions/{args.county}")
        funnel_before = tab.js("Number(document.querySelector('#funnel tbody tr td:nth-child(5)').textContent)")
        accessible(tab, "the county page")
        shoot(tab, "04-county")
        tab.click('a[href^="/enterprises?region="]')
        check("the county's enterprises", tab.js("location.search") == f"?region={args.county}", tab.js("location.search"))
        accessible(tab, "the enterprise list")
        shoot(tab, "05-enterprises")
        tab.open(args.base + f"/enterprises?region={args.county}&missing=diagnosis")
        tab.click(f'#enterprises a[href="/enterprises/{args.enterprise}"]')
        check("a click on an enterprise opens its file", tab.js("location.pathname") == f"/enterprises/{args.enterprise}")
        check("the file draws its stage timeline", tab.js("!!document.querySelector('svg#stage-timeline circle.finding')"))
        check("each event links to its inclusion proof", tab.js("document.querySelectorAll('#events a[href^=\"/v1/proofs/inclusion?seq=\"]').length") >= 2)
        accessible(tab, "the enterprise file")
        shoot(tab, "06-enterprise")
        name = tab.js("document.querySelector('h1').textContent")

        # A refusal first: a provider code that is no USCC is refused, and why shows beside the form.
        form = "#form-DiagnosisVisited"
        tab.js(f"document.querySelector('{form} [name=provider]').value = '91370000000000000X'")
        tab.js(f"document.querySelector('{form} [name=commissioner]').value = '王丽'")
        tab.js(f"document.querySelector('{form} [name=findings]').value = '设备联网率低'")
        tab.submit(form)
        alert = tab.js(f"(document.querySelector('{form} [role=alert]') || {{}}).textContent || ''")
        check("a refused visit shows why beside the form", "未记录" in alert and ("[rule:" in alert or "data.provider" in alert), alert)
        shoot(tab, "07-refused")
        tab.open(args.base + f"/enterprises/{args.enterprise}")
        events_before = tab.js("document.querySelectorAll('#events tbody tr').length")
        tab.js(f"document.querySelector('{form} [name=provider]').value = {json.dumps(args.provider)}")
        tab.js(f"document.querySelector('{form} [name=commissioner]').value = '王丽'")
        tab.js(f"document.querySelector('{form} [name=findings]').value = '设备联网率低，生产数据靠人工记录'")
        tab.js(f"for (const o of document.querySelector('{form} [name=needs]').options) o.selected = ['funding', 'talent'].includes(o.value)")
        key = tab.js(f"document.querySelector('{form} [name=key]').value")
        tab.submit(form)
        check("the visit is recorded and the file shows it", tab.js("!!document.querySelector('.notice')") and tab.js("document.querySelector('#events tbody tr td:nth-child(2)').textContent") == "DiagnosisVisited",
              tab.js("(document.querySelector('.notice') || {}).textContent"))
        check("the file's step shows the diagnosis", "现场诊断：" in tab.js("document.querySelector('#steps').textContent") and "未开展" not in tab.js("document.querySelector('#steps li:nth-child(2)').textContent"))
        events_after = tab.js("document.querySelectorAll('#events tbody tr').length")
        check("one event more", events_after == events_before + 1, f"{events_before} → {events_after}")
        shoot(tab, "08-recorded")
        # The same form sent again (a double submit) records nothing more.
        tab.open(args.base + f"/enterprises/{args.enterprise}")
        tab.js(f"document.querySelector('{form} [name=key]').value = {json.dumps(key)}")
        for field, value in [("provider", args.provider), ("commissioner", "王丽"), ("findings", "设备联网率低，生产数据靠人工记录")]:
            tab.js(f"document.querySelector('{form} [name={field}]').value = {json.dumps(value)}")
        tab.submit(form)
        check("a double submit records once", tab.js("document.querySelectorAll('#events tbody tr').length") == events_after)
        tab.open(args.base + f"/regions/{args.county}")
        funnel_after = tab.js("Number(document.querySelector('#funnel tbody tr td:nth-child(5)').textContent)")
        check("the county's funnel counts the diagnosis", funnel_after == funnel_before + 1, f"{funnel_before} → {funnel_after}")
        fragment = name[2:5]
        tab.open(args.base + "/enterprises")
        tab.js(f"document.querySelector('#q').value = {json.dumps(fragment)}")
        tab.submit("form.filters")
        found = tab.js(f"!!document.querySelector('#enterprises a[href=\"/enterprises/{args.enterprise}\"]')")
        check("a fragment of the name finds the enterprise", found, fragment)
        shoot(tab, "09-search")
        tab.open(args.base + "/lists/targets")
        check("the scoreboard page", tab.js("document.querySelectorAll('#targets tbody tr').length") >= 10)
        accessible(tab, "the scoreboard")
        shoot(tab, "10-targets")

        # Another city's official, in a browser of their own, reaches the enterprise by no link or typed address.
        context = browser.call("Target.createBrowserContext")["browserContextId"]
        other = browser.page(context)
        other.open(args.base + "/login")
        other.js(f"document.querySelector('#token').value = {json.dumps(args.other_city)}")
        other.submit("form")
        other.open(args.base + f"/enterprises/{args.enterprise}")
        body = other.js("document.body.innerText")
        check("another city's token gets no file by a typed address", "no enterprise" in body and name not in body, body[:120])
        other.open(args.base + "/enterprises/91370000MA0000000X")
        check("…and a missing enterprise answers alike", other.js("document.body.innerText").replace("91370000MA0000000X", "X") == body.replace(args.enterprise, "X"))
        other.open(args.base + f"/enterprises?q={urllib.parse.quote(fragment)}")
        check("another city's search does not list it", not other.js(f"!!document.querySelector('a[href=\"/enterprises/{args.enterprise}\"]')"))
        other.open(args.base + f"/regions/{args.county}")
        check("another city's token gets no county page of this city", "sees the pages of" in other.js("document.body.innerText"))
        shoot(other, "11-other-city")
    except Exception as error:  # noqa: BLE001 — reported as a failed check, with what was happening
        check("the walk completed", False, repr(error))
    finally:
        browser.close()
    print(json.dumps({"checks": checks, "screenshots": shots}, ensure_ascii=False))


if __name__ == "__main__":
    main()
