#!/bin/bash
# lab.sh — a reusable LVS/DR lab built from network namespaces. Run it INSIDE
# the IPVS VM (tools/ipvs-vm/run-in-ipvs-vm.sh): it changes the kernel's network
# state. Only documentation ranges are used and nothing leaves the VM.
#
#   lab.sh up                          build the topology, start the responders
#   lab.sh down                        stop the responders, delete what up made
#   lab.sh connect CLIENT_IP PORT [COUNT [DEST]]
#                                      COUNT (default 1, max 200) TCP connections
#                                      from CLIENT_IP to DEST:PORT (default the
#                                      VIP), one line each: "rs11 1935 203.0.113.21"
#                                      (server, port, client address it saw) or
#                                      "FAIL connect-refused|connect-timeout|no-answer";
#                                      exit 1 if any failed
#   lab.sh kill-server NAME|IP         close the server's listeners (new
#                                      connections get a RST) and its connections
#   lab.sh hang-server NAME|IP         stop accepting/answering (the kernel still
#                                      completes handshakes: a hung process)
#   lab.sh freeze-server NAME|IP       keep answering everything, but its live HLS
#                                      playlist stops advancing (a frozen encoder
#                                      behind a healthy HTTP 200)
#   lab.sh revive-server NAME|IP       back to normal after kill/hang/freeze
#   lab.sh cam NAME|IP on|off          (LAB_MEDIA=nginx) a second camera: a
#                                      publisher of live/cam on that server, on or
#                                      off (kept across kill + revive)
#   lab.sh link-down NAME|IP           the server's NIC down (a dead host)
#   lab.sh link-up NAME|IP           (and puts its default route back)
#   lab.sh add-client IP               one more client netns (203.0.113.0/24)
#   lab.sh counters                    "from-NAME PACKETS" per source MAC of the
#                                      VIP replies the router forwarded to the
#                                      clients: real servers > 0, director 0 (DR)
#   lab.sh env                         shell variables describing the lab
#   lab.sh status                      addresses, server states
#
# Topology (the director is the VM's ROOT namespace, so that IPVS, iptables,
# ipset and a control-plane agent all live where the VM's optional host link
# (eth0, 10.0.2.15, see IPVS_VM_FWD) is):
#
#   [cl21] 203.0.113.21 ─┐
#   [cl22] 203.0.113.22 ─┤ bridge cbr 203.0.113.1/24
#   [cl23] 203.0.113.23 ─┤    in the [router] netns (ip_forward=1)
#   [cl99] 203.0.113.99 ─┘    rl: 198.51.100.1/24 + 192.0.2.1/24
#                                  │
#   bridge lan0 in the VM root namespace = the DIRECTOR:
#     198.51.100.2/24, VIP 198.51.100.10/32, 192.0.2.2/24; default via 198.51.100.1
#     (lan0 carries both 198.51.100.0/24 and 192.0.2.0/24: DR needs the director
#     and the real servers on one L2 segment)
#                                  │
#   [rs11] 192.0.2.11 [rs12] .12 [rs13] .13 [rs14] .14   (pools)
#   [rs21] 192.0.2.21 [rs22] .22 [rs24] .24               (backups)
#     each: e0 192.0.2.N/24, default via 192.0.2.1 (the router, so replies
#     bypass the director), VIP/32 on lo, arp_ignore=1, arp_announce=2,
#     TCP responders on 1935 and 8080
#
# The responders (one python3 process for all servers; its sockets are opened
# inside each server's netns) read what the client sends first:
#   - RTMP C0 (0x03) + C1: answer S0+S1+S2 (a real RTMP handshake) then close;
#   - "GET "/"HEAD": HTTP/1.0 200, body "NAME PORT CLIENT_IP\n", header
#     X-Served-By: NAME; for *.m3u8 a live HLS playlist instead (target duration
#     2 s, media sequence = seconds since the epoch / 2, which stops advancing
#     while the server is frozen);
#   - "h" (a line "hold"): a viewer that stays: each line it sends (the first one
#     included) is answered with "NAME PORT CLIENT_IP\n" until it closes, 900 s
#     idle or 1000 lines, or the server is killed;
#   - anything else, or nothing within 2 s: the line "NAME PORT CLIENT_IP\n".
#
# MACs: director lan0 02:00:00:00:00:02, router rl 02:00:00:00:01:01, server
# 192.0.2.N e0 02:00:00:00:02:<N in hex>.
# Clients' tcp_syn_retries is 1 (LAB_SYN_RETRIES): a connection to a silent
# server fails after about 3 s instead of 2 minutes.
#
# LAB_MEDIA=nginx (for `up`; the other commands follow the mode the lab was built
# with): the servers are real nginx + libnginx-mod-rtmp, each fed by an ffmpeg
# copy-publisher looping LAB_SAMPLE (an FLV, H.264 + AAC: no encoding in the VM),
# RTMP on 1935 (rtmp://VIP/live/live), HLS on 8080 (/hls/live.m3u8, 2 s fragments,
# header X-Served-By: NAME). The python responder then only sets the sysctls.
# kill = SIGKILL nginx (RST; its publisher dies with it), hang = SIGSTOP nginx
# (port open, app dead), freeze = SIGSTOP the publisher (playlist stuck behind
# HTTP 200), revive = SIGCONT / start again. `connect` needs the responder.
#
# LAB_NGINX_SERVERS (with LAB_MEDIA=nginx; names or addresses, default all the
# servers): only these run nginx-rtmp, the others the python responder (a lab that
# shows the media scenes on a few servers for the CPU of a few publishers, and keeps
# the responder's answers where a scenario counts connections). `connect` then
# works towards the responder's servers.
#
# LAB_PUBLISH=later (with LAB_MEDIA=nginx): `up` starts nginx only; `lab.sh publish`
# starts the publishers later.
#
# Environment (for `up`): LAB_SERVERS (server addresses, default the seed
# CSV's 192.0.2.11 .12 .13 .14 .21 .22 .24), LAB_CLIENTS (default 203.0.113.21
# .22 .23 .99), LAB_DIR (state, default /run/videolb-lab), LAB_LOG (responder
# log, default $LAB_DIR/responder.log).
set -uo pipefail

VIP=198.51.100.10
DIRECTOR_IP=198.51.100.2
DIRECTOR_RS_IP=192.0.2.2
ROUTER_LAN_IP=198.51.100.1
ROUTER_RS_IP=192.0.2.1
ROUTER_CLIENT_IP=203.0.113.1
DIRECTOR_MAC=02:00:00:00:00:02
ROUTER_MAC=02:00:00:00:01:01
PORTS="1935 8080"
LAB_DIR=${LAB_DIR:-/run/videolb-lab}
LAB_LOG=${LAB_LOG:-$LAB_DIR/responder.log}
DEFAULT_SERVERS="192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14 192.0.2.21 192.0.2.22 192.0.2.24"
DEFAULT_CLIENTS="203.0.113.21 203.0.113.22 203.0.113.23 203.0.113.99"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

die() { echo "lab.sh: $*" >&2; exit 2; }
say() { echo "lab.sh: $*" >&2; }

# host_in PREFIX ADDR: ADDR is PREFIX.N with N in 3..254 (1, 2 are taken)
octet() { # octet PREFIX ADDR -> N
    local p=$1 a=$2 n
    [[ $a =~ ^${p//./\\.}\.([1-9][0-9]{0,2})$ ]] || return 1
    n=${BASH_REMATCH[1]}
    [ "$n" -ge 3 ] && [ "$n" -le 254 ] || return 1
    echo "$n"
}
server_ns() { # NAME|IP -> netns name (rsN) of an existing server
    local a=$1 n
    if [[ $a =~ ^rs([0-9]{1,3})$ ]]; then n=${BASH_REMATCH[1]}; else n=$(octet 192.0.2 "$a") || die "not a server name or 192.0.2.0/24 address: $a"; fi
    [ -e "/run/netns/rs$n" ] || die "no such server: $a (lab up?)"
    echo "rs$n"
}
client_ns() { # IP -> netns name (clN)
    local n
    n=$(octet 203.0.113 "$1") || die "not a client address in 203.0.113.0/24: $1"
    [ -e "/run/netns/cl$n" ] || die "no client netns for $1 (lab.sh add-client $1)"
    echo "cl$n"
}
# the lab's media: nginx (every server runs nginx-rtmp), mixed (LAB_NGINX_SERVERS: some do), none (responders)
media_mode() { cat "$LAB_DIR/media" 2>/dev/null || echo none; }
is_media() { [[ $(media_mode) =~ ^(nginx|mixed)$ ]]; }
server_is_media() { [ -d "$LAB_DIR/media-$1" ]; } # NAME (rsN)
RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
mac_of() { printf '02:00:00:00:02:%02x' "$1"; }
is_up() { [ -f "$LAB_DIR/servers" ]; }

# ---------------------------------------------------------------- responder
write_responder() {
    cat >"$LAB_DIR/responder.py" <<'PY'
# One process, all real servers: each server's sockets are opened inside its
# netns (setns on the main thread, then back). Control lines on a FIFO:
# "kill NAME", "hang NAME", "freeze NAME", "revive NAME". State per server in STATE/NAME.
import ctypes, os, selectors, socket, struct, sys, threading, time

lab_dir, servers, clients = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
syn_retries = sys.argv[4]
# nginx-rtmp serves the ports of the servers in LAB_NGINX_NS (LAB_MEDIA=nginx): for those this process only sets
# the sysctls
NGINX_NS = set(os.environ.get('LAB_NGINX_NS', '').split())
def ports(name):
    return () if name in NGINX_NS else (1935, 8080)
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
root_ns = os.open('/proc/self/ns/net', os.O_RDONLY)
sel = selectors.DefaultSelector()

def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)

def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

class InNs:
    def __init__(self, ns): self.ns = ns
    def __enter__(self):
        fd = os.open('/run/netns/' + self.ns, os.O_RDONLY)
        try: setns(fd)
        finally: os.close(fd)
    def __exit__(self, *a): setns(root_ns)

def put(path, value):
    with open(path, 'w') as f: f.write(value)

def set_state(name, st):
    servers_state[name] = st
    tmp = os.path.join(lab_dir, 'state', name + '.tmp')
    put(tmp, st + '\n')
    os.rename(tmp, os.path.join(lab_dir, 'state', name))
    log('state', name, st)

# per-netns sysctls: /proc/sys/net follows the calling thread's netns
for ns in servers:
    with InNs(ns):
        for c in ('all', 'e0'):   # DR real server: never answer ARP for the VIP
            put('/proc/sys/net/ipv4/conf/%s/arp_ignore' % c, '1')
            put('/proc/sys/net/ipv4/conf/%s/arp_announce' % c, '2')
for ns in clients:
    with InNs(ns):
        put('/proc/sys/net/ipv4/tcp_syn_retries', syn_retries)
with InNs('router'):
    put('/proc/sys/net/ipv4/ip_forward', '1')

listeners = {}      # name -> [sockets]
servers_state = {}
frozen_seq = {}     # name -> the media sequence its playlist stopped at

def playlist(name):
    seq = frozen_seq.get(name, int(time.time()) // 2)
    return ('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:%d\n'
            '#EXTINF:2.000,\n%s-%d.ts\n' % (seq, name, seq)).encode()

def listen(name):
    socks = []
    with InNs(name):
        for p in ports(name):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', p))
            s.listen(128)
            s.setblocking(False)
            socks.append((s, p))
    listeners[name] = socks
    for s, p in socks:
        sel.register(s, selectors.EVENT_READ, (name, p))

def unregister(name):
    for s, _ in listeners.get(name, []):
        try: sel.unregister(s)
        except (KeyError, ValueError): pass

conns = {}          # name -> set of open connection sockets
conns_lock = threading.Lock()

def recv_exact(c, n):
    b = b''
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d: break
        b += d
    return b

def handle(c, name, port, peer):
    try:
        c.settimeout(2.0)
        line = ('%s %d %s\n' % (name, port, peer)).encode()
        try: first = c.recv(1, socket.MSG_PEEK)
        except socket.timeout: first = b''
        if servers_state.get(name) not in ('up', 'frozen'):
            return
        if first == b'\x03':                       # RTMP: C0 + C1 -> S0 S1 S2
            c0c1 = recv_exact(c, 1537)
            if len(c0c1) == 1537:
                s1 = struct.pack('>II', int(time.time()) & 0xffffffff, 0) + os.urandom(1528)
                c.sendall(b'\x03' + s1 + c0c1[1:])
                recv_exact(c, 1536)                  # C2
            log('rtmp', name, port, peer, len(c0c1))
        elif first in (b'G', b'H'):                # HTTP
            req = b''
            while b'\r\n\r\n' not in req and b'\n\n' not in req and len(req) < 8192:
                d = c.recv(1024)
                if not d: break
                req += d
            parts = req.split(b' ', 2)
            path = parts[1] if len(parts) > 1 else b'/'
            body = playlist(name) if path.split(b'?')[0].endswith(b'.m3u8') else line
            head = ('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n'
                    'X-Served-By: %s\r\nConnection: close\r\n\r\n' % (len(body), name)).encode()
            c.sendall(head if req.startswith(b'HEAD') else head + body)
            log('http', name, port, peer, path.decode('latin-1'))
        elif first == b'h':                        # "hold": a viewer that stays connected; each line it sends
            c.settimeout(900.0)                    # is answered, until it closes, 900 s idle, 1000 lines or the
            n = 0                                  # server is killed (its connections are shut down)
            for _ in c.makefile('rb'):
                if servers_state.get(name) not in ('up', 'frozen') or n >= 1000: break
                c.sendall(line)
                n += 1
            log('hold', name, port, peer, n)
        else:
            c.sendall(line)
            log('line', name, port, peer)
    except OSError as e:
        log('error', name, port, peer, e)
    finally:
        with conns_lock:
            conns.get(name, set()).discard(c)
        c.close()

for name in servers:
    listen(name)
    set_state(name, 'up')

ctl = os.open(os.path.join(lab_dir, 'ctl'), os.O_RDWR | os.O_NONBLOCK)
sel.register(ctl, selectors.EVENT_READ, None)
put(os.path.join(lab_dir, 'ready'), str(os.getpid()) + '\n')
log('ready', os.getpid(), ' '.join(servers))

def command(cmd, name):
    if name not in listeners:
        log('unknown server', name); return
    st = servers_state[name]
    if cmd == 'kill':
        unregister(name)
        for s, _ in listeners[name]: s.close()
        listeners[name] = []
        with conns_lock:
            for c in list(conns.get(name, ())):
                try: c.shutdown(socket.SHUT_RDWR)
                except OSError: pass
        set_state(name, 'down')
    elif cmd == 'hang':
        unregister(name)
        set_state(name, 'hung')
    elif cmd == 'freeze':
        frozen_seq[name] = int(time.time()) // 2
        set_state(name, 'frozen')
    elif cmd == 'revive':
        frozen_seq.pop(name, None)
        if st == 'down': listen(name)
        elif st == 'hung':
            for s, p in listeners[name]: sel.register(s, selectors.EVENT_READ, (name, p))
        set_state(name, 'up')
    else:
        log('unknown command', cmd)

buf = b''
while True:
    for key, _ in sel.select():
        if key.data is None:                      # control FIFO
            buf += os.read(ctl, 4096)
            while b'\n' in buf:
                l, buf = buf.split(b'\n', 1)
                w = l.decode().split()
                if w == ['quit']:
                    log('quit'); sys.exit(0)
                if len(w) == 2:
                    command(*w)
            continue
        name, port = key.data
        try:
            c, peer = key.fileobj.accept()
        except OSError:
            continue
        with conns_lock:
            conns.setdefault(name, set()).add(c)
        threading.Thread(target=handle, args=(c, name, port, peer[0]), daemon=True).start()
PY
}

# ---------------------------------------------------------------- nginx-rtmp media (LAB_MEDIA=nginx)
# media_start NAME: nginx (master_process off: one process, its PID is the server) and an ffmpeg
# copy-publisher, both in the server's netns; pid, temp and HLS files in $LAB_DIR/media-NAME.
media_start() {
    local name=$1 d=$LAB_DIR/media-$1 i
    mkdir -p "$d/hls" "$d/tmp"
    cat >"$d/nginx.conf" <<EOF
load_module $RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 512; }
rtmp {
    server {
        listen 1935;
        application live {
            live on;
            allow publish 127.0.0.1;
            deny publish all;
            hls on;
            hls_path $d/hls;
            hls_fragment 2s;
            hls_playlist_length 10s;
            hls_continuous on;
        }
    }
}
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
    server {
        listen 8080;
        add_header X-Served-By $name always;
        add_header Cache-Control no-cache always;
        location /hls/ { alias $d/hls/; }
        # the stream inventory and the drain handover (issue 16): the director's address on this LAN only
        location /stat { allow $DIRECTOR_RS_IP; allow 127.0.0.1; deny all; rtmp_stat all; }
        location /control { allow $DIRECTOR_RS_IP; allow 127.0.0.1; deny all; rtmp_control all; }
        # the responder's answer line, so that one check reads either kind of server: "NAME PORT CLIENT_IP"
        location / { default_type text/plain; return 200 "$name 8080 \$remote_addr\n"; }
    }
}
EOF
    ip netns exec "$name" nginx -c "$d/nginx.conf" -p "$d" -e "$d/error.log" </dev/null >>"$d/error.log" 2>&1 &
    echo $! >"$d/nginx.pid.lab"
    if [ "${2:-}" != nopub ]; then
        media_publish "$name" || return 1
        # a camera switched on with `cam NAME on` pushes again once the server is back
        if [ -e "$d/cam.on" ]; then media_publish "$name" cam || return 1; fi
    fi
    media_state "$name" up
}
# media_publish NAME [cam]: the publisher waits for nginx's port (bounded), then loops the sample in real time,
# copying, to live/live (the stream the viewers play and the HLS probe reads) or, with `cam`, to live/cam (a second
# camera: what failover gating looks for, issue 16)
media_publish() {
    local name=$1 d=$LAB_DIR/media-$1 i stream=${2:-live} who=ffmpeg sample=${LAB_SAMPLE:-}
    [ "$stream" = cam ] && who=cam
    [ -n "$sample" ] || sample=$(cat "$LAB_DIR/sample" 2>/dev/null)
    [ -f "$sample" ] || { say "$name: no sample to publish (LAB_SAMPLE, or the one \`up\` was given): ${sample:-unset}"; return 1; }
    for ((i = 0; i < 100; i++)); do
        ip netns exec "$name" bash -c 'exec 3<>/dev/tcp/127.0.0.1/1935' 2>/dev/null && break
        kill -0 "$(cat "$d/nginx.pid.lab")" 2>/dev/null || return 1
        sleep 0.1
    done
    ip netns exec "$name" ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$sample" \
        -c copy -f flv "rtmp://127.0.0.1/live/$stream" </dev/null >>"$d/$who.log" 2>&1 &
    echo $! >"$d/$who.pid.lab"
}
# media_cam NAME on|off: the second camera (live/cam) on a server; remembered across kill + revive
media_cam() {
    local name=$1 d=$LAB_DIR/media-$1 p st
    st=$(cat "$LAB_DIR/state/$name" 2>/dev/null)
    p=$(media_pid "$name" cam)
    case $2 in
        on)
            touch "$d/cam.on"
            if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then echo "$name cam already on"; return 0; fi
            [ "$st" = up ] || { echo "$name cam on (it starts when $name is revived)"; return 0; }
            media_publish "$name" cam || die "$name: the cam publisher did not start"
            echo "$name cam on (live/cam)" ;;
        off)
            rm -f "$d/cam.on"
            [ -n "$p" ] && kill -9 "$p" 2>/dev/null
            echo "$name cam off" ;;
    esac
}
media_state() { echo "$2" >"$LAB_DIR/state/$1.tmp" && mv "$LAB_DIR/state/$1.tmp" "$LAB_DIR/state/$1"; }
media_pid() { cat "$LAB_DIR/media-$1/$2.pid.lab" 2>/dev/null; }
media_wait_live() { # NAME: up to 20 s for its first playlist
    local i
    for ((i = 0; i < 200; i++)); do [ -s "$LAB_DIR/media-$1/hls/live.m3u8" ] && return 0; sleep 0.1; done
    return 1
}
media_stop() { # NAME: SIGKILL nginx and its publishers
    local p
    for p in ffmpeg cam nginx; do
        p=$(media_pid "$1" "$p")
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    done
    return 0
}
media_ctl() { # CMD NAME EXPECTED_STATE
    local cmd=$1 name=$2 st ng ff
    st=$(cat "$LAB_DIR/state/$name" 2>/dev/null)
    ng=$(media_pid "$name" nginx) ff=$(media_pid "$name" ffmpeg)
    case $cmd in
        kill) media_stop "$name" ;;
        hang) [ "$st" = up ] || die "$name is $st: revive it first"; kill -STOP "$ng" ;;
        freeze) [ "$st" = up ] || die "$name is $st: revive it first"; kill -STOP "$ff" ;;
        revive)
            case $st in
                down) media_start "$name" || die "nginx-rtmp on $name did not start" ;;
                hung) kill -CONT "$ng" ;;
                frozen) kill -CONT "$ff" ;;
            esac ;;
    esac
    media_state "$name" "$3"
    echo "$name $3"
}

# ---------------------------------------------------------------- commands
cmd_up() {
    [ "$(id -u)" = 0 ] || die "run as root (inside the IPVS VM)"
    is_up && die "the lab is already up (lab.sh down first)"
    local servers=${LAB_SERVERS:-$DEFAULT_SERVERS} clients=${LAB_CLIENTS:-$DEFAULT_CLIENTS}
    local a n rsn=() cln=() t0=$EPOCHREALTIME
    for a in $servers; do n=$(octet 192.0.2 "$a") || die "server address not in 192.0.2.3-254: $a"; rsn+=("$n"); done
    for a in $clients; do n=$(octet 203.0.113 "$a") || die "client address not in 203.0.113.3-254: $a"; cln+=("$n"); done
    [ ${#rsn[@]} -ge 1 ] && [ ${#rsn[@]} -le 64 ] || die "1..64 servers"
    [ ${#cln[@]} -ge 1 ] && [ ${#cln[@]} -le 64 ] || die "1..64 clients"
    MEDIA=${LAB_MEDIA:-responder}
    case $MEDIA in
        responder) ;;
        nginx)
            [ -n "${LAB_SAMPLE:-}" ] && [ -f "$LAB_SAMPLE" ] || die "LAB_MEDIA=nginx needs LAB_SAMPLE (an FLV file): ${LAB_SAMPLE:-unset}"
            [ -f "$RTMP_MODULE" ] || die "no $RTMP_MODULE (apt-get install libnginx-mod-rtmp)"
            command -v nginx >/dev/null && command -v ffmpeg >/dev/null || die "LAB_MEDIA=nginx needs nginx and ffmpeg" ;;
        *) die "LAB_MEDIA must be responder or nginx: $MEDIA" ;;
    esac
    # the servers that run nginx-rtmp (rsN names): all of them, or LAB_NGINX_SERVERS
    local nginx_ns=() want
    if [ "$MEDIA" = nginx ]; then
        if [ -n "${LAB_NGINX_SERVERS:-}" ]; then
            for a in $LAB_NGINX_SERVERS; do
                if [[ $a =~ ^rs([0-9]{1,3})$ ]]; then n=${BASH_REMATCH[1]}; else n=$(octet 192.0.2 "$a") || die "LAB_NGINX_SERVERS: not a server name or address: $a"; fi
                [[ " ${rsn[*]} " == *" $n "* ]] || die "LAB_NGINX_SERVERS: not one of the lab's servers: $a"
                [[ " ${nginx_ns[*]} " == *" rs$n "* ]] || nginx_ns+=("rs$n")
            done
        else
            for n in "${rsn[@]}"; do nginx_ns+=("rs$n"); done
        fi
    elif [ -n "${LAB_NGINX_SERVERS:-}" ]; then
        die "LAB_NGINX_SERVERS needs LAB_MEDIA=nginx"
    fi
    mkdir -p "$LAB_DIR/state"
    # later commands (publish, revive, cam) start publishers too: they find the sample here
    [ "$MEDIA" = nginx ] && echo "$LAB_SAMPLE" >"$LAB_DIR/sample"
    {
        echo "netns add router"
        echo "link add lan0 address $DIRECTOR_MAC type bridge"
        echo "link set lan0 up"
        echo "addr add $DIRECTOR_IP/24 dev lan0"
        echo "addr add $DIRECTOR_RS_IP/24 dev lan0"
        echo "addr add $VIP/32 dev lan0"
        echo "route add default via $ROUTER_LAN_IP"
        echo "link add rl netns router address $ROUTER_MAC type veth peer name rl-br"
        echo "link set rl-br master lan0 up"
        for n in "${rsn[@]}"; do
            echo "netns add rs$n"
            echo "link add e0 netns rs$n address $(mac_of "$n") type veth peer name rs$n"
            echo "link set rs$n master lan0 up"
        done
        for n in "${cln[@]}"; do
            echo "netns add cl$n"
            echo "link add c0 netns cl$n type veth peer name cl$n netns router"
        done
    } | ip -b - || { cmd_down_quiet; die "topology batch failed"; }
    # The responder needs only the namespaces (and e0 for its sysctls): start it
    # now, python3 takes seconds to start under TCG while we configure.
    local rsnames='' clnames='' i
    for n in "${rsn[@]}"; do rsnames+="rs$n "; done
    for n in "${cln[@]}"; do clnames+="cl$n "; done
    write_responder
    rm -f "$LAB_DIR/ctl" "$LAB_DIR/ready"
    mkfifo "$LAB_DIR/ctl"
    LAB_NGINX_NS="${nginx_ns[*]}" setsid "$PY" -u "$LAB_DIR/responder.py" "$LAB_DIR" "$rsnames" "$clnames" "${LAB_SYN_RETRIES:-1}" \
        >>"$LAB_LOG" 2>&1 </dev/null &
    echo $! >"$LAB_DIR/responder.pid"
    {
        echo "link set lo up"
        echo "link add cbr type bridge"
        echo "link set cbr up"
        echo "addr add $ROUTER_CLIENT_IP/24 dev cbr"
        echo "addr add $ROUTER_LAN_IP/24 dev rl"
        echo "addr add $ROUTER_RS_IP/24 dev rl"
        echo "link set rl up"
        for n in "${cln[@]}"; do echo "link set cl$n master cbr up"; done
    } | ip -n router -b - || { cmd_down_quiet; die "router batch failed"; }
    for n in "${cln[@]}"; do
        ip -n "cl$n" -b - <<EOF || { cmd_down_quiet; die "client cl$n batch failed"; }
link set lo up
addr add 203.0.113.$n/24 dev c0
link set c0 up
route add default via $ROUTER_CLIENT_IP
EOF
    done
    # The VIP may go on lo before the responder has set arp_ignore/arp_announce:
    # no traffic (hence no ARP for the VIP) happens before `up` has returned,
    # and `up` waits for the responder.
    for n in "${rsn[@]}"; do
        ip -n "rs$n" -b - <<EOF || { cmd_down_quiet; die "server rs$n batch failed"; }
link set lo up
addr add $VIP/32 dev lo
addr add 192.0.2.$n/24 dev e0
link set e0 up
route add default via $ROUTER_RS_IP
EOF
    done
    # Router: count VIP replies forwarded towards the clients per source MAC.
    {
        echo "*filter"
        echo ":FORWARD ACCEPT [0:0]"
        echo ":LAB-DR - [0:0]"
        echo "-A FORWARD -i rl -s $VIP/32 -p tcp -j LAB-DR"
        for n in "${rsn[@]}"; do echo "-A LAB-DR -m mac --mac-source $(mac_of "$n") -m comment --comment from-rs$n -j RETURN"; done
        echo "-A LAB-DR -m mac --mac-source $DIRECTOR_MAC -m comment --comment from-director -j RETURN"
        echo "-A LAB-DR -m comment --comment from-other -j RETURN"
        echo "COMMIT"
    } | ip netns exec router iptables-restore || { cmd_down_quiet; die "router counters failed"; }
    for ((i = 0; i < 600; i++)); do # up to 60 s (python3 starts slowly under TCG)
        [ -s "$LAB_DIR/ready" ] && break
        kill -0 "$(cat "$LAB_DIR/responder.pid")" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -s "$LAB_DIR/ready" ]; then
        say "responder did not start; its log:"
        tail -n 30 "$LAB_LOG" >&2
        cmd_down_quiet
        exit 1
    fi
    if [ "$MEDIA" = nginx ]; then
        if [ ${#nginx_ns[@]} = ${#rsn[@]} ]; then echo nginx >"$LAB_DIR/media"; else echo mixed >"$LAB_DIR/media"; fi
        # LAB_PUBLISH=later: nginx only; `lab.sh publish` starts the publishers (under emulation they
        # starve a JVM that starts meanwhile: docs/lab.md)
        local pub=''
        [ "${LAB_PUBLISH:-now}" = later ] && pub=nopub
        for want in "${nginx_ns[@]}"; do media_start "$want" $pub || { cmd_down_quiet; die "nginx-rtmp on $want did not start"; }; done
        if [ -z "$pub" ]; then
            for want in "${nginx_ns[@]}"; do media_wait_live "$want" || say "$want: no live HLS playlist yet (see $LAB_DIR/media-$want/error.log)"; done
        fi
    fi
    echo "$servers" >"$LAB_DIR/servers"
    echo "$clients" >"$LAB_DIR/clients"
    echo "lab up: VIP $VIP, servers ${rsnames% }, clients ${clnames% } ($(ms_since "$t0") ms)"
}

ms_since() { # ms_since EPOCHREALTIME_VALUE
    local a=${1/./} b=${EPOCHREALTIME/./}
    echo $(((10#$b - 10#$a) / 1000))
}

cmd_down_quiet() { cmd_down >/dev/null 2>&1; }
cmd_down() {
    local pid i ns d
    for d in "$LAB_DIR"/media-rs*; do [ -d "$d" ] && media_stop "${d##*/media-}"; done
    if [ -s "$LAB_DIR/responder.pid" ]; then
        pid=$(cat "$LAB_DIR/responder.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null
            for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null
        fi
    fi
    {
        for ns in /run/netns/router /run/netns/rs* /run/netns/cl*; do
            [ -e "$ns" ] && echo "netns del ${ns##*/}"
        done
        [ -e /sys/class/net/lan0 ] && echo "link del lan0"
        [ -e /sys/class/net/rl-br ] && echo "link del rl-br"
    } | ip -b - 2>/dev/null
    rm -rf "$LAB_DIR"
    echo "lab down"
}

ctl() { # ctl CMD NAME EXPECTED_STATE
    local i
    is_up || die "the lab is not up"
    if server_is_media "$2"; then media_ctl "$@"; return; fi
    kill -0 "$(cat "$LAB_DIR/responder.pid")" 2>/dev/null || die "the responder is not running (see $LAB_LOG)"
    echo "$1 $2" >"$LAB_DIR/ctl"
    for ((i = 0; i < 100; i++)); do # up to 10 s
        [ "$(cat "$LAB_DIR/state/$2" 2>/dev/null)" = "$3" ] && { echo "$2 $3"; return 0; }
        sleep 0.1
    done
    die "$2 did not become $3"
}

cmd_connect() {
    [ "$(media_mode)" = nginx ] && die "connect talks to the python responder; this lab runs nginx-rtmp (use ffprobe/curl in the client netns)"
    local client=$1 port=$2 count=${3:-1} dest=${4:-$VIP} ns
    ns=$(client_ns "$client") || exit 2
    [[ $port =~ ^[0-9]{1,5}$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad port: $port"
    [[ $count =~ ^[0-9]{1,3}$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 200 ] || die "count must be 1..200"
    [[ $dest =~ ^(192\.0\.2|198\.51\.100|203\.0\.113)\.[0-9]{1,3}$ ]] || die "destination not in the lab ranges: $dest"
    # One bash for all the connections (process starts are slow under TCG);
    # connect fails after ~3 s on a silent server (tcp_syn_retries=1), the read
    # after 5 s; the whole batch is bounded by timeout.
    ip netns exec "$ns" timeout $((10 * count + 10)) bash -c '
        exec 2>/dev/null
        rc=0
        for ((i = 0; i < $3; i++)); do
            t=${EPOCHREALTIME/./}
            if exec 3<>"/dev/tcp/$1/$2"; then
                printf "who\n" >&3
                if read -r -t 5 l <&3 && [ -n "$l" ]; then echo "$l"; else echo "FAIL no-answer"; rc=1; fi
                exec 3<&-
            else
                if (( ${EPOCHREALTIME/./} - t > 2000000 )); then echo "FAIL connect-timeout"; else echo "FAIL connect-refused"; fi
                rc=1
            fi
        done
        exit $rc' lab-connect "$dest" "$port" "$count"
}

cmd_counters() {
    is_up || die "the lab is not up"
    ip netns exec router iptables -L LAB-DR -v -x -n |
        awk '{for (i = 1; i <= NF; i++) if ($i ~ /^from-/) print $i, $1}'
}

cmd_add_client() {
    local n
    n=$(octet 203.0.113 "$1") || die "client address not in 203.0.113.3-254: $1"
    is_up || die "the lab is not up"
    [ -e "/run/netns/cl$n" ] && die "client $1 exists"
    ip -b - <<EOF || die "add-client failed"
netns add cl$n
link add c0 netns cl$n type veth peer name cl$n netns router
EOF
    ip -n router link set "cl$n" master cbr up || die "add-client failed"
    ip -n "cl$n" -b - <<EOF || die "add-client failed"
link set lo up
addr add 203.0.113.$n/24 dev c0
link set c0 up
route add default via $ROUTER_CLIENT_IP
EOF
    ip netns exec "cl$n" sh -c "echo ${LAB_SYN_RETRIES:-1} >/proc/sys/net/ipv4/tcp_syn_retries"
    echo "$(cat "$LAB_DIR/clients") $1" >"$LAB_DIR/clients"
    echo "client cl$n $1"
}

cmd_env() {
    echo "LAB_VIP=$VIP"
    echo "LAB_PORTS='$PORTS'"
    echo "LAB_DIRECTOR_IP=$DIRECTOR_IP"
    echo "LAB_DIRECTOR_RS_IP=$DIRECTOR_RS_IP"
    echo "LAB_DIRECTOR_DEV=lan0"
    echo "LAB_DIRECTOR_MAC=$DIRECTOR_MAC"
    echo "LAB_ROUTER_MAC=$ROUTER_MAC"
    echo "LAB_CLIENT_NET=203.0.113.0/24"
    echo "LAB_SERVER_NET=192.0.2.0/24"
    if is_up; then
        echo "LAB_SERVERS='$(cat "$LAB_DIR/servers")'"
        echo "LAB_CLIENTS='$(cat "$LAB_DIR/clients")'"
    fi
}

cmd_status() {
    local f
    is_up || { echo "lab down"; return 1; }
    cmd_env
    for f in "$LAB_DIR"/state/*; do
        [ -f "$f" ] && echo "server ${f##*/} $(cat "$f") link $(cat "/sys/class/net/${f##*/}/operstate" 2>/dev/null)"
    done
}

sub=${1:-}
[ $# -gt 0 ] && shift
case $sub in
    up) [ $# = 0 ] || die "usage: lab.sh up"; cmd_up ;;
    down) cmd_down ;;
    connect) [ $# -ge 2 ] && [ $# -le 4 ] || die "usage: lab.sh connect CLIENT_IP PORT [COUNT [DEST]]"; cmd_connect "$@" ;;
    kill-server | hang-server | freeze-server | revive-server)
        [ $# = 1 ] || die "usage: lab.sh $sub NAME|IP"
        ns=$(server_ns "$1") || exit 2
        case $sub in
            kill-server) ctl kill "$ns" down ;;
            hang-server) ctl hang "$ns" hung ;;
            freeze-server) ctl freeze "$ns" frozen ;;
            revive-server) ctl revive "$ns" up ;;
        esac ;;
    publish) # LAB_MEDIA=nginx, up with LAB_PUBLISH=later: start the publishers nobody started yet
        is_up && is_media || die "publish: needs a lab up with LAB_MEDIA=nginx"
        for d in "$LAB_DIR"/media-rs*; do
            ns=${d##*/media-}
            p=$(media_pid "$ns" ffmpeg)
            [ -n "$p" ] && kill -0 "$p" 2>/dev/null && continue
            [ "$(cat "$LAB_DIR/state/$ns" 2>/dev/null)" = up ] || continue
            media_publish "$ns" || say "$ns: publisher not started"
        done
        for d in "$LAB_DIR"/media-rs*; do
            media_wait_live "${d##*/media-}" || say "${d##*/media-}: no live HLS playlist yet"
        done
        echo "published" ;;
    cam) # LAB_MEDIA=nginx: a second camera (live/cam) on a server, on or off
        [ $# = 2 ] && [[ $2 =~ ^(on|off)$ ]] || die "usage: lab.sh cam NAME|IP on|off"
        is_up && is_media || die "cam: needs a lab up with LAB_MEDIA=nginx"
        ns=$(server_ns "$1") || exit 2
        server_is_media "$ns" || die "cam: $ns runs the python responder, not nginx-rtmp (LAB_NGINX_SERVERS)"
        media_cam "$ns" "$2" ;;
    link-down | link-up)
        [ $# = 1 ] || die "usage: lab.sh $sub NAME|IP"
        ns=$(server_ns "$1") || exit 2
        if [ "$sub" = link-down ]; then
            ip -n "$ns" link set e0 down || exit 1
        else # link down removed the routes through e0: put the default back
            printf 'link set e0 up\nroute replace default via %s\n' "$ROUTER_RS_IP" | ip -n "$ns" -b - || exit 1
        fi
        echo "$ns ${sub/-/ }" ;;
    add-client) [ $# = 1 ] || die "usage: lab.sh add-client IP"; cmd_add_client "$1" ;;
    counters) cmd_counters ;;
    env) cmd_env ;;
    status) cmd_status ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
