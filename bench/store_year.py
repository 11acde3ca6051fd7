#!/usr/bin/env python3
"""Fills a darkscope observation database with a generated year of daily bins and
source rows for a /16 darknet, to measure `darkscope top` over a year.

usage: store_year.py DB   (DB must already exist: create it with `darkscope ingest`)

Per day: 3,000 destination-port keys and 200 countries with Zipf-like packet counts,
5,000 sources each hitting 2 ports (10,000 source-day-port rows), so a year holds
1.1 M daily bin rows, 1.8 M source-day rows and 3.65 M source-day-port rows.
"""
import random
import sqlite3
import sys
import time

YEAR = 2021
DAY0 = 1609459200  # 2021-01-01
PORTS = 3000
COUNTRIES = 200
SOURCES = 5000

def main():
    db = sqlite3.connect(sys.argv[1])
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    rng = random.Random(1)
    sensor = db.execute("SELECT id FROM sensors LIMIT 1").fetchone()[0]
    capture = db.execute(
        "INSERT INTO captures(sensor_id, sha256, path, size, packets_done, complete, started_at) "
        "VALUES (?, 'generated-year', 'generated', 0, 0, 1, 0)", (sensor,)).lastrowid
    port_keys = [("tcp/%d" % p) for p in range(1, PORTS)] + ["udp/53", "icmp"]
    countries = ["C%03d" % i for i in range(COUNTRIES)]
    t0 = time.time()
    for d in range(365):
        day = DAY0 + d * 86400
        rows = []
        for i, k in enumerate(port_keys):
            p = 1 + int(2_000_000 / (i + 1))
            rows.append((86400, 1, day, k, sensor, capture, p, p * 60, 0))
        for i, c in enumerate(countries):
            p = 1 + int(5_000_000 / (i + 1))
            rows.append((86400, 4, day, c, sensor, capture, p, p * 60, 0))
        rows.append((86400, 0, day, "", sensor, capture, 30_000_000, 1_800_000_000, 0))
        db.executemany("INSERT INTO bins VALUES (?,?,?,?,?,?,?,?,?)", rows)
        srows, prows = [], []
        for s in range(SOURCES):
            src = (0xC0000000 + rng.randrange(2_000_000)).to_bytes(4, "big")
            srows.append((day, sensor, src, capture, 100, 6000, 1, 0, countries[s % COUNTRIES],
                          64500 + s % 1000, "", day * 10**9, day * 10**9))
            for port in {rng.randrange(PORTS), rng.randrange(50)}:
                prows.append((day, sensor, (6 << 16) | (port + 1), src, capture, 50))
        db.executemany("INSERT OR IGNORE INTO source_days VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", srows)
        db.executemany("INSERT OR IGNORE INTO source_day_ports VALUES (?,?,?,?,?,?)", prows)
    for m in range(1, 13):
        start = int(time.mktime((YEAR, m, 1, 0, 0, 0, 0, 0, 0)) - time.timezone)
        db.execute("INSERT OR IGNORE INTO dirty_months(start) VALUES (?)", (start,))
    db.commit()
    print("generated a year in %.1f s; run `darkscope ingest` once (any capture) or call "
          "refresh to build the monthly rollups" % (time.time() - t0))

if __name__ == "__main__":
    main()
