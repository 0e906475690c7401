#!/usr/bin/env python3
"""drive.py: the client side of tests/suites/cluster, on keep-alive HTTP
connections (a curl per request would measure process starts, not kiln).

  drive.py propagate TOKEN MODULE N URL...   promote v1/v2 in turn through
      each URL's node, then poll every node until it serves the new version;
      prints {"n", "converged", "p50_ms", "p99_ms", "max_ms"} (from the
      promote's request to the last node serving the version)
  drive.py cycles TOKEN MODULE N URL         N promote+rollback pairs through
      URL; prints {"requests", "non_2xx"}
  drive.py get URL N                         N GETs of URL; prints {"ok", "failed"}
  drive.py load URL SECONDS THREADS OUT      GETs URL for SECONDS; writes to
      OUT {"requests", "failed", "failures": [epoch seconds of each]}
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


class Conn:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port, u.path.rstrip("/")
        self.c = None

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes); status 0 when the connection failed."""
        for attempt in range(2):
            try:
                if self.c is None:
                    self.c = http.client.HTTPConnection(self.host, self.port, timeout=10)
                self.c.request(method, self.base + path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, data
            except (OSError, http.client.HTTPException):
                if self.c:
                    self.c.close()
                self.c = None
                if attempt == 1 or method != "GET":
                    return 0, b""
        return 0, b""


def api(conn, token, module, op, body):
    return conn.request("POST", "/api/v1/modules/%s/%s" % (module, op), json.dumps(body).encode(),
                        {"Authorization": "Bearer " + token, "Content-Type": "application/json"})


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def propagate(token, module, n, urls):
    nodes = [Conn(u) for u in urls]
    times, converged = [], 0
    for i in range(n):
        want = "v2" if i % 2 == 0 else "v1"
        t0 = time.monotonic()
        st, _ = api(nodes[i % len(nodes)], token, module, "promote", {"version": want})
        if st != 200:
            print("promote %d through node %d: HTTP %d" % (i, i % len(nodes), st), file=sys.stderr)
            continue
        pending = set(range(len(nodes)))
        deadline = t0 + 10
        while pending and time.monotonic() < deadline:
            for k in list(pending):
                st, body = nodes[k].request("GET", "/run/%s/" % module)
                if st == 200 and body.startswith((want + ":").encode()):
                    pending.discard(k)
        if not pending:
            converged += 1
            times.append((time.monotonic() - t0) * 1000)
    print(json.dumps({"n": n, "converged": converged, "p50_ms": pct(times, 50), "p99_ms": pct(times, 99),
                      "max_ms": max(times) if times else None}))


def cycles(token, module, n, url):
    c = Conn(url)
    sent = bad = 0
    for _ in range(n):
        for op, body in (("promote", {"version": "v2"}), ("rollback", {"to": "v1"})):
            st, data = api(c, token, module, op, body)
            sent += 1
            if not 200 <= st < 300:
                bad += 1
                print("%s: HTTP %d %s" % (op, st, data[:200]), file=sys.stderr)
    print(json.dumps({"requests": sent, "non_2xx": bad}))


def load(url, seconds, threads, out):
    u = urllib.parse.urlsplit(url)
    root, path = "%s://%s" % (u.scheme, u.netloc), u.path or "/"
    end = time.time() + seconds
    lock = threading.Lock()
    res = {"requests": 0, "failed": 0, "failures": [], "statuses": {}}

    def worker():
        c = Conn(root)
        while time.time() < end:
            st, _ = c.request("GET", path)
            with lock:
                res["requests"] += 1
                res["statuses"][str(st)] = res["statuses"].get(str(st), 0) + 1
                if not 200 <= st < 300:
                    res["failed"] += 1
                    res["failures"].append(time.time())

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(out, "w") as f:
        json.dump(res, f)


def get(url, n):
    u = urllib.parse.urlsplit(url)
    c = Conn("%s://%s" % (u.scheme, u.netloc))
    ok = 0
    for _ in range(n):
        st, _ = c.request("GET", u.path)
        ok += 200 <= st < 300
    print(json.dumps({"ok": ok, "failed": n - ok}))


def main(a):
    if len(a) >= 5 and a[0] == "propagate":
        propagate(a[1], a[2], int(a[3]), a[4:])
    elif len(a) == 5 and a[0] == "cycles":
        cycles(a[1], a[2], int(a[3]), a[4])
    elif len(a) == 3 and a[0] == "get":
        get(a[1], int(a[2]))
    elif len(a) == 5 and a[0] == "load":
        load(a[1], float(a[2]), int(a[3]), a[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
