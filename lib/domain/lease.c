#include "domain/lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/err.h"
#include "store/db.h"

#include "base/banned.h"

#define PRINTER_PREFIX "printer:"

static int
upsert(struct ctx *c, const char *name, const char *holder, int64_t until)
{
    return db_exec(c->db,
                   "INSERT INTO leases (name, holder, expires_at) "
                   "VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                   "holder = excluded.holder, "
                   "expires_at = excluded.expires_at",
                   "tti", name, holder, until) == DB_DONE
               ? 0
               : -1;
}

/* The index of id in all (ascending), or -1. */
static int
find(const int64_t *all, int n, int64_t id)
{
    int lo = 0, hi = n - 1;

    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;

        if (all[mid] == id)
            return mid;
        if (all[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Reads every printer lease: mine[k] = 1 for holder's live ones, 2 for
 * another's live ones; expired and missing ones stay 0. Leases of printers
 * that are gone are deleted. The number of holder's, or -1. */
static int
read_leases(struct ctx *c, const char *holder, const int64_t *all, int n,
            char *mine)
{
    struct db_stmt *st;
    int held = 0, rc, ngone = 0, cap = 0;
    int64_t *gone = NULL;

    memset(mine, 0, (size_t)n);
    st = db_query(c->db,
                  "SELECT CAST(substr(name, 9) AS BIGINT), holder, "
                  "expires_at FROM leases WHERE name LIKE 'printer:%'",
                  "");
    if (st == NULL)
        return -1;
    while ((rc = db_step(st)) == DB_ROW) {
        int k = find(all, n, db_int(st, 0));
        int live = db_int(st, 2) >= c->now;

        if (k < 0) { /* its printer is gone */
            if (ngone == cap) {
                int64_t *more;

                cap = cap ? cap * 2 : 16;
                more = arena_alloc(c->arena, sizeof(*more) * (size_t)cap);
                if (ngone > 0)
                    memcpy(more, gone, sizeof(*more) * (size_t)ngone);
                gone = more;
            }
            gone[ngone++] = db_int(st, 0);
            continue;
        }
        if (!live)
            continue;
        mine[k] = strcmp(db_text(st, 1), holder) == 0 ? 1 : 2;
        held += mine[k] == 1;
    }
    if (rc != DB_DONE)
        return -1;
    for (int i = 0; i < ngone; i++)
        if (db_exec(c->db, "DELETE FROM leases WHERE name = ?", "t",
                    arena_printf(c->arena, PRINTER_PREFIX "%lld",
                                 (long long)gone[i])) != DB_DONE)
            return -1;
    return held;
}

/* Claims the printer all[k]: a missing lease is inserted, an expired one
 * taken over (its row locked, skipped if another claimer has it). 1
 * claimed, 0 not, -1 on error. */
static int
claim(struct ctx *c, const char *holder, int64_t until, int64_t id)
{
    char *name = arena_printf(c->arena, PRINTER_PREFIX "%lld", (long long)id);
    struct db_stmt *st;
    int rc, found = 0;

    st = db_query(c->db,
                  arena_printf(c->arena,
                               "SELECT name FROM leases WHERE name = ? AND "
                               "expires_at < ?%s",
                               db_for_update(c->db, 1)),
                  "ti", name, c->now);
    if (st == NULL)
        return -1;
    while ((rc = db_step(st)) == DB_ROW)
        found = 1;
    if (rc != DB_DONE)
        return -1;
    if (found)
        rc = db_exec(c->db,
                     "UPDATE leases SET holder = ?, expires_at = ? "
                     "WHERE name = ? AND expires_at < ?",
                     "titi", holder, until, name, c->now);
    else
        rc = db_exec(c->db,
                     "INSERT INTO leases (name, holder, expires_at) "
                     "VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                     "tti", name, holder, until);
    if (rc != DB_DONE)
        return -1;
    return db_changes(c->db) == 1;
}

static int
sync_locked(struct ctx *c, const char *holder, int64_t ttl, const int64_t *all,
            int n, char *mine)
{
    int64_t until = c->now + ttl, live = 0;
    int held, share;

    if (upsert(c, arena_printf(c->arena, "dispatcher:%s", holder), holder,
               until) < 0 ||
        db_get_int(c->db, &live,
                   "SELECT COUNT(*) FROM leases WHERE name LIKE "
                   "'dispatcher:%' AND expires_at >= ?",
                   "i", c->now) != DB_ROW ||
        db_exec(c->db,
                "UPDATE leases SET expires_at = ? WHERE holder = ? AND "
                "name LIKE 'printer:%' AND expires_at >= ?",
                "iti", until, holder, c->now) != DB_DONE)
        return -1;
    held = read_leases(c, holder, all, n, mine);
    if (held < 0)
        return -1;
    share = live > 0 ? (int)((n + live - 1) / live) : n;
    /* over the share: give back the highest ids */
    for (int k = n - 1; k >= 0 && held > share; k--) {
        if (mine[k] != 1)
            continue;
        if (db_exec(c->db, "DELETE FROM leases WHERE name = ? AND holder = ?",
                    "tt",
                    arena_printf(c->arena, PRINTER_PREFIX "%lld",
                                 (long long)all[k]),
                    holder) != DB_DONE)
            return -1;
        mine[k] = 0;
        held--;
    }
    /* under it: the free ones, lowest ids first */
    for (int k = 0; k < n && held < share; k++) {
        int rc;

        if (mine[k] != 0)
            continue;
        rc = claim(c, holder, until, all[k]);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            mine[k] = 1;
            held++;
        }
    }
    for (int k = 0; k < n; k++)
        mine[k] = mine[k] == 1;
    return 0;
}

int
lease_sync(struct ctx *c, const char *holder, int64_t ttl, const int64_t *all,
           int n, char *mine)
{
    if (db_begin(c->db) < 0 ||
        db_end(c->db, sync_locked(c, holder, ttl, all, n, mine)) < 0)
        return err_internal(&c->err, "lease: sync failed");
    return 0;
}

int
lease_check(struct ctx *c, const char *holder, int64_t printer_id)
{
    struct db_stmt *st;
    int rc, held = 0;

    st = db_query(c->db,
                  arena_printf(c->arena,
                               "SELECT 1 FROM leases WHERE name = ? AND "
                               "holder = ? AND expires_at >= ?%s",
                               db_for_update(c->db, 0)),
                  "tti",
                  arena_printf(c->arena, PRINTER_PREFIX "%lld",
                               (long long)printer_id),
                  holder, c->now);
    if (st == NULL)
        return -1;
    while ((rc = db_step(st)) == DB_ROW)
        held = 1;
    return rc == DB_DONE ? held : -1;
}

int
lease_take(struct ctx *c, const char *name, const char *holder, int64_t ttl)
{
    int rc;

    if (db_begin(c->db) < 0)
        return -1;
    rc = db_exec(c->db,
                 "INSERT INTO leases (name, holder, expires_at) "
                 "VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                 "holder = excluded.holder, expires_at = excluded.expires_at "
                 "WHERE leases.holder = excluded.holder "
                 "OR leases.expires_at < ?",
                 "ttii", name, holder, c->now + ttl, c->now);
    if (rc != DB_DONE) {
        db_rollback(c->db);
        return -1;
    }
    rc = db_changes(c->db) == 1;
    return db_commit(c->db) < 0 ? -1 : rc;
}

void
lease_release_all(struct ctx *c, const char *holder)
{
    db_exec(c->db, "DELETE FROM leases WHERE holder = ?", "t", holder);
}
