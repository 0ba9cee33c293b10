"""ha-traffic.py - viewers for the director-HA scenarios (runs INSIDE the IPVS VM, in the client netns).

    python3 ha-traffic.py VIP PORT CMD_FIFO OUT_FILE

One process, one thread (selectors): under TCG a process start costs seconds, so the scenario script
starts this once and drives it with lines written to CMD_FIFO; answers are appended to OUT_FILE.

  open TAG N [SRC]   N long-lived connections tagged TAG (optionally from source address SRC): each
                     sends "x\\n" and waits for the echo, every INTERVAL s (data both ways, like a
                     viewer's RTMP session); answers "opened TAG OK FAILED"
  kill T             the director is being killed at epoch T (seconds, float): times count from T
  dead T             its link is down since epoch T: from now on probe NEW connections every INTERVAL s
                     (each: connect + send + echo, 0.5 s limit) until one succeeds or 30 s passed; an
                     old connection has resumed at its first echo after T that answers a request sent
                     after T or one that waited > 0.2 s (a TCP retransmission reached the new holder)
  report             one line per connection "conn TAG IDX STATE RESUME_MS MAXGAP_MS" (STATE alive,
                     reset, closed or stalled; RESUME_MS = first echo after T minus T, -1 when none),
                     then "newconn MS" (-1 when none), then "end-report"
  closeall           closes every connection (answers "closed")
  quit
"""
import os
import selectors
import socket
import sys
import time

VIP, PORT, FIFO, OUT = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
INTERVAL = float(os.environ.get("HA_INTERVAL", "0.05"))
STALL_S = 2.0  # no echo for this long: "stalled" (a live connection answers every INTERVAL)
sel = selectors.DefaultSelector()
out = open(OUT, "a", buffering=1)
conns = []  # dicts
kill_t = None
dead_t = None
probe_until = 0.0
next_probe = 0.0
newconn_ms = -1
probes = []  # [sock, started, phase]


def say(line):
    out.write(line + "\n")


def open_conns(tag, n, src):
    ok = failed = 0
    for _ in range(n):
        try:
            s = socket.socket()
            s.settimeout(3)
            if src:
                s.bind((src, 0))
            s.connect((VIP, PORT))
            s.setblocking(False)
            c = {"s": s, "tag": tag, "idx": len(conns), "state": "alive", "last": time.time(),
                 "maxgap": 0.0, "resume": None, "sent": 0.0, "waiting": False}
            conns.append(c)
            sel.register(s, selectors.EVENT_READ, ("conn", c))
            ok += 1
        except OSError:
            failed += 1
    say(f"opened {tag} {ok} {failed}")


def conn_event(c):
    try:
        d = c["s"].recv(256)
    except ConnectionResetError:
        return end_conn(c, "reset")
    except BlockingIOError:
        return
    except OSError:
        return end_conn(c, "reset")
    if not d:
        return end_conn(c, "closed")
    now = time.time()
    c["maxgap"] = max(c["maxgap"], now - c["last"])
    c["last"] = now
    c["waiting"] = False
    if dead_t is not None and c["resume"] is None and now > dead_t and (c["sent"] > dead_t or now - c["sent"] > 0.2):
        c["resume"] = now


def end_conn(c, why):
    if c["state"] == "alive":
        c["state"] = why
        try:
            sel.unregister(c["s"])
        except (KeyError, ValueError):
            pass
        c["s"].close()


def tick(now):
    global next_probe, newconn_ms
    for c in conns:
        if c["state"] != "alive":
            continue
        if not c["waiting"] and now - c["sent"] >= INTERVAL:
            try:
                c["s"].send(b"x\n")
                c["sent"] = now
                c["waiting"] = True
            except BlockingIOError:
                pass
            except OSError:
                end_conn(c, "reset")
    if dead_t is not None and newconn_ms < 0 and now < probe_until and now >= next_probe:
        next_probe = now + INTERVAL
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect_ex((VIP, PORT))
        except OSError:
            pass
        probes.append([s, now, "connect"])
        sel.register(s, selectors.EVENT_WRITE, ("probe", probes[-1]))
    for p in list(probes):
        if now - p[1] > 0.5:
            close_probe(p)


def close_probe(p):
    try:
        sel.unregister(p[0])
    except (KeyError, ValueError):
        pass
    p[0].close()
    if p in probes:
        probes.remove(p)


def probe_event(p, mask):
    global newconn_ms
    s = p[0]
    if p[2] == "connect":
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
            return close_probe(p)
        try:
            s.send(b"n\n")
        except OSError:
            return close_probe(p)
        p[2] = "echo"
        sel.modify(s, selectors.EVENT_READ, ("probe", p))
        return
    try:
        d = s.recv(64)
    except OSError:
        return close_probe(p)
    if d and newconn_ms < 0 and dead_t is not None and p[1] >= dead_t:
        newconn_ms = int((time.time() - kill_t) * 1000)
    close_probe(p)


def command(line):
    global kill_t, dead_t, probe_until, newconn_ms, next_probe
    w = line.split()
    if not w:
        return True
    if w[0] == "open":
        open_conns(w[1], int(w[2]), w[3] if len(w) > 3 else None)
    elif w[0] == "kill":
        kill_t = float(w[1])
        dead_t = None
        newconn_ms = -1
        for c in conns:
            c["resume"] = None
            c["maxgap"] = 0.0
    elif w[0] == "dead":
        dead_t = float(w[1])
        next_probe = 0.0
        probe_until = time.time() + 30
    elif w[0] == "report":
        now = time.time()
        for c in conns:
            st = c["state"]
            if st == "alive" and now - c["last"] > STALL_S:
                st = "stalled"
            r = int((c["resume"] - kill_t) * 1000) if (c["resume"] and kill_t) else -1
            say(f"conn {c['tag']} {c['idx']} {st} {r} {int(c['maxgap'] * 1000)}")
        say(f"newconn {newconn_ms}")
        say("end-report")
    elif w[0] == "closeall":
        for c in conns:
            end_conn(c, "closed")
        conns.clear()
        say("closed")
    elif w[0] == "quit":
        return False
    return True


fd = os.open(FIFO, os.O_RDWR | os.O_NONBLOCK)
sel.register(fd, selectors.EVENT_READ, ("cmd", None))
buf = b""
say("ready")
running = True
while running:
    for key, mask in sel.select(timeout=0.01):
        kind, obj = key.data
        if kind == "cmd":
            buf += os.read(fd, 4096)
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                running = command(line.decode()) and running
        elif kind == "conn":
            conn_event(obj)
        else:
            probe_event(obj, mask)
    tick(time.time())
out.close()
