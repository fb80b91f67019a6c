#!/usr/bin/env python3
"""The probe of bench/watch-bench.sh: how long a commit to the origin takes to be visible on a replica.

  watch-probe.py write ORIGIN RATE SECONDS LOG   commit one numbered row to table probe RATE times a
                                                 second for SECONDS; LOG gets "n commit_ns" lines
  watch-probe.py read REPLICA SECONDS LOG         poll max(n) of probe on REPLICA every millisecond
                                                 for SECONDS; LOG gets "n seen_ns" for each row seen
  watch-probe.py lag WRITE_LOG READ_LOG          p50, p99 and the largest lag, and rows never seen

The writer is a client as applications are: synchronous=NORMAL, wal_autocheckpoint at its default.
Every loop is bounded by its SECONDS.
"""
import sqlite3
import sys
import time


def write(origin, rate, seconds, log):
    db = sqlite3.connect(origin, isolation_level=None)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS probe(n INTEGER PRIMARY KEY, t INTEGER)")
    start_n = db.execute("SELECT coalesce(max(n), 0) FROM probe").fetchone()[0]
    lines = []
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n = start_n + i + 1
        db.execute("INSERT INTO probe VALUES (?, ?)", (n, time.time_ns()))
        lines.append(f"{n} {time.time_ns()}\n")
    db.close()
    with open(log, "w") as out:
        out.writelines(lines)


def read(replica, seconds, log):
    deadline = time.monotonic() + seconds
    db = sqlite3.connect(f"file:{replica}?mode=ro", uri=True, isolation_level=None)
    last = None
    lines = []
    while time.monotonic() < deadline:
        try:
            top = db.execute("SELECT coalesce(max(n), 0) FROM probe").fetchone()[0]
        except sqlite3.OperationalError:  # busy, or the table not there yet
            top = None
        now = time.time_ns()
        if top is not None:
            if last is None:
                last = top  # rows before the probe started are not measured
            for n in range(last + 1, top + 1):
                lines.append(f"{n} {now}\n")
            last = max(last, top)
        time.sleep(0.001)
    with open(log, "w") as out:
        out.writelines(lines)


def lag(write_log, read_log):
    committed = dict(map(int, line.split()) for line in open(write_log))
    seen = dict(map(int, line.split()) for line in open(read_log))
    lags = sorted((seen[n] - t) / 1e6 for n, t in committed.items() if n in seen)
    missing = sum(1 for n in committed if n not in seen)
    if not lags:
        print(f"no row seen of {len(committed)}")
        return
    def at(q):
        return lags[min(len(lags) - 1, int(q * len(lags)))]
    print(f"{at(0.5):.0f} {at(0.99):.0f} {lags[-1]:.0f} {len(lags)} {missing}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "write":
        write(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif mode == "read":
        read(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        lag(sys.argv[2], sys.argv[3])
