#!/usr/bin/python3
"""Seeds a migrated bambufarm database for `make bench`.

bench_seed.py TARGET USER_ID... : 50 printers split over the users, four AMS
materials each, and 100,000 prints (2,000 per printer: one started, about
40 waiting in the queue, the rest ended). BENCH_PRINTERS and BENCH_PRINTS
change the two counts (the dashboard's benchmark: 50 and 2,000).

TARGET is "sqlite:PATH" (a bare PATH is read the same way) or a libpq
connection string ("host=... dbname=...", or a postgresql:// URL) for
PostgreSQL, through Debian's python3-psycopg2. Writes straight to the
database in one transaction, then ANALYZE; the schema is the application's
own (sql/sqlite/, sql/postgres/), so the same rows go into either.
"""
import os
import random
import sqlite3
import sys
import time

PRINTERS = int(os.environ.get("BENCH_PRINTERS", 50))
PRINTS = int(os.environ.get("BENCH_PRINTS", 100_000))

PRINT_COLUMNS = ("user_id, printer_id, name, file, status, priority,"
                 " scheduled_at, estimated_minutes, material_slot, grams,"
                 " created_at, updated_at")


def is_pg(target):
    return (not target.startswith("sqlite:")
            and ("=" in target or target.startswith(("postgres://",
                                                     "postgresql://"))))


class Sqlite:
    def __init__(self, target):
        path = target[len("sqlite:"):] if target.startswith("sqlite:") \
            else target
        self.con = sqlite3.connect(path)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.cur = self.con.cursor()

    def execute(self, sql, params=()):
        self.cur.execute(sql, params)
        return self.cur

    def insert_prints(self, rows):
        self.cur.executemany(
            f"INSERT INTO scheduled_prints ({PRINT_COLUMNS})"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def finish(self):
        self.con.commit()
        self.con.execute("ANALYZE")
        self.con.close()


class Postgres:
    def __init__(self, target):
        import psycopg2  # Debian python3-psycopg2; only on PostgreSQL
        import psycopg2.extras
        self.extras = psycopg2.extras
        self.con = psycopg2.connect(target)
        self.cur = self.con.cursor()

    def execute(self, sql, params=()):
        self.cur.execute(sql.replace("?", "%s"), params)
        return self.cur

    def insert_prints(self, rows):
        self.extras.execute_values(
            self.cur,
            f"INSERT INTO scheduled_prints ({PRINT_COLUMNS}) VALUES %s",
            rows, page_size=2000)

    def finish(self):
        self.con.commit()
        self.con.autocommit = True   # ANALYZE outside a transaction block
        self.con.cursor().execute("ANALYZE")
        self.con.close()


def main():
    target, users = sys.argv[1], [int(u) for u in sys.argv[2:]]
    rnd = random.Random(42)
    now = int(time.time())
    db = Postgres(target) if is_pg(target) else Sqlite(target)
    for uid in users:
        db.execute("INSERT INTO print_files (user_id, name, size, sha256,"
                   " created_at, updated_at) VALUES (?, 'part.3mf', 1, ?, ?, ?)",
                   (uid, "0" * 64, now, now))
    printers = []
    for i in range(PRINTERS):
        uid = users[i % len(users)]
        cur = db.execute(
            "INSERT INTO printers (user_id, name, model, serial, host,"
            " access_code_sealed, status, online, created_at, updated_at)"
            " VALUES (?, ?, 'P1S', ?, '127.0.0.1', 'x', 'printing', 1, ?, ?)"
            " RETURNING id", (uid, f"P1S-{i:02d}", f"01P00A{i:06d}", now, now))
        pid = cur.fetchone()[0]
        printers.append((pid, uid))
        for slot in range(4):
            db.execute(
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
    db.insert_prints(rows)
    db.finish()
    print(f"seeded {PRINTERS} printers and {len(rows)} prints "
          f"for {len(users)} users")


if __name__ == "__main__":
    main()
