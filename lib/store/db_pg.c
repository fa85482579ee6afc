/*
 * db_pg — the PostgreSQL backend (libpq). The domain's SQL is written once
 * in the common dialect (store/db.h); this file makes it PostgreSQL's:
 *
 *   - `?` placeholders become $1..$n (outside quotes), with each
 *     parameter's type taken from its binding letter ('i' int8, 't' text),
 *     so `? IS NULL` and arithmetic on parameters type-check;
 *   - statements are prepared once per connection (named s1, s2, ...) and
 *     cached by their SQL text; a statement that finds no cache slot runs
 *     unprepared;
 *   - SQLSTATE class 23 (integrity) is DB_CONSTRAINT; the changed-row count
 *     comes from the command tag; a boolean result reads as 0/1;
 *   - inside a transaction each write runs under a statement savepoint
 *     (SAVEPOINT, the statement and RELEASE sent in one round trip), so a
 *     failed statement undoes only itself, as in SQLite (PostgreSQL would
 *     otherwise abort the whole transaction);
 *   - a write transaction takes one advisory lock, the cluster-wide
 *     equivalent of SQLite's BEGIN IMMEDIATE: check-then-write units of
 *     work never interleave, whichever host runs them; a unit that guards
 *     its rows with row locks (db_begin_rows) takes it shared, so such
 *     units run at once but never beside a write unit, whose checks
 *     (a web request's) lock no rows; a read unit is one REPEATABLE READ
 *     snapshot;
 *   - the data version is the WAL position, which moves with any commit on
 *     any host (on a replica: the replayed position).
 *
 * A lost connection fails the statement (DB_ERROR, db_broken() says so) and
 * is re-established at the next unit of work; prepared statements are
 * prepared again on the new connection.
 */
#include "store/db_backend.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/stmt_cache.h"
#include "base/log.h"

#include "base/banned.h"

#define MAX_PARAMS 64
#define INT8OID 20
#define TEXTOID 25
/* the key of the write lock: "farm" */
#define WRITE_LOCK "SELECT pg_advisory_xact_lock(1717662317)"
/* the same lock shared: row-lock units run beside each other, never beside
 * a write unit, whose checks lock no rows */
#define ROWS_LOCK "SELECT pg_advisory_xact_lock_shared(1717662317)"

struct db_stmt {
    struct db_stmt_common common;
    struct db *db;
    char *pgsql; /* common.sql with $n placeholders */
    char *types; /* binding letters it was prepared with */
    int nparams;
    int prepared; /* 0: run unprepared (no slot, or other letters) */
    int is_write;
    unsigned generation; /* connection it was prepared on */
    char name[16];
    /* the bound values, as text */
    const char *vals[MAX_PARAMS];
    char *valbuf;
    size_t valcap;
    const char *run_types; /* letters of the current binding */
    PGresult *res;
    int row, nrows, ran;
};

struct db {
    struct db_common common;
    PGconn *c;
    char *conninfo;
    unsigned generation; /* bumped on every reconnect */
    int broken;
    int64_t changes;
    int nnames;
    struct stmt_cache cache; /* a statement in a slot is prepared */
};

static void
ignore_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* The one-line text of a failed result: its primary message. */
static const char *
pg_msg(const PGresult *r)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

    return m != NULL ? m : "no answer from the server";
}

static int
pg_connect(struct db *db)
{
    if (db->c != NULL)
        PQfinish(db->c);
    db->c = PQconnectdb(db->conninfo);
    if (PQstatus(db->c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(db->c);

        log_error("postgresql: cannot connect: %.*s", (int)strcspn(m, "\n"),
                  m);
        db->broken = 1;
        return -1;
    }
    PQsetNoticeProcessor(db->c, ignore_notice, NULL);
    db->generation++;
    db->broken = 0;
    return 0;
}

static struct db *
pg_open(const char *conninfo)
{
    struct db *db = calloc(1, sizeof(*db));

    if (db == NULL || (db->conninfo = strdup(conninfo)) == NULL)
        abort();
    db->common.backend = &db_pg_backend;
    if (pg_connect(db) < 0) {
        PQfinish(db->c);
        free(db->conninfo);
        free(db);
        return NULL;
    }
    return db;
}

static void
stmt_free(struct db_stmt_common *c)
{
    struct db_stmt *st = (struct db_stmt *)c;

    PQclear(st->res);
    free(st->common.sql);
    free(st->pgsql);
    free(st->types);
    free(st->valbuf);
    free(st);
}

static void
pg_close(struct db *db)
{
    stmt_cache_drop_overflow(&db->cache, stmt_free);
    stmt_cache_each(&db->cache, stmt_free);
    PQfinish(db->c);
    free(db->conninfo);
    free(db);
}

/* sql with each `?` outside quotes replaced by $1..$n; NULL when there are
 * more than MAX_PARAMS. */
static char *
translate(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 3 + 1), *o = out;
    char quote = 0;
    int n = 0;

    if (out == NULL)
        abort();
    for (const char *s = sql; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
            *o++ = *s;
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
            *o++ = *s;
        } else if (*s == '?') {
            if (++n > MAX_PARAMS) {
                free(out);
                return NULL;
            }
            o += snprintf(o, 4, "$%d", n);
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    *nparams = n;
    return out;
}

static int
starts_with_word(const char *s, const char *word)
{
    size_t n = strlen(word);

    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '(')
        s++;
    return strncasecmp(s, word, n) == 0;
}

static struct db_stmt *
new_stmt(struct db *db, const char *sql, uint32_t h)
{
    struct db_stmt *st = calloc(1, sizeof(*st));

    if (st == NULL || (st->common.sql = strdup(sql)) == NULL)
        abort();
    st->common.backend = &db_pg_backend;
    st->db = db;
    st->common.hash = h;
    st->pgsql = translate(sql, &st->nparams);
    if (st->pgsql == NULL) {
        log_error("postgresql: more than %d parameters: %s", MAX_PARAMS, sql);
        free(st->common.sql);
        free(st);
        return NULL;
    }
    st->is_write = starts_with_word(sql, "INSERT") ||
                   starts_with_word(sql, "UPDATE") ||
                   starts_with_word(sql, "DELETE") ||
                   starts_with_word(sql, "WITH");
    return st;
}

/* The cached statement for sql, or a new one (in a free slot, else on the
 * overflow list, run unprepared). */
static struct db_stmt *
pg_lookup(struct db *db, const char *sql)
{
    struct db_stmt_common **slot;
    struct db_stmt *st;
    uint32_t h;

    st = (struct db_stmt *)stmt_cache_find(&db->cache, sql, &h, &slot);
    if (st != NULL)
        return st;
    st = new_stmt(db, sql, h);
    if (st == NULL)
        return NULL;
    st->prepared = slot != NULL;
    stmt_cache_add(&db->cache, &st->common, slot);
    return st;
}

static void
set_types(Oid *oids, const char *letters, int n)
{
    for (int i = 0; i < n; i++)
        oids[i] = letters[i] == 'i' ? INT8OID : TEXTOID;
}

/* Prepares st on the current connection if it is not yet. */
static int
pg_prepare(struct db *db, struct db_stmt *st, const char *types)
{
    Oid oids[MAX_PARAMS];
    PGresult *r;

    if (st->generation == db->generation && st->types != NULL)
        return 0;
    snprintf(st->name, sizeof st->name, "s%d", ++db->nnames);
    set_types(oids, types, st->nparams);
    r = PQprepare(db->c, st->name, st->pgsql, st->nparams, oids);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        log_error("postgresql: prepare failed: %s: %s", pg_msg(r), st->common.sql);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    free(st->types);
    st->types = strdup(types);
    if (st->types == NULL)
        abort();
    st->generation = db->generation;
    return 0;
}

/* Copies the arguments into st as text. */
static int
bind_args(struct db_stmt *st, const char *types, va_list ap)
{
    size_t need = 0, off = 0;
    int n = (int)strlen(types);
    va_list cp;

    if (n != st->nparams) {
        log_error("postgresql: %d arguments for %d placeholders: %s", n,
                  st->nparams, st->common.sql);
        return -1;
    }
    va_copy(cp, ap);
    for (const char *t = types; *t; t++) {
        if (*t == 'i') {
            (void)va_arg(cp, int64_t);
            need += 24;
        } else if (*t == 't') {
            const char *v = va_arg(cp, const char *);

            need += v != NULL ? strlen(v) + 1 : 0;
        } else {
            va_end(cp);
            log_error("postgresql: bad type letter '%c' for: %s", *t,
                      st->common.sql);
            return -1;
        }
    }
    va_end(cp);
    if (need > st->valcap) {
        free(st->valbuf);
        st->valcap = need;
        st->valbuf = malloc(need);
        if (st->valbuf == NULL)
            abort();
    }
    for (int i = 0; i < n; i++) {
        if (types[i] == 'i') {
            int64_t v = va_arg(ap, int64_t);

            if (v == DB_NULL) {
                st->vals[i] = NULL;
            } else {
                st->vals[i] = st->valbuf + off;
                off += (size_t)snprintf(st->valbuf + off, 24, "%lld",
                                        (long long)v) +
                       1;
            }
        } else {
            const char *v = va_arg(ap, const char *);

            if (v == NULL) {
                st->vals[i] = NULL;
            } else {
                size_t l = strlen(v) + 1;

                memcpy(st->valbuf + off, v, l);
                st->vals[i] = st->valbuf + off;
                off += l;
            }
        }
    }
    return 0;
}

static void check_connection(struct db *db);

static struct db_stmt *
pg_vquery(struct db *db, const char *sql, const char *types, va_list ap)
{
    struct db_stmt *st;

    if (db->broken) {
        log_error("postgresql: no connection");
        return NULL;
    }
    st = pg_lookup(db, sql);
    if (st == NULL)
        return NULL;
    PQclear(st->res);
    st->res = NULL;
    st->ran = 0;
    if (bind_args(st, types, ap) < 0)
        return NULL;
    st->run_types = types;
    if (st->prepared && st->types != NULL && st->generation == db->generation &&
        strcmp(st->types, types) != 0)
        st->prepared = 0; /* other letters than it was prepared with */
    if (st->prepared && pg_prepare(db, st, types) < 0) {
        check_connection(db);
        return NULL;
    }
    return st;
}

/* Runs a statement that needs no answer (savepoints); 0 or -1. */
static int
pg_simple(struct db *db, const char *sql)
{
    PGresult *r = PQexec(db->c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
             PQresultStatus(r) == PGRES_TUPLES_OK;

    if (!ok)
        log_error("postgresql: %s: %s", sql, pg_msg(r));
    PQclear(r);
    return ok ? 0 : -1;
}

static void
check_connection(struct db *db)
{
    if (PQstatus(db->c) != CONNECTION_OK) {
        log_error("postgresql: connection lost");
        db->broken = 1;
    }
}

static int
pg_ok(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);

    return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

/* Sends st (prepared or not) without waiting for its answer. */
static int
send_stmt(struct db *db, struct db_stmt *st)
{
    Oid oids[MAX_PARAMS];

    if (st->prepared)
        return PQsendQueryPrepared(db->c, st->name, st->nparams, st->vals,
                                   NULL, NULL, 0);
    set_types(oids, st->run_types, st->nparams);
    return PQsendQueryParams(db->c, st->pgsql, st->nparams, oids, st->vals,
                             NULL, NULL, 0);
}

/* Runs st between SAVEPOINT and RELEASE in one round trip (libpq's
 * pipeline mode): its result, NULL if the round trip itself failed. A
 * failed statement leaves the transaction aborted: the caller rolls back
 * to the savepoint. */
static PGresult *
run_guarded(struct db *db, struct db_stmt *st)
{
    PGresult *res = NULL, *r;
    int query = 0, saved = 0;

    if (!PQenterPipelineMode(db->c))
        return NULL;
    if (!PQsendQueryParams(db->c, "SAVEPOINT db_stmt", 0, NULL, NULL, NULL,
                           NULL, 0) ||
        !send_stmt(db, st) ||
        !PQsendQueryParams(db->c, "RELEASE SAVEPOINT db_stmt", 0, NULL, NULL,
                           NULL, NULL, 0) ||
        !PQpipelineSync(db->c)) {
        PQexitPipelineMode(db->c);
        return NULL;
    }
    /* each query's results end with a NULL; the sync ends the lot */
    while (query < 4) {
        r = PQgetResult(db->c);
        if (r == NULL) {
            query++;
            if (PQstatus(db->c) != CONNECTION_OK)
                break;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (query == 0)
            saved = pg_ok(r);
        if (query == 1 && res == NULL)
            res = r;
        else
            PQclear(r);
    }
    PQexitPipelineMode(db->c);
    if (!saved && res != NULL && pg_ok(res)) {
        /* cannot happen: a failed SAVEPOINT aborts what follows */
        PQclear(res);
        res = NULL;
    }
    return res;
}

static int
pg_execute(struct db_stmt *st)
{
    struct db *db = st->db;
    int guard = st->is_write && db->common.depth > 0;
    const char *state;

    if (guard) {
        st->res = run_guarded(db, st);
    } else if (st->prepared) {
        st->res = PQexecPrepared(db->c, st->name, st->nparams, st->vals,
                                 NULL, NULL, 0);
    } else {
        Oid oids[MAX_PARAMS];

        set_types(oids, st->run_types, st->nparams);
        st->res = PQexecParams(db->c, st->pgsql, st->nparams, oids, st->vals,
                               NULL, NULL, 0);
    }
    if (st->res != NULL && pg_ok(st->res)) {
        const char *tag = PQcmdStatus(st->res);

        if (strncmp(tag, "INSERT", 6) == 0 ||
            strncmp(tag, "UPDATE", 6) == 0 ||
            strncmp(tag, "DELETE", 6) == 0)
            db->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
        st->ran = 1;
        st->row = -1;
        st->nrows = PQntuples(st->res);
        return DB_ROW;
    }
    state = st->res ? PQresultErrorField(st->res, PG_DIAG_SQLSTATE) : NULL;
    /* undo the failed statement only; the transaction goes on, as a
     * failed statement leaves SQLite's */
    if (guard && PQstatus(db->c) == CONNECTION_OK)
        pg_simple(db, "ROLLBACK TO SAVEPOINT db_stmt; "
                      "RELEASE SAVEPOINT db_stmt");
    if (state != NULL && strncmp(state, "23", 2) == 0) {
        PQclear(st->res);
        st->res = NULL;
        return DB_CONSTRAINT;
    }
    log_error("postgresql: %s: %s",
              st->res ? pg_msg(st->res) : PQerrorMessage(db->c), st->common.sql);
    PQclear(st->res);
    st->res = NULL;
    check_connection(db);
    return DB_ERROR;
}

static int
pg_step(struct db_stmt *st)
{
    if (!st->ran) {
        int rc = pg_execute(st);

        if (rc != DB_ROW)
            return rc;
    }
    if (++st->row < st->nrows)
        return DB_ROW;
    PQclear(st->res);
    st->res = NULL;
    st->ran = 0;
    return DB_DONE;
}

static int
pg_col_is_null(struct db_stmt *st, int col)
{
    return st->res == NULL || st->row < 0 || st->row >= st->nrows ||
           col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col);
}

static int64_t
pg_col_int(struct db_stmt *st, int col)
{
    const char *v;

    if (pg_col_is_null(st, col))
        return DB_NULL;
    v = PQgetvalue(st->res, st->row, col);
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    /* numeric (SUM, AVG) truncates toward zero, as SQLite's does */
    return strtoll(v, NULL, 10);
}

static const char *
pg_col_text(struct db_stmt *st, int col)
{
    if (pg_col_is_null(st, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static void
pg_done(struct db_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->ran = 0;
}

static int64_t
pg_changes(struct db *db)
{
    return db->changes;
}

static int64_t
pg_data_version(struct db *db)
{
    PGresult *r;
    unsigned hi = 0, lo = 0;
    int64_t v = -1;

    if (db->broken)
        return -1;
    r = PQexec(db->c, "SELECT CASE WHEN pg_is_in_recovery() "
                      "THEN pg_last_wal_replay_lsn() "
                      "ELSE pg_current_wal_insert_lsn() END");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
        sscanf(PQgetvalue(r, 0, 0), "%X/%X", &hi, &lo) == 2)
        v = (int64_t)(((uint64_t)hi << 32) | lo);
    PQclear(r);
    return v;
}

static int
pg_script(struct db *db, const char *sql)
{
    PGresult *r;
    int ok;

    if (db->broken)
        return -1;
    r = PQexec(db->c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
         PQresultStatus(r) == PGRES_TUPLES_OK ||
         PQresultStatus(r) == PGRES_EMPTY_QUERY;
    if (!ok) {
        log_error("postgresql: script failed: %s", pg_msg(r));
        check_connection(db);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static int
pg_begin(struct db *db, int mode)
{
    return pg_script(db, mode == DB_TX_WRITE  ? "BEGIN; " WRITE_LOCK
                         : mode == DB_TX_ROWS ? "BEGIN; " ROWS_LOCK
                                              : "BEGIN ISOLATION LEVEL "
                                                "REPEATABLE READ");
}

static void
stmt_done(struct db_stmt_common *c)
{
    pg_done((struct db_stmt *)c);
}

static void
pg_reset_all(struct db *db)
{
    stmt_cache_drop_overflow(&db->cache, stmt_free);
    stmt_cache_each(&db->cache, stmt_done);
    if (db->broken || PQstatus(db->c) != CONNECTION_OK) {
        db->common.depth = 0;
        pg_connect(db);
    }
}

static int
pg_broken(struct db *db)
{
    return db->broken;
}

const struct db_backend db_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .vquery = pg_vquery,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_is_null = pg_col_is_null,
    .done = pg_done,
    .changes = pg_changes,
    .data_version = pg_data_version,
    .script = pg_script,
    .reset_all = pg_reset_all,
    .begin = pg_begin,
    .broken = pg_broken,
};
