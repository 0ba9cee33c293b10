#!/usr/bin/env python3
"""lab-viewers.py — real viewers for the video lab (LAB_MEDIA=nginx), run INSIDE the IPVS VM as root.

    lab-viewers.py COUNT_FILE [LOG_FILE]

COUNT_FILE holds the wanted number of viewers (0..16; re-read every second, so `videolb lab viewers N`
changes it while they run). Viewer k (1-based) lives in a client netns: the lab's clients first
(LAB_CLIENTS: 203.0.113.21 .22 .23 .99), then 203.0.113.101.. (made with `lab.sh add-client`).
Odd k: an RTMP player, ffmpeg reading rtmp://VIP/live/live (copied, no decoding; we count the bytes), restarted
0.5 s after it ends (a reconnect). Even k: an HLS fetcher (playlist, then its newest segment, every
second) over sockets opened in the client's netns.

Once a second, one line per viewer, e.g.
    12:41:07 v1 rtmp 203.0.113.21 on rs11 frames 412 (+15) kB 1033 (+25) stalls 0 reconnects 0
    12:41:07 v2 hls  203.0.113.22 on rs12 segments 9 (+0) kB 310 (+0) stalls 1 errors 0
"on": the real server serving it: for RTMP the director's connection table (/proc/net/ip_vs_conn, the
client's ESTABLISHED connection to port 1935), for HLS the X-Served-By header of the last answer.
A stall is a second in which an RTMP viewer got no frame, or an HLS viewer's newest segment is older
than 2 target durations. Bounded: every socket has a timeout, ffmpeg has -rw_timeout.
"""
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

VIP = '198.51.100.10'
LAB = ['bash', os.path.join(os.environ.get('IPVS_VM_TOOLS', os.path.dirname(os.path.abspath(__file__))), 'lab.sh')]
MAX_VIEWERS = 16
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
stopping = threading.Event()


def setns(ns):
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    finally:
        os.close(fd)


def client_ip(k):
    base = os.environ.get('LAB_CLIENTS', '203.0.113.21 203.0.113.22 203.0.113.23 203.0.113.99').split()
    return base[k - 1] if k <= len(base) else '203.0.113.%d' % (100 + k - len(base))


def ensure_client(ip):
    ns = 'cl' + ip.rsplit('.', 1)[1]
    if not os.path.exists('/run/netns/' + ns):
        subprocess.run(LAB + ['add-client', ip], stdout=subprocess.DEVNULL, timeout=60, check=True)
    return ns


def ipvs_servers():
    """client address (hex, as in /proc/net/ip_vs_conn) -> real server name, ESTABLISHED to 1935."""
    out = {}
    try:
        with open('/proc/net/ip_vs_conn') as f:
            next(f, None)
            for line in f:
                w = line.split()
                if len(w) >= 8 and w[0] == 'TCP' and w[4] == '078F' and w[7] == 'ESTABLISHED':
                    out[w[1]] = 'rs%d' % int(w[5][6:8], 16)
    except OSError:
        pass
    return out


def hex_ip(ip):
    return ''.join('%02X' % int(o) for o in ip.split('.'))


class Rtmp:
    kind = 'rtmp'

    def __init__(self, k, ip, ns):
        self.k, self.ip, self.ns = k, ip, ns
        self.frames = self.bytes = self.stalls = self.reconnects = 0
        self.base_frames = 0  # frames of the ended ffmpeg runs
        self.last = (0, 0)
        self.proc = None
        self.lock = threading.Lock()
        self.gone = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        starts = 0
        while not stopping.is_set() and not self.gone.is_set():
            cmd = ['ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'quiet', '-rw_timeout', '4000000',
                   '-probesize', '65536', '-analyzeduration', '1000000',
                   '-i', 'rtmp://%s:1935/live/live' % VIP, '-c', 'copy', '-f', 'flv', 'pipe:1',
                   '-progress', 'pipe:2', '-stats_period', '0.5']
            try:
                self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                             stdin=subprocess.DEVNULL, preexec_fn=lambda: setns(self.ns))
            except OSError:
                time.sleep(1)
                continue
            starts += 1
            if starts > 1:
                self.reconnects += 1
            counter = threading.Thread(target=self.count, args=(self.proc,), daemon=True)
            counter.start()
            for line in self.proc.stderr:  # -progress: frame=N every 0.5 s
                m = re.match(rb'frame=(\d+)', line)
                if m:
                    with self.lock:
                        self.frames = self.base_frames + int(m.group(1))
            self.proc.wait()
            counter.join(5)
            with self.lock:
                self.base_frames = self.frames
            stopping.wait(0.5)

    def count(self, proc):  # the media the player received, remuxed to FLV on its stdout
        while True:
            b = proc.stdout.read1(65536)
            if not b:
                return
            with self.lock:
                self.bytes += len(b)

    def line(self, conn):
        with self.lock:
            f, b = self.frames, self.bytes
        df, db = f - self.last[0], b - self.last[1]
        self.last = (f, b)
        if df == 0:
            self.stalls += 1
        on = conn.get(hex_ip(self.ip), '-')
        return 'v%d rtmp %s on %s frames %d (+%d) kB %d (+%d) stalls %d reconnects %d' % (
            self.k, self.ip, on, f, df, b // 1024, db // 1024, self.stalls, self.reconnects)

    def stop(self):
        self.gone.set()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Hls:
    kind = 'hls'

    def __init__(self, k, ip, ns):
        self.k, self.ip, self.ns = k, ip, ns
        self.segments = self.bytes = self.stalls = self.errors = 0
        self.on = '-'
        self.newest = None
        self.newest_at = time.monotonic()
        self.target = 2.0
        self.last = (0, 0)
        self.lock = threading.Lock()
        self.gone = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def get(self, path):
        s = socket.create_connection((VIP, 8080), timeout=3)
        try:
            s.settimeout(3)
            s.sendall(('GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' % (path, VIP)).encode())
            data = b''
            while len(data) < 8 << 20:
                d = s.recv(65536)
                if not d:
                    break
                data += d
        finally:
            s.close()
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
        served = '-'
        for h in lines[1:]:
            if h.lower().startswith('x-served-by:'):
                served = h.split(':', 1)[1].strip()
        return status, served, body

    def run(self):
        setns(self.ns)  # this thread's sockets live in the client's netns
        while not self.gone.is_set() and not stopping.is_set():
            t = time.monotonic()
            try:
                st, served, body = self.get('/hls/live.m3u8')
                with self.lock:
                    self.on = served
                if st != 200:
                    raise OSError('playlist HTTP %d' % st)
                text = body.decode('latin-1')
                m = re.search(r'#EXT-X-TARGETDURATION:(\d+)', text)
                if m:
                    self.target = float(m.group(1))
                segs = [l for l in text.splitlines() if l and not l.startswith('#')]
                if segs and (served, segs[-1]) != self.newest:
                    st, _, seg = self.get('/hls/' + segs[-1])
                    if st == 200:
                        with self.lock:
                            self.newest = (served, segs[-1])
                            self.newest_at = time.monotonic()
                            self.segments += 1
                            self.bytes += len(seg)
            except (OSError, ValueError, IndexError):
                with self.lock:
                    self.errors += 1
            self.gone.wait(max(0.0, 1.0 - (time.monotonic() - t)))

    def line(self, conn):
        with self.lock:
            s, b, on = self.segments, self.bytes, self.on
            late = time.monotonic() - self.newest_at > 2 * self.target
        ds, db = s - self.last[0], b - self.last[1]
        self.last = (s, b)
        if late:
            self.stalls += 1
        return 'v%d hls  %s on %s segments %d (+%d) kB %d (+%d) stalls %d errors %d' % (
            self.k, self.ip, on, s, ds, b // 1024, db // 1024, self.stalls, self.errors)

    def stop(self):
        self.gone.set()


def wanted(path):
    try:
        with open(path) as f:
            n = int(f.read().strip() or '0')
    except (OSError, ValueError):
        return None
    return n if 0 <= n <= MAX_VIEWERS else None


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: lab-viewers.py COUNT_FILE [LOG_FILE]')
    count_file = sys.argv[1]
    log = open(sys.argv[2], 'a', buffering=1) if len(sys.argv) == 3 else None
    signal.signal(signal.SIGTERM, lambda *a: stopping.set())
    signal.signal(signal.SIGINT, lambda *a: stopping.set())
    viewers = []
    nxt = time.monotonic()
    while not stopping.is_set():
        n = wanted(count_file)
        if n is not None:
            while len(viewers) < n:
                k = len(viewers) + 1
                ip = client_ip(k)
                try:
                    ns = ensure_client(ip)
                except (subprocess.SubprocessError, OSError) as e:
                    print('viewers: cannot add client %s: %s' % (ip, e), flush=True)
                    break
                viewers.append((Rtmp if k % 2 else Hls)(k, ip, ns))
            while len(viewers) > n:
                viewers.pop().stop()
        conn = ipvs_servers()
        stamp = time.strftime('%H:%M:%S')
        out = ['%s %s' % (stamp, v.line(conn)) for v in viewers]
        if out:
            text = '\n'.join(out)
            print(text, flush=True)
            if log:
                log.write(text + '\n')
        nxt += 1.0
        stopping.wait(max(0.0, nxt - time.monotonic()))
    for v in viewers:
        v.stop()


if __name__ == '__main__':
    main()
