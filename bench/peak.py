#!/usr/bin/env python3
"""Runs a command (its output to /dev/null) and prints "SECONDS PEAK_RSS_KIB PEAK_PRIVATE_KIB EXIT_CODE": the whole
process's wall time, its peak resident set (the kernel's, from wait4: it counts the file pages it mapped, such as
SQLite's memory map of a database) and its peak private memory (RssAnon, sampled every 10 ms).
Usage: bench/peak.py COMMAND [ARG...]
"""
import os
import subprocess
import sys
import time


def private_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


started = time.monotonic()
process = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
peak = 0
while True:
    # Reap without waiting: a process that has ended leaves its usage here and nowhere else.
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid:
        break
    peak = max(peak, private_kib(process.pid))
    time.sleep(0.01)
seconds = time.monotonic() - started
process.returncode = os.waitstatus_to_exitcode(status)
print(f"{seconds:.3f} {usage.ru_maxrss} {peak} {os.waitstatus_to_exitcode(status)}")
