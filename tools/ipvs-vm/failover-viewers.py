#!/usr/bin/env python3
"""failover-viewers.py — the viewers of one failover run of tools/ipvs-vm/failover-bench-guest.sh.

Runs in a client namespace of the lab (INSIDE the IPVS VM), one process for every run (a Python start costs
seconds of the emulated CPU), and talks to the driver over stdin/stdout: it prints `serving`, then for each line
`run rtmp|hls N BOUND_S FAULTY|-` it

1. starts N "existing" viewers through the VIP and prints `ready PORT...` once every one is playing (RTMP: the
   local ports of their connections, which the driver maps to real servers in the director's connection table);
2. reads `go T_US` (the fault's time, the driver's wall clock in microseconds: the same clock, same VM);
3. from then on starts a NEW viewer every 100 ms (each with its own connection, in parallel) until one plays,
   and follows the existing viewers, which reconnect as a player does: 200 ms after their connection fails or
   ends, or after 2 s without a frame (a stall);
4. prints `result new_ms=.. new_port=.. new_failed=.. existing_ms=a,b,c existing_failed=x,y,z existing_port=p,q,r`
   (milliseconds after the fault, -1 = not within the bound; RTMP: the local port each existing viewer plays from
   now, 0 = none), once a new viewer played and every existing viewer played again on a
   connection opened after the fault, or after S seconds;
5. keeps the connections open until `end` (the driver reads the connection table; `end` instead of `go` aborts the
   run), closes everything and prints `done`. End of input ends the process.

"Playing" — RTMP: a video frame (an FLV video message that is not a codec header: nginx-rtmp sends its cached
headers at once even when the publisher is stuck) on a connection that completed the handshake, `connect`,
`createStream` and `play` of live/live. HLS: a playlist (HTTP 200, `Connection: close`, so every fetch is a new
connection the director schedules) served by a server other than FAULTY, and its newest segment fetched.
A failed attempt is a connection that ended (refused, reset, timed out, stalled, or an HLS answer from the faulty
server) before playing. Every wait is bounded.
"""
import argparse
import asyncio
import os
import struct
import sys
import time

ATTEMPT_EVERY_S = 0.1
RECONNECT_S = 0.2
STALL_S = 2.0
ATTEMPT_TIMEOUT_S = 3.0
HLS_EVERY_S = 1.0


def now_us():
    return time.time_ns() // 1000


# ---------------------------------------------------------------- RTMP (our own player: no process start per viewer)
def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(n):
    return b"\x00" + struct.pack(">d", n)


def amf_obj(d):
    out = b"\x03"
    for k, v in d.items():
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + (amf_str(v) if isinstance(v, str) else amf_num(v))
    return out + b"\x00\x00\x09"


AMF_NULL = b"\x05"


def chunked(csid, mtype, sid, payload, size=128):
    """One message as chunks of `size` (fmt 0 then fmt 3), csid < 64."""
    out = bytearray([csid])
    out += (0).to_bytes(3, "big") + len(payload).to_bytes(3, "big") + bytes([mtype]) + struct.pack("<I", sid)
    for i in range(0, len(payload), size):
        if i:
            out.append(0xC0 | csid)
        out += payload[i:i + size]
    return bytes(out)


class ChunkReader:
    """Reassembles RTMP messages from chunks (all four header formats, extended timestamps, Set Chunk Size)."""

    def __init__(self, reader, on_bytes):
        self.r = reader
        self.size = 128
        self.streams = {}
        self.on_bytes = on_bytes

    async def read(self, n):
        b = await self.r.readexactly(n)
        self.on_bytes(n)
        return b

    async def message(self):
        for _ in range(100000):
            b = (await self.read(1))[0]
            fmt, csid = b >> 6, b & 0x3F
            if csid == 0:
                csid = 64 + (await self.read(1))[0]
            elif csid == 1:
                x = await self.read(2)
                csid = 64 + x[0] + 256 * x[1]
            s = self.streams.setdefault(csid, {"len": 0, "type": 0, "sid": 0, "buf": bytearray(), "ext": False})
            ts = None
            if fmt == 0:
                h = await self.read(11)
                ts = int.from_bytes(h[0:3], "big")
                s["len"], s["type"], s["sid"] = int.from_bytes(h[3:6], "big"), h[6], int.from_bytes(h[7:11], "little")
            elif fmt == 1:
                h = await self.read(7)
                ts = int.from_bytes(h[0:3], "big")
                s["len"], s["type"] = int.from_bytes(h[3:6], "big"), h[6]
            elif fmt == 2:
                h = await self.read(3)
                ts = int.from_bytes(h[0:3], "big")
            if ts is not None:
                s["ext"] = ts == 0xFFFFFF
            if s["ext"]:
                await self.read(4)
            if s["len"] > 16 * 1024 * 1024:
                raise ValueError("message of %d bytes" % s["len"])
            n = min(self.size, s["len"] - len(s["buf"]))
            if n > 0:
                s["buf"] += await self.read(n)
            if len(s["buf"]) >= s["len"]:
                msg = (s["type"], s["sid"], bytes(s["buf"]))
                s["buf"] = bytearray()
                if msg[0] == 1 and len(msg[2]) >= 4:
                    self.size = max(1, struct.unpack(">I", msg[2][:4])[0] & 0x7FFFFFFF)
                return msg
        raise ValueError("no message in 100000 chunks")


def first_string(payload):
    if payload[:1] == b"\x02":
        n = struct.unpack(">H", payload[1:3])[0]
        return payload[3:3 + n].decode("latin-1")
    return ""


def is_frame(mtype, payload):
    """An FLV video message that is a picture: AVC NALUs (packet type 1) or any other codec's data."""
    if mtype != 9 or len(payload) < 2:
        return False
    return payload[1] == 1 if (payload[0] & 0x0F) == 7 else True


class RtmpPlay:
    """One player connection: connect .. play; frames counted; bounded by the caller."""

    def __init__(self, vip, app="live", stream="live"):
        self.vip, self.app, self.stream = vip, app, stream
        self.port = None
        self.frames = 0
        self.last_frame = None
        self.first_frame_us = None
        self.writer = None
        self.received = 0
        self.acked = 0
        self.window = 2500000

    def count(self, n):
        self.received += n

    async def run(self, on_playing):
        reader, self.writer = await asyncio.wait_for(asyncio.open_connection(self.vip, 1935), ATTEMPT_TIMEOUT_S)
        w = self.writer
        self.port = w.get_extra_info("sockname")[1]
        c1 = struct.pack(">I", int(time.time()) & 0xFFFFFFFF) + b"\x00" * 4 + os.urandom(1528)
        w.write(b"\x03" + c1)
        await w.drain()
        s0s1 = await reader.readexactly(1 + 1536)
        await reader.readexactly(1536)  # S2
        w.write(s0s1[1:])  # C2 echoes S1
        cr = ChunkReader(reader, self.count)
        w.write(chunked(3, 20, 0, amf_str("connect") + amf_num(1) + amf_obj(
            {"app": self.app, "flashVer": "LNX 9,0,124,2", "tcUrl": "rtmp://%s/%s" % (self.vip, self.app),
             "capabilities": 15, "audioCodecs": 3191, "videoCodecs": 252, "videoFunction": 1})))
        await w.drain()
        sid = None
        for _ in range(100000):
            mtype, _msid, payload = await cr.message()
            if mtype == 5 and len(payload) >= 4:
                self.window = max(1, struct.unpack(">I", payload[:4])[0])
            if self.received - self.acked >= self.window // 2:
                self.acked = self.received
                w.write(chunked(2, 3, 0, struct.pack(">I", self.received & 0xFFFFFFFF)))
            if mtype == 20:
                name = first_string(payload)
                if name == "_result" and sid is None and b"NetConnection.Connect.Success" in payload:
                    w.write(chunked(3, 20, 0, amf_str("createStream") + amf_num(2) + AMF_NULL))
                    await w.drain()
                    sid = 0
                elif name == "_result" and sid == 0:
                    # _result, 2, null, <stream id>
                    sid = int(struct.unpack(">d", payload[-8:])[0]) if payload[-9:-8] == b"\x00" else 1
                    w.write(chunked(8, 20, sid, amf_str("play") + amf_num(0) + AMF_NULL + amf_str(self.stream)))
                    await w.drain()
                elif name in ("_error", "onStatus") and (b".Failed" in payload or b"StreamNotFound" in payload
                                                         or b"Rejected" in payload):
                    raise ConnectionError("server refused: %s" % name)
            elif is_frame(mtype, payload):
                self.frames += 1
                self.last_frame = time.monotonic()
                if self.first_frame_us is None:
                    self.first_frame_us = now_us()
                    on_playing(self)

    def close(self):
        if self.writer is not None:
            self.writer.close()


# ---------------------------------------------------------------- HLS
async def http_get(vip, path):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(vip, 8080), ATTEMPT_TIMEOUT_S)
    try:
        writer.write(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, vip)).encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(4 * 1024 * 1024), ATTEMPT_TIMEOUT_S)
        for _ in range(1000):
            more = await asyncio.wait_for(reader.read(4 * 1024 * 1024), ATTEMPT_TIMEOUT_S)
            if not more:
                break
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if len(lines[0].split()) > 1 else 0
        headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        return status, headers, body
    finally:
        writer.close()


async def hls_fetch(vip, faulty, opened_us, state):
    """One viewer request: playlist + newest segment. Returns the server's name; raises when not playing. A request
    opened after the fault plays only from another server than the faulty one (decided when the answer is in: the
    fault's time reaches us after the fault)."""
    status, headers, body = await http_get(vip, "/hls/live.m3u8")
    server = headers.get("x-served-by", "?")
    if status != 200:
        raise ConnectionError("playlist HTTP %d from %s" % (status, server))
    if faulty and state["go"] and opened_us >= state["go"] and server == faulty:
        raise ConnectionError("playlist from the faulty %s" % server)
    segs = [l for l in body.decode("latin-1").splitlines() if l and not l.startswith("#")]
    if not segs:
        raise ConnectionError("empty playlist from %s" % server)
    status, _, seg = await http_get(vip, "/hls/" + segs[-1])
    if status != 200 or not seg:
        raise ConnectionError("segment HTTP %d from %s" % (status, server))
    return server


# ---------------------------------------------------------------- the run
class Viewer:
    def __init__(self):
        self.playing = False
        self.again_us = None  # first frame/fetch after the fault on a connection opened after it
        self.failed = 0
        self.port = None


async def existing_viewer(args, v, state):
    for _ in range(100000):
        if state["stop"]:
            return
        opened_us = now_us()
        if args.mode == "hls":
            try:
                await asyncio.wait_for(hls_fetch(args.vip, args.faulty, opened_us, state), ATTEMPT_TIMEOUT_S * 2)
                v.playing = True
                if state["go"] and opened_us >= state["go"] and v.again_us is None:
                    v.again_us = now_us()
            except (OSError, asyncio.TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
                if state["go"]:
                    v.failed += 1
            await asyncio.sleep(HLS_EVERY_S)
            continue
        p = RtmpPlay(args.vip)

        def playing(pl, v=v, opened_us=opened_us):
            v.playing, v.port = True, pl.port
            if state["go"] and opened_us >= state["go"] and v.again_us is None:
                v.again_us = now_us()

        task = asyncio.ensure_future(p.run(playing))
        try:
            for _ in range(10 ** 7):
                await asyncio.sleep(0.05)
                if task.done():
                    task.result()  # raises what ended it
                    raise ConnectionError("connection ended")
                if p.last_frame is None and now_us() - opened_us > ATTEMPT_TIMEOUT_S * 1e6:
                    raise asyncio.TimeoutError("no frame within the attempt timeout")
                if p.last_frame is not None and time.monotonic() - p.last_frame > STALL_S:
                    raise asyncio.TimeoutError("stalled")
                if state["stop"]:
                    return
        except (OSError, asyncio.TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            v.playing = False
            if state["go"] and opened_us >= state["go"] and p.first_frame_us is None:
                v.failed += 1  # an attempt after the fault that never played
        finally:
            task.cancel()
            p.close()
        await asyncio.sleep(RECONNECT_S)


async def new_viewer_attempt(args, state):
    """One new viewer: sets state['new'] (time, port, its start) if it is the first to play; an RTMP player that
    plays stays open. Every attempt started before the first one that played is a failed attempt (at the end of
    the run some of them may not have given up yet: a SYN to a silent server waits for its timeout)."""
    started = now_us()
    a = {"start": started, "done": False, "played": False}
    state["attempts"].append(a)
    try:
        await one_attempt(args, state, a)
    finally:
        a["done"] = True


async def one_attempt(args, state, a):
    started = a["start"]
    if args.mode == "hls":
        try:
            await asyncio.wait_for(hls_fetch(args.vip, args.faulty, state["go"], state), ATTEMPT_TIMEOUT_S * 2)
            a["played"] = True
            if state["new"] is None:
                state["new"] = (now_us(), 0, started)
        except (OSError, asyncio.TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        return
    p = RtmpPlay(args.vip)

    def playing(pl):
        a["played"] = True
        if state["new"] is None:
            state["new"] = (now_us(), pl.port, started)
            state["keep"].append(pl)
        else:
            pl.close()

    task = asyncio.ensure_future(p.run(playing))
    try:
        await asyncio.wait_for(asyncio.shield(task), ATTEMPT_TIMEOUT_S)
    except (asyncio.TimeoutError, OSError, ConnectionError, ValueError, asyncio.IncompleteReadError):
        pass
    finally:
        if p in state["keep"]:
            state["keep_tasks"].append(task)  # the first new viewer plays on until the run's end
        else:
            task.cancel()
            p.close()


class RunArgs:
    def __init__(self, vip, mode, existing, bound, faulty):
        self.vip, self.mode, self.existing, self.bound, self.faulty = vip, mode, existing, bound, faulty


async def one_run(args, stdin):
    """One run (see the module's doc); returns False when the driver went away."""
    state = {"go": None, "stop": False, "new": None, "attempts": [], "keep": [], "keep_tasks": []}
    viewers = [Viewer() for _ in range(args.existing)]
    tasks = [asyncio.ensure_future(existing_viewer(args, v, state)) for v in viewers]
    attempts = []
    try:
        end = time.monotonic() + 60
        while not all(v.playing for v in viewers):
            if time.monotonic() > end:
                print("notready", " ".join("1" if v.playing else "0" for v in viewers), flush=True)
                return await wait_end(stdin)
            await asyncio.sleep(0.05)
        print("ready", " ".join(str(v.port or 0) for v in viewers), flush=True)
        line = (await asyncio.wait_for(stdin.readline(), 600)).decode().split()
        if not line:
            return False
        if line[0] == "end":
            return True
        if len(line) != 2 or line[0] != "go" or not line[1].isdigit():
            print("error expected 'go T_US'", flush=True)
            return await wait_end(stdin)
        state["go"] = int(line[1])
        # connections of existing viewers that were opened before the fault and still play are not "again"
        deadline = time.monotonic() + args.bound
        while time.monotonic() < deadline:
            if state["new"] is None:
                attempts.append(asyncio.ensure_future(new_viewer_attempt(args, state)))
            if state["new"] is not None and all(v.again_us is not None for v in viewers):
                break
            await asyncio.sleep(ATTEMPT_EVERY_S)
        go = state["go"]
        new_ms = (state["new"][0] - go) // 1000 if state["new"] else -1
        # the attempts started before the first that played: let those still waiting end (their timeout bounds it)
        first = state["new"][2] if state["new"] else None
        before = [a for a in state["attempts"] if first is None or a["start"] < first]
        end = time.monotonic() + ATTEMPT_TIMEOUT_S * 2 + 0.5
        while any(not a["done"] for a in before) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        new_failed = sum(1 for a in before if not a["played"])
        print("result new_ms=%d new_port=%d new_failed=%d existing_ms=%s existing_failed=%s existing_port=%s" % (
            new_ms, state["new"][1] if state["new"] else 0, new_failed,
            ",".join(str((v.again_us - go) // 1000) if v.again_us else "-1" for v in viewers) or "-",
            ",".join(str(v.failed) for v in viewers) or "-",
            ",".join(str(v.port or 0) for v in viewers) or "-"), flush=True)
        return await wait_end(stdin)
    finally:
        state["stop"] = True
        for t in tasks + attempts + state["keep_tasks"]:
            t.cancel()
        for p in state["keep"]:
            p.close()
        await asyncio.sleep(0.1)  # let the cancelled tasks close their sockets


async def wait_end(stdin):
    try:
        line = await asyncio.wait_for(stdin.readline(), 120)
    except asyncio.TimeoutError:
        return True
    return bool(line)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vip", required=True)
    args = ap.parse_args()
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    print("serving", flush=True)
    for _ in range(100000):
        line = (await stdin.readline()).decode().split()
        if not line:
            return 0
        # run MODE EXISTING BOUND_S FAULTY|-
        if (len(line) != 5 or line[0] != "run" or line[1] not in ("rtmp", "hls") or not line[2].isdigit()
                or not 0 <= int(line[2]) <= 16 or not line[3].isdigit() or not 1 <= int(line[3]) <= 600
                or not (line[4] == "-" or line[4].replace("rs", "", 1).isdigit())):
            print("error expected 'run rtmp|hls 0..16 1..600 NAME|-': %s" % " ".join(line)[:100], flush=True)
            continue
        run = RunArgs(args.vip, line[1], int(line[2]), int(line[3]), "" if line[4] == "-" else line[4])
        if not await one_run(run, stdin):
            return 0
        print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
