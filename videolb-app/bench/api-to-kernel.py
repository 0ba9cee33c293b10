#!/usr/bin/env python3
"""api-to-kernel.py — API write -> kernel applied (issue 11), driven by api-to-kernel.sh next to a running standalone.

  api-to-kernel.py --data-dir DIR --kind client|pool --writes N [--warmup W] [--admin-port P]

Sequential writes through the admin API (the admin token of DIR/admin-token, If-Match = the previous answer's
ETag, loopback only):
  client  PUT /api/v1/clients/203.0.113.21 {"mark": 20|10}: the client moves between pools; applied when the
          agent's /health says appliedGeneration >= the write's generation, and then checked in the kernel: the
          client's ipset entry carries the new pool's mark (`ipset save`, every write)
  pool    PUT /api/v1/pools/20 with server 192.0.2.12 at weight 1..7 in turn: one IPVS line changes; checked in
          `ipvsadm -Sn` (every write)
Per write: the API's answer (the Kafka transaction committed) and the agent's applied generation, in ms from the
request, and the part of the latter after the API's answer (the agent's share: reading the generation, applying it,
its /health); the kernel check runs after the clock stopped (not timed). Prints p50 / p99 / max; exit 1 when a check
finds the kernel without the write.
"""
import argparse
import http.client
import json
import re
import subprocess
import sys
import time

CLIENT = "203.0.113.21"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--kind", choices=("client", "pool"), required=True)
    ap.add_argument("--writes", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--admin-port", type=int, default=8480)
    ap.add_argument("--gap-ms", type=int, default=0, help="pause after each write is applied (not timed)")
    a = ap.parse_args()
    if not 1 <= a.writes <= 100000 or not 0 <= a.warmup <= 10000 or not 0 <= a.gap_ms <= 60000:
        ap.error("--writes 1..100000, --warmup 0..10000, --gap-ms 0..60000")
    token = open(a.data_dir + "/admin-token").read().strip()
    if not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,512}", token):
        sys.exit("the admin token in %s/admin-token is not a token" % a.data_dir)
    admin = http.client.HTTPConnection("127.0.0.1", a.admin_port, timeout=30)
    agent = http.client.HTTPConnection("127.0.0.1", a.admin_port + 1, timeout=30)
    auth = {"Authorization": "Bearer " + token}

    def request(conn, method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers={**auth, **(headers or {})})
        r = conn.getresponse()
        return r.status, r.getheader("ETag"), r.read()

    status, etag, _ = request(admin, "GET", "/api/v1/clients")
    if status != 200 or not etag:
        sys.exit("GET /api/v1/clients: HTTP %d" % status)

    def applied():
        agent.request("GET", "/health")
        r = agent.getresponse()
        body = r.read()
        m = re.search(rb'"appliedGeneration"\s*:\s*(\d+)', body)
        return int(m.group(1)) if m else -1

    answer_ms, applied_ms, agent_ms = [], [], []
    bad = 0
    for i in range(a.warmup + a.writes):
        if a.kind == "client":
            mark = 20 if i % 2 == 0 else 10
            path, body = "/api/v1/clients/" + CLIENT, {"mark": mark}
        else:
            weight = 1 + i % 7
            path = "/api/v1/pools/20"
            body = {"scheduler": "wlc", "servers": [{"address": "192.0.2.12", "weight": weight},
                                                    {"address": "192.0.2.13", "weight": 1}]}
        t0 = time.perf_counter()
        status, new_etag, text = request(admin, "PUT", path, json.dumps(body),
                                         {"If-Match": etag, "Content-Type": "application/json"})
        t1 = time.perf_counter()
        if status != 200 or not new_etag:
            sys.exit("write %d: HTTP %d %s" % (i, status, text[:200]))
        etag = new_etag
        gen = int(etag.strip('"'))
        end = t1 + 30
        for _ in range(10 ** 6):
            if applied() >= gen:
                break
            if time.perf_counter() > end:
                sys.exit("write %d: the agent did not apply generation %d within 30 s" % (i, gen))
            time.sleep(0.0005)
        t2 = time.perf_counter()
        # the kernel holds the write (untimed)
        if a.kind == "client":
            save = subprocess.run(["ipset", "save"], capture_output=True, text=True, timeout=30).stdout
            ok = re.search(r"^add \S+ %s skbmark 0x%x\b" % (re.escape(CLIENT), mark), save, re.M) is not None
        else:
            save = subprocess.run(["ipvsadm", "-Sn"], capture_output=True, text=True, timeout=30).stdout
            ok = re.search(r"^-a -f 20 -r 192\.0\.2\.12:\d+ -g -w %d$" % weight, save, re.M) is not None
        if not ok:
            bad += 1
            print("write %d: generation %d reported applied, but the kernel does not hold it" % (i, gen), flush=True)
        if i >= a.warmup:
            answer_ms.append((t1 - t0) * 1000)
            applied_ms.append((t2 - t0) * 1000)
            agent_ms.append((t2 - t1) * 1000)
        if a.gap_ms:
            time.sleep(a.gap_ms / 1000)

    def q(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, max(0, int(-(-p * len(v) // 100)) - 1))]

    what = "a client moved (ipset entry)" if a.kind == "client" else "a pool edited (IPVS weight)"
    print("%s, %d writes after %d warm-up, %d ms apart: API answer p50 %.1f ms, p99 %.1f ms, max %.1f ms; kernel applied "
          "p50 %.1f ms, p99 %.1f ms, max %.1f ms (of it after the API answer p50 %.1f ms, p99 %.1f ms); kernel checks "
          "failed: %d" % (
              what, a.writes, a.warmup, a.gap_ms, q(answer_ms, 50), q(answer_ms, 99), max(answer_ms),
              q(applied_ms, 50), q(applied_ms, 99), max(applied_ms), q(agent_ms, 50), q(agent_ms, 99), bad), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
