#!/usr/bin/env python3
"""drive.py: the client side of tests/suites/cluster, on keep-alive HTTP
connections (a curl per request would measure process starts, not kiln).

  drive.py propagate TOKEN MODULE N URL...   promote v1/v2 in turn through
      each URL's node, then poll every node until it serves the new version;
      prints {"n", "converged", "p50_ms", "p99_ms", "max_ms"} (from the
      promote's answer to the last node's first answer with the version,
      one polling thread per node)
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
    """Each promote's propagation: from its answer (the change committed)
    until the last node serves the new version, every node polled by its own
    thread (so that one node's slow answer does not delay the others), 1 ms
    apart: three Python threads polling flat out took the CPU the nodes and
    PostgreSQL needed on a 2-core machine, and measured themselves."""
    admin = [Conn(u) for u in urls]
    pollers = [Conn(u) for u in urls]
    times, converged = [], 0
    for i in range(n):
        want = ("v2" if i % 2 == 0 else "v1") + ":"
        st, _ = api(admin[i % len(admin)], token, module, "promote", {"version": want[:-1]})
        t_commit = time.monotonic()
        if st != 200:
            print("promote %d through node %d: HTTP %d" % (i, i % len(admin), st), file=sys.stderr)
            continue
        seen = [None] * len(pollers)

        def poll(k):
            deadline = t_commit + 10
            while time.monotonic() < deadline:
                st, body = pollers[k].request("GET", "/run/%s/" % module)
                if st == 200 and body.startswith(want.encode()):
                    seen[k] = time.monotonic()
                    return
                time.sleep(0.001)

        ts = [threading.Thread(target=poll, args=(k,)) for k in range(len(pollers))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if all(seen):
            converged += 1
            times.append(max(0.0, (max(seen) - t_commit) * 1000))
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
