#!/usr/bin/env bash
# Steering benchmark, side by side in one run: videolb's ipset path (payloads rendered by the agent's own
# Planner + Renderer) vs the original design (one `iptables -A` process per rule, 2 rules per client),
# at several client counts, inside private network namespaces created and deleted here (the host's rules
# are never touched). Prints ONE table. Run as root from the repository root, after building the agent:
#
#   mvn -B -q -pl ipvs-agent -am install -DskipTests
#   ipvs-agent/bench/steering-bench.sh [--reps 3] [--secs 2] [--raw FILE] [--no-legacy] [--full-max 1000]
#                                      [--rule-max 131000] [SIZES...]
#       default sizes 1000 10000 100000 (up to 2000000: `... 1000000` is issue 11's run); --full-max: largest N
#       whose per-rule install is run end to end (above it: estimated from the measured per-call cost);
#       --rule-max: largest N with per-rule cells at all (above it they would take hours: skipped, labelled);
#       results and method: docs/benchmarks-steering.md
#   env: INSTALL_LIMIT (s, default 180) stops a longer per-rule install; PIN (CPU, default 1); SAMPLE_K (10);
#        AGENT_XMX (heap of the agent's Java read/plan bench in the ipset cell, default 1g)
#
# Per cell (one design at one size, one repetition) a fresh director namespace and client namespace joined
# by a veth; designs rotated between repetitions; median (min-max) over the repetitions.
# Traffic only 203.0.113.10 (client) -> 192.0.2.10:1935 (VIP on the director's lo); the fillers
# (198.18.0.0/15, then 100.64.0.0/10 above 131,070 clients) are rule content only. Every loop is bounded in count and time; only processes started here are stopped.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REPS=3; SECS=2; RAWOUT=""; LEGACY=1; SIZES=()
FULL_MAX=${FULL_MAX:-1000}        # per-rule install measured end to end up to this N; above: estimated
INSTALL_LIMIT=${INSTALL_LIMIT:-180} # seconds: a per-rule install running longer is stopped and reported as FAIL
SAMPLE_K=${SAMPLE_K:-10}          # single -A calls per marginal-cost sample
RULE_MAX=${RULE_MAX:-131000}      # per-rule cells only up to this N (at 1M they would take hours)
AGENT_XMX=${AGENT_XMX:-1g}        # heap of the agent's Java read/plan bench (AgentReadBench) in the ipset cell
PIN=${PIN:-1}                     # client, server and their softirq work on one CPU (cross-CPU wakeups are costly in VMs)
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --secs) SECS=$2; shift 2 ;;
    --raw) RAWOUT=$2; shift 2 ;;
    --no-legacy) LEGACY=0; shift ;;
    --full-max) FULL_MAX=$2; shift 2 ;;
    --rule-max) RULE_MAX=$2; shift 2 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) [[ $1 =~ ^[0-9]+$ ]] || { echo "size must be a number, got '$1'" >&2; exit 2; }; SIZES+=("$1"); shift ;;
  esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)
[[ $REPS =~ ^[1-9]$ ]] || { echo "--reps must be 1..9" >&2; exit 2; }
[[ $SECS =~ ^[1-9]$|^10$ ]] || { echo "--secs must be 1..10" >&2; exit 2; }
[[ $FULL_MAX =~ ^[0-9]{1,6}$ ]] || { echo "--full-max must be a number of clients" >&2; exit 2; }
[[ $RULE_MAX =~ ^[0-9]{1,7}$ ]] || { echo "--rule-max must be a number of clients" >&2; exit 2; }
[[ $AGENT_XMX =~ ^[0-9]{1,5}[mg]$ ]] || { echo "AGENT_XMX must be like 768m or 1g" >&2; exit 2; }
for N in "${SIZES[@]}"; do [ "$N" -ge 2 ] && [ "$N" -le 2000000 ] || { echo "sizes must be 2..2000000, got $N" >&2; exit 2; }; done
[[ $INSTALL_LIMIT =~ ^[0-9]{1,4}$ ]] || { echo "INSTALL_LIMIT must be 0..9999 seconds" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, ipset, iptables)" >&2; exit 2; }
for t in ip ipset iptables-restore iptables-nft iptables-nft-restore iptables-legacy iptables-legacy-restore gcc javac java python3 bc taskset timeout; do
  command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
SLF4J_V=$(sed -n 's:.*<slf4j.version>\(.*\)</slf4j.version>.*:\1:p' "$ROOT/pom.xml")
SLF4J=$HOME/.m2/repository/org/slf4j/slf4j-api/$SLF4J_V/slf4j-api-$SLF4J_V.jar
CP="$ROOT/contracts/target/classes:$ROOT/ipvs-agent/target/classes:$ROOT/service-runtime/target/classes:$SLF4J"
[ -f "$ROOT/ipvs-agent/target/classes/io/videolb/agent/render/Renderer.class" ] && [ -d "$ROOT/contracts/target/classes/io/videolb/model" ] \
  && [ -d "$ROOT/service-runtime/target/classes/io/videolb/runtime" ] && [ -f "$SLF4J" ] \
  || { echo "build first: mvn -B -q -pl ipvs-agent -am install -DskipTests (needs $SLF4J too)" >&2; exit 2; }

ID=$$; D=vsd$ID; C=vsc$ID; VD=vxd$ID; VC=vxc$ID
W=$(mktemp -d /tmp/vlb-steer.XXXXXX); RAW=$W/raw.csv; G=$W/gen
PIDS=()
cleanup() {
  local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del $D 2>/dev/null || true; ip netns del $C 2>/dev/null || true
  [ -n "$RAWOUT" ] && [ -f "$RAW" ] && cp "$RAW" "$RAWOUT"
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[$(date +%T)] $*" >&2; }
emit() { echo "$1,$2,$3,$4,$5" >> "$RAW"; }     # design,N,rep,metric,value
kv() { awk -v k="$1" '$1==k{print $2}' <<< "$2"; }
inner() { # never aborts the run: a failed step is logged and its value recorded as missing/FAIL
  local out; out=$(timeout "${TMO:-300}" ip netns exec $D bash "$HERE/steering-inner.sh" "$@") \
    || log "FAILED: $* (exit $?): $(grep '^error' <<< "$out" || true)"
  echo "$out"
}

# --- payloads (agent's renderer) and the load generator -------------------------------------------
log "generating payloads with the agent's Planner/Renderer for ${SIZES[*]} (+50000 for the cost curve)"
mkdir -p "$W/cls" "$G"
javac -nowarn -d "$W/cls" -cp "$CP" "$ROOT/ipvs-agent/src/test/java/io/videolb/agent/bench/SteeringBenchPayloads.java" \
  "$ROOT/ipvs-agent/src/test/java/io/videolb/agent/bench/AgentReadBench.java" 2> "$W/javac.log" \
  || { cat "$W/javac.log" >&2; exit 1; }
CURVE=50000
java -cp "$W/cls:$CP" io.videolb.agent.bench.SteeringBenchPayloads --perrule-max "$RULE_MAX" "$G" "${SIZES[@]}" $CURVE
gcc -O2 -Wall -o "$W/crr" "$HERE/crr.c"
CRR=$W/crr

# --- topology -----------------------------------------------------------------------------------
topo_up() {
  ip netns add $D; ip netns add $C
  for ns in $D $C; do
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n $ns link set lo up
  done
  ip link add $VC netns $C type veth peer name $VD netns $D
  ip -n $C addr add 203.0.113.10/24 dev $VC; ip -n $C link set $VC up
  ip -n $C route add 192.0.2.0/24 via 203.0.113.1
  ip -n $D addr add 203.0.113.1/24 dev $VD; ip -n $D addr add 192.0.2.10/32 dev lo; ip -n $D link set $VD up
  # marking check at INPUT (legacy filter table: cheap to read whatever the mangle table holds):
  # rule 1 counts packets to the VIP's port carrying the client's mark 0x42, rule 2 counts all of them
  ip netns exec $D iptables-legacy -t filter -A INPUT -d 192.0.2.10/32 -p tcp --dport 1935 -m mark --mark 0x42
  ip netns exec $D iptables-legacy -t filter -A INPUT -d 192.0.2.10/32 -p tcp --dport 1935
}
topo_down() {
  ip netns del $D 2>/dev/null || true; ip netns del $C 2>/dev/null || true
  sleep 1   # let the asynchronous namespace teardown settle before the next cell
}
conn_rate() { # design N rep -> emits conn, pkts_m42, pkts_all
  ip netns exec $D taskset -c $PIN "$CRR" server 192.0.2.10 1935 $((SECS + 40)) & local srv=$!; PIDS+=($srv)
  sleep 0.3
  timeout 30 ip netns exec $C taskset -c $PIN "$CRR" client 192.0.2.10 1935 0.3 1000 > /dev/null || true   # warm-up (ARP)
  local res; res=$(timeout $((SECS + 30)) ip netns exec $C taskset -c $PIN "$CRR" client 192.0.2.10 1935 $SECS 5000000) || res="rate=FAIL"
  kill $srv 2>/dev/null || true; wait $srv 2>/dev/null || true; PIDS=("${PIDS[@]/$srv}")
  local c; c=($(ip netns exec $D iptables-legacy -t filter -L INPUT -v -n -x | awk 'NR>2{print $1}'))
  emit $1 $2 $3 conn "$(sed 's/.*rate=\([0-9.A-Z]*\).*/\1/' <<< "$res")"
  emit $1 $2 $3 pkts_m42 "${c[0]}"; emit $1 $2 $3 pkts_all "${c[1]}"
}

# --- cells --------------------------------------------------------------------------------------
cell_base() { topo_up; conn_rate base $1 $2; topo_down; }
cell_ipset() { # N rep
  local N=$1 r=$2 o; topo_up
  o=$(inner ipset-install $G/$N); emit ipset $N $r install "$(kv time "$o")"; emit ipset $N $r entries "$(kv entries "$o")"
  emit ipset $N $r install_ipset "$(kv ipset_time "$o")"; emit ipset $N $r install_ipt "$(kv ipt_time "$o")"
  conn_rate ipset $N $r
  # the agent's own Java work at N (read through its runner + parse, plan of the one-client change, reboot file
  # write), before the change below so that the kernel holds exactly the N clients
  mkdir -p "$W/reboot"; rm -f "$W/reboot"/*
  o=$(timeout 600 ip netns exec $D java -Xmx$AGENT_XMX -cp "$W/cls:$CP" io.videolb.agent.bench.AgentReadBench $N 1 "$W/reboot" 2> "$W/agentjava.log") \
    || log "FAILED: AgentReadBench $N (exit $?): $(grep -v SLF4J "$W/agentjava.log" | head -3)"
  for k in read parse parse_before plan reboot heap_mb; do emit ipset $N $r java_$k "$(kv $k "$o")"; done
  o=$(inner ipset-variants $G/$N)
  for v in sized h1024; do
    for t in $(awk -v k=restore_$v '$1==k{print $2}' <<< "$o"); do emit ipset $N $r restore_$v "$t"; done
    emit ipset $N $r hashsize_$v "$(awk -v k=hashsize_$v '$1==k{print $2}' <<< "$o" | tail -1)"
  done
  o=$(inner ipset-change $G/$N); emit ipset $N $r change "$(kv time "$o")"; emit ipset $N $r change_check "$(kv check "$o")"
  o=$(inner agent-read); emit ipset $N $r agent_read "$(kv time "$o")"
  topo_down
}
cell_rule() { # backend N rep
  local b=$1 N=$2 r=$3 IPT=iptables-$1 d=rule-$1 o; topo_up
  o=$(inner rule-sample $IPT $SAMPLE_K); emit $d $N $r "sample_$(kv rules "$o")" "$(kv percall "$o")"
  ip netns exec $D $IPT -t mangle -F PREROUTING
  if [ $N -le $FULL_MAX ]; then
    o=$(TMO=$((INSTALL_LIMIT + 30)) inner rule-install $IPT $G/$N $INSTALL_LIMIT); emit $d $N $r install "$(kv time "$o")"; emit $d $N $r rules "$(kv rules "$o")"
  else
    if [ $N -ge 100000 ]; then   # one more point of the cost curve, at R = 2*50000+1
      inner rule-preload $IPT $G/$CURVE > /dev/null
      o=$(inner rule-sample $IPT $SAMPLE_K); emit $d $N $r "sample_$(kv rules "$o")" "$(kv percall "$o")"
    fi
    o=$(inner rule-preload $IPT $G/$N); emit $d $N $r preload "$(kv time "$o")"; emit $d $N $r rules "$(kv rules "$o")"
  fi
  conn_rate $d $N $r
  if [ "$b" = nft ] && [ $N -ge 100000 ] && [ $r -gt 1 ]; then
    log "  (nft -D at $N clients takes tens of seconds: measured in rep 1 only)"
  else
    o=$(inner rule-change $IPT $G/$N); emit $d $N $r change "$(kv time "$o")"; emit $d $N $r change_check "$(kv check "$o")"
  fi
  o=$(inner rule-sample $IPT $SAMPLE_K); emit $d $N $r "sample_$(kv rules "$o")" "$(kv percall "$o")"
  topo_down
}

# --- run ----------------------------------------------------------------------------------------
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg); T0=$EPOCHREALTIME
DESIGNS=(base ipset nft); [ $LEGACY = 1 ] && DESIGNS+=(legacy)
nd=${#DESIGNS[@]}
for ((r = 1; r <= REPS; r++)); do
  si=0
  for N in "${SIZES[@]}"; do
    for ((j = 0; j < nd; j++)); do
      d=${DESIGNS[$(( (j + r - 1 + si) % nd ))]}
      if [ $N -gt $RULE_MAX ] && [[ $d != base && $d != ipset ]]; then log "rep $r/$REPS N=$N $d: skipped (N > --rule-max $RULE_MAX)"; continue; fi
      log "rep $r/$REPS N=$N $d"
      case $d in
        base) cell_base $N $r ;;
        ipset) cell_ipset $N $r ;;
        *) cell_rule $d $N $r ;;
      esac
    done
    si=$((si + 1))
  done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg); T1=$EPOCHREALTIME

python3 - "$RAW" "$LOAD0" "$LOAD1" "$(echo "$T1 - $T0" | bc)" "$REPS" "$SECS" "$SAMPLE_K" "$FULL_MAX" "$(uname -r)" \
  "$(iptables --version)" "$(ipset --version | head -1)" "$(nproc)" "$RULE_MAX" "${SIZES[@]}" <<'PY'
import csv, sys, statistics, datetime
raw, load0, load1, wall, reps, secs, K, fullmax, kern, iptv, ipsv, ncpu, rulemax = sys.argv[1:14]
sizes = [int(s) for s in sys.argv[14:]]
K = int(K); fullmax = int(fullmax); rulemax = int(rulemax)
SKIP = "skipped (N > --rule-max: hours)"
cells = {}
for d, n, r, m, v in csv.reader(open(raw)):
    cells.setdefault((d, int(n), m), []).append(v)
def nums(d, n, m):
    out = []
    for v in cells.get((d, n, m), []):
        try: out.append(float(v))
        except ValueError: pass
    return out
def fmt_t(s):
    if s < 1: return f"{s*1000:.1f} ms"
    if s < 3600: return f"{s:.1f} s" if s < 100 else f"{s:.0f} s"
    return f"{s/3600:.1f} h"
def fmt_n(x): return f"{x:,.0f}"
def cell(vals, f, fails=0):
    if not vals: return "FAIL" if fails else "-"
    med = statistics.median(vals)
    s = f(med)
    if len(vals) > 1: s += f" ({f(min(vals))}-{f(max(vals))})"
    return s + f" n={len(vals)}" + (f" +{fails} FAIL" if fails else "")
def fails(d, n, m): return sum(1 for v in cells.get((d, n, m), []) if v in ("FAIL", ""))
designs = sorted({d for (d, n, m) in cells})
rule = [d for d in ("rule-nft", "rule-legacy") if d in designs]

# marginal cost of one -A process vs rules present: median per R (R = rules present before the sample; K calls)
def curve(d):
    pts = {}
    for (dd, n, m), vs in cells.items():
        if dd == d and m.startswith("sample_"):
            R = int(m[7:])
            for v in vs:
                try: pts.setdefault(R, []).append(float(v))
                except ValueError: pass
    return sorted((R + (K - 1) / 2, statistics.median(v), min(v), max(v), len(v), R) for R, v in pts.items())
def estimate(pts, N, idx):
    xs = [p[0] for p in pts]; ys = [p[idx] for p in pts]
    def t(R):
        if R <= xs[0]: return ys[0]
        for i in range(1, len(xs)):
            if R <= xs[i]: return ys[i-1] + (ys[i] - ys[i-1]) * (R - xs[i-1]) / (xs[i] - xs[i-1])
        return ys[-1]
    return sum(t(R) for R in range(0, 2 * N + 1))

W0, W = 46, 34
def row(label, vals): print(label.ljust(W0) + "".join(v.ljust(W) for v in vals).rstrip())
names = {"ipset": "videolb ipset path", "rule-nft": "per-rule, iptables-nft (default)", "rule-legacy": "per-rule, iptables-legacy", "base": "no rules (baseline)"}
print()
print(f"videolb steering benchmark  {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}  kernel {kern}  {ncpu} CPUs")
print(f"{iptv} ; {ipsv} ; reps={reps} (designs rotated), conn test {secs} s on CPU-pinned client+server, marginal-cost samples of {K} calls")
print(f"load average at start: {load0}")
print("cells: median (min-max) n=reps")
print()
row("", [f"N={n:,}" for n in sizes])
print("install N clients (from empty)")
row("  " + names["ipset"], [cell(nums("ipset", n, "install"), fmt_t, fails("ipset", n, "install")) for n in sizes])
ests = {}
for d in rule:
    pts = curve(d)
    vals = []
    for n in sizes:
        meas = nums(d, n, "install")
        if n > rulemax:
            vals.append(SKIP)
        elif n <= fullmax:
            vals.append(cell(meas, fmt_t, fails(d, n, "install")) + " measured")
        elif pts:
            e, lo, hi = estimate(pts, n, 1), estimate(pts, n, 2), estimate(pts, n, 3)
            ests[(d, n)] = e
            vals.append(f"~{fmt_t(e)} ({fmt_t(lo)}-{fmt_t(hi)}) est.*")
        else: vals.append("-")
    row("  " + names[d], vals)
print("change one client's mark (N clients present)")
row("  videolb ipset (agent's add -exist)", [cell(nums("ipset", n, "change"), fmt_t) for n in sizes])
for d in rule:
    row("  " + names[d].replace("per-rule, ", "per-rule 4 procs, ").replace(" (default)", ""), [SKIP if n > rulemax else cell(nums(d, n, "change"), fmt_t, fails(d, n, "change")) for n in sizes])
print("new TCP connections/s through the mangle table (203.0.113.10 -> VIP:1935, last client of the per-rule list)")
for d in ["base", "ipset"] + rule:
    if d in designs: row("  " + names[d], [SKIP if n > rulemax and d in rule else cell(nums(d, n, "conn"), fmt_n, fails(d, n, "conn")) for n in sizes])
print("packets to VIP:1935 carrying the client's mark 0x42 at INPUT, summed over reps (expected: all; baseline: none)")
for d in ["base", "ipset"] + rule:
    if d in designs:
        vals = []
        for n in sizes:
            m = sum(nums(d, n, "pkts_m42")); a = sum(nums(d, n, "pkts_all"))
            vals.append(f"{m:,.0f}/{a:,.0f}" + ("" if a == 0 else f" ({100*m/a:.1f}%)"))
        row("  " + names[d], vals)
print("ratios of medians (per-rule / ipset; conn/s: ipset / per-rule)")
def med(d, n, m):
    v = nums(d, n, m); return statistics.median(v) if v else None
def ratio(a, b): return f"{a/b:,.0f}x" if a and b else "-"
for d in rule:
    row(f"  install, {d}", ["-" if n > rulemax else ratio(med(d, n, "install") if n <= fullmax else ests.get((d, n)), med("ipset", n, "install")) + ("" if n <= fullmax else " (est.)") for n in sizes])
    row(f"  one-client change, {d}", [ratio(med(d, n, "change"), med("ipset", n, "change")) for n in sizes])
    row(f"  conn/s, {d}", [f"{med('ipset', n, 'conn')/med(d, n, 'conn'):,.1f}x" if med(d, n, "conn") and med("ipset", n, "conn") else "-" for n in sizes])
row("  conn/s, ipset / baseline", [f"{med('ipset', n, 'conn')/med('base', n, 'conn'):.2f}" if med("base", n, "conn") and med("ipset", n, "conn") else "-" for n in sizes])
print("checks and context")
row("  ipset entries after install (N+1)", [" ".join(sorted(set(cells.get(("ipset", n, "entries"), [])))) for n in sizes])
row("  per-rule rules present (2N+1)", [" ".join(sorted(set(sum((cells.get((d, n, "rules"), []) for d in rule), [])))) for n in sizes])
row("  new mark verified (ipset 1 / rules 2)", [" ".join(sorted(set(sum((cells.get((d, n, "change_check"), []) for d in ["ipset"] + rule), [])))) for n in sizes])
row("  agent's kernel read (ipset/iptables-save)", [cell(nums("ipset", n, "agent_read"), fmt_t) for n in sizes])
row("  install: ipset restore part", [cell(nums("ipset", n, "install_ipset"), fmt_t) for n in sizes])
row("  install: iptables-restore part", [cell(nums("ipset", n, "install_ipt"), fmt_t) for n in sizes])
row("  ipset restore, hashsize as rendered", [cell(nums("ipset", n, "restore_sized"), fmt_t) for n in sizes])
row("  ipset restore, hashsize 1024 (before)", [cell(nums("ipset", n, "restore_h1024"), fmt_t) for n in sizes])
row("  hashsize rendered / kernel grew 1024 to", [" / ".join(" ".join(sorted(set(cells.get(("ipset", n, "hashsize_" + v), [])))) for v in ("sized", "h1024")) for n in sizes])
print("the agent's Java work at N (its classes, in the director namespace; heap in use after GC, both states held)")
row("  Kernel.read (runner + parse)", [cell(nums("ipset", n, "java_read"), fmt_t) for n in sizes])
row("  ipset save parse", [cell(nums("ipset", n, "java_parse"), fmt_t) for n in sizes])
row("  ipset save parse, parser before", [cell(nums("ipset", n, "java_parse_before"), fmt_t) for n in sizes])
row("  plan one-client change (compute+2 plans)", [cell(nums("ipset", n, "java_plan"), fmt_t) for n in sizes])
row("  reboot files written (merge, fsync)", [cell(nums("ipset", n, "java_reboot"), fmt_t) for n in sizes])
row("  heap in use, MB", [cell(nums("ipset", n, "java_heap_mb"), fmt_n) for n in sizes])
for d in rule:
    row(f"  {d} layout by 1 restore (rate setup)", [cell(nums(d, n, "preload"), fmt_t) if fullmax < n <= rulemax else "-" for n in sizes])
print()
print("* estimated from measured per-call cost: sum over the 2N+1 calls of a piecewise-linear curve through the")
print("  median cost of one `iptables -A` process measured in this run at these rule counts (range: min/max curves):")
for d in rule:
    pts = curve(d)
    print(f"  {d}: " + ", ".join(f"R={p[5]:,}: {fmt_t(p[1])} ({fmt_t(p[2])}-{fmt_t(p[3])}, n={p[4]})" for p in pts))
    for n in sizes:
        meas = nums(d, n, "install")
        if n <= fullmax and meas and pts:
            e = estimate(pts, n, 1)
            print(f"    model check at N={n:,}: the curve gives {fmt_t(e)}, measured median {fmt_t(statistics.median(meas))} (ratio {statistics.median(meas)/e:.2f})")
print(f"load average at end: {load1}   wall time {float(wall)/60:.1f} min")
PY
