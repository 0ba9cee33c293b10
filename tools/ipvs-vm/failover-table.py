#!/usr/bin/env python3
"""failover-table.py RUNS_TSV [LOSS_TSV] — the failover benchmark's table (markdown) from failover-bench's output.

Per fault and system: runs, the time from the fault to the first new viewer playing from the backup and to every
existing viewer playing again (p50/p95/p99/max, nearest rank; a run where it did not happen within the bound counts
as "not within" and makes the percentiles above it infinite), failed viewer connection attempts per failover, and a
new viewer served by any other server than the backup (must be 0). Then the false failovers under loss.
"""
import csv
import math
import sys

SYSTEMS = ["videolb-defaults", "videolb-kaprobe", "keepalived-tight", "keepalived-defaults"]
FAULTS = ["kill", "silent", "hung", "frozen"]


def pct(values, p):
    """nearest-rank percentile; None (not within the bound) sorts last"""
    if not values:
        return None
    vals = sorted(values, key=lambda v: math.inf if v is None else v)
    return vals[max(0, math.ceil(p / 100 * len(vals)) - 1)]


def fmt(ms):
    return "not within" if ms is None else "%.2f" % (ms / 1000)


def main():
    rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
    notes = []
    out = ["| fault | system | runs | first new viewer on the backup, s: p50 / p95 / p99 / max | existing viewers "
           "playing again, s: p50 / p95 / p99 / max | failed attempts per failover: new viewer (every 100 ms) / "
           "existing viewers | new viewer on another server |",
           "|---|---|---|---|---|---|---|"]
    for fault in FAULTS:
        for system in SYSTEMS:
            rs = [r for r in rows if r["fault"] == fault and r["system"] == system]
            if not rs:
                continue
            # a new viewer that played but whose connection the director's table did not show: unverified, left out
            unverified = [r for r in rs if r["new_server"] == "?" and int(r["new_ms"]) >= 0]
            rs = [r for r in rs if r not in unverified]
            if not rs:
                continue
            new = [None if int(r["new_ms"]) < 0 else int(r["new_ms"]) for r in rs]
            ex = []
            ex_failed = []
            for r in rs:
                vals = [int(x) for x in r["existing_ms"].split(",")] if r["existing_ms"] not in ("", "-") else []
                ex.append(None if any(v < 0 for v in vals) else (max(vals) if vals else None))
                ex_failed.append(sum(int(x) for x in r["existing_failed"].split(",")) if r["existing_failed"] not in ("", "-") else 0)
            nf = [int(r["new_failed"]) for r in rs if int(r["new_failed"]) >= 0]
            wrong = sum(1 for r in rs if r["new_server"] not in ("-", "?") and not r["new_server"].startswith("not-")
                        and r["new_server"] != "192.0.2.21")
            if unverified:
                notes.append("%s %s: %d run(s) left out, the new viewer's connection not in the director's table"
                             " (runs %s)" % (fault, system, len(unverified), ", ".join(r["run"] for r in unverified)))
            out.append("| %s | %s | %d | %s | %s | %s / %s | %d |" % (
                fault, system, len(rs),
                " / ".join(fmt(pct(new, p)) for p in (50, 95, 99, 100)),
                " / ".join(fmt(pct(ex, p)) for p in (50, 95, 99, 100)) if any(r["existing_ms"] not in ("", "-") for r in rs) else "-",
                "%.1f" % (sum(nf) / len(nf)) if nf else "-",
                "%.1f" % (sum(ex_failed) / len(ex_failed)) if ex_failed else "-",
                wrong))
    if notes:
        out += [""] + ["- " + n for n in notes]
    if len(sys.argv) > 2:
        loss = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
        if loss:
            out += ["", "| system | seconds with 2 % loss + 20 ms jitter | false failovers | IPVS changes |", "|---|---|---|---|"]
            out += ["| %s | %s | %s | %s |" % (l["system"], l["seconds"], l["false_failovers"], l["changes"]) for l in loss]
    print("\n".join(out))


if __name__ == "__main__":
    main()
