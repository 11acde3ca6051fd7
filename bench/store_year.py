#!/usr/bin/env python3
"""Builds a darkscope observation database holding a year of a /16 darknet, one
ingested synthetic capture a day, then times `darkscope top` over the year.

usage: store_year.py DB [--packets N] [--year 2021] [--bin PATH] [--keep]

Each day of the year is a `darkscope synth` capture of N packets (default
1,000,000) for 198.18.0.0/16, ingested with `darkscope ingest` (events on,
enrichment on, as in production); the capture is deleted afterwards. The seed
cycles through 30 values, so that each day's sources are one of 30 populations
and come back every 30 days, as bots do: a year's unique sources are then many
times a day's, but far fewer than the sum over the days. Months and the year are
rolled up by the ingests themselves (a period is rolled up once its last day is
stored). With an existing DB (--keep), only the timing runs.
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time


def run(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2021)
    ap.add_argument("--bin", default="build/release/darkscope")
    ap.add_argument("--keep", action="store_true", help="use the DB as it is")
    a = ap.parse_args()
    darknet = "198.18.0.0/16"
    day0 = datetime.date(a.year, 1, 1)
    days = (datetime.date(a.year + 1, 1, 1) - day0).days
    if not a.keep:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(a.db + suffix):
                os.remove(a.db + suffix)
        t0 = time.time()
        ingest_s = 0.0
        with tempfile.TemporaryDirectory() as tmp:
            pcap = os.path.join(tmp, "day.pcap")
            for d in range(days):
                day = day0 + datetime.timedelta(days=d)
                run([a.bin, "synth", "--packets", str(a.packets), "--darknet", darknet, "--start",
                     day.isoformat(), "--days", "1", "--seed", str(1 + d % 30), "-o", pcap])
                t = time.time()
                run([a.bin, "ingest", "-q", "--db", a.db, "--darknet", darknet, pcap])
                ingest_s += time.time() - t
                if d % 30 == 29:
                    print("  %s: %d days in %.0f s (ingest %.0f s), database %.0f MB" %
                          (day, d + 1, time.time() - t0, ingest_s, os.path.getsize(a.db) / 1e6), flush=True)
        print("a year of %d packets a day in %.0f s (ingest %.0f s); database %.0f MB" %
              (a.packets, time.time() - t0, ingest_s, os.path.getsize(a.db) / 1e6))
    start, end = day0.isoformat(), datetime.date(a.year + 1, 1, 1).isoformat()
    mid_from = datetime.date(a.year, 1, 15).isoformat()
    mid_to = datetime.date(a.year, 12, 15).isoformat()
    queries = [
        ("port, the year", ["--by", "port", "--from", start, "--to", end]),
        ("country, the year", ["--by", "country", "--from", start, "--to", end]),
        ("asn, the year", ["--by", "asn", "--from", start, "--to", end]),
        ("fingerprint, the year", ["--by", "fingerprint", "--from", start, "--to", end]),
        ("port, the year, no sources", ["--by", "port", "--from", start, "--to", end, "--no-sources"]),
        ("port, Jan 15 - Dec 15", ["--by", "port", "--from", mid_from, "--to", mid_to]),
        ("port, Jan 15 - Dec 15, no sources", ["--by", "port", "--from", mid_from, "--to", mid_to, "--no-sources"]),
        ("country, Jan 15 - Dec 15", ["--by", "country", "--from", mid_from, "--to", mid_to]),
        ("port, one day", ["--by", "port", "--from", start, "--to",
                           (day0 + datetime.timedelta(days=1)).isoformat()]),
    ]
    for name, args in queries:
        best = None
        for _ in range(5):
            t = time.time()
            out = run([a.bin, "top", "--db", a.db, "--limit", "10", "--json"] + args).stdout
            dt = time.time() - t
            best = dt if best is None else min(best, dt)
        first = out.split("\n")[1:5]
        print("top --by %-36s %6.0f ms   %s" % (name, best * 1000, " ".join(x.strip() for x in first)))


if __name__ == "__main__":
    sys.exit(main())
