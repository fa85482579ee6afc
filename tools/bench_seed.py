#!/usr/bin/python3
"""Seeds a migrated bambufarm SQLite database for `make bench`.

bench_seed.py DB USER_ID... : 50 printers split over the users, four AMS
materials each, and 100,000 prints (2,000 per printer: one started, about
40 waiting in the queue, the rest ended). BENCH_PRINTERS and BENCH_PRINTS
change the two counts (the dashboard's benchmark: 50 and 2,000). Writes straight to SQLite in one
transaction; the schema is the application's own (sql/sqlite/).
"""
import os
import random
import sqlite3
import sys
import time

PRINTERS = int(os.environ.get("BENCH_PRINTERS", 50))
PRINTS = int(os.environ.get("BENCH_PRINTS", 100_000))


def main():
    db, users = sys.argv[1], [int(u) for u in sys.argv[2:]]
    rnd = random.Random(42)
    now = int(time.time())
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    cur = con.cursor()
    for uid in users:
        cur.execute("INSERT INTO print_files (user_id, name, size, sha256,"
                    " created_at, updated_at) VALUES (?, 'part.3mf', 1, ?, ?, ?)",
                    (uid, "0" * 64, now, now))
    printers = []
    for i in range(PRINTERS):
        uid = users[i % len(users)]
        cur.execute(
            "INSERT INTO printers (user_id, name, model, serial, host,"
            " access_code_sealed, status, online, created_at, updated_at)"
            " VALUES (?, ?, 'P1S', ?, '127.0.0.1', 'x', 'printing', 1, ?, ?)"
            " RETURNING id", (uid, f"P1S-{i:02d}", f"01P00A{i:06d}", now, now))
        pid = cur.fetchone()[0]
        printers.append((pid, uid))
        for slot in range(4):
            cur.execute(
                "INSERT INTO materials (printer_id, slot, material_type, color,"
                " weight_grams, remaining_percent, cost_per_kg, created_at,"
                " updated_at) VALUES (?, ?, 'PLA', '#FF8800', 1000, 80, 2499,"
                " ?, ?)", (pid, slot, now, now))
    per = PRINTS // PRINTERS
    rows = []
    for pid, uid in printers:
        for k in range(per):
            if k == 0:
                status = "started"
            elif k <= 40:
                status = rnd.choice(["queued", "scheduled"])
            else:
                status = rnd.choice(["completed"] * 8 + ["failed", "cancelled"])
            sched = now + rnd.randint(0, 86400) if status == "scheduled" else None
            rows.append((uid, pid, f"print {k}", "part.3mf", status,
                         rnd.randint(0, 3), sched, rnd.randint(20, 600),
                         rnd.randint(0, 3), rnd.randint(5, 300),
                         now - rnd.randint(0, 86400 * 60), now))
    cur.executemany(
        "INSERT INTO scheduled_prints (user_id, printer_id, name, file, status,"
        " priority, scheduled_at, estimated_minutes, material_slot, grams,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    print(f"seeded {PRINTERS} printers and {len(rows)} prints "
          f"for {len(users)} users")


if __name__ == "__main__":
    main()
