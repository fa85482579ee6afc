#include "store/db_copy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "store/db.h"
#include "store/migrate.h"

#include "base/banned.h"

#define NAME_MAX_LEN 64
/* Rows go to the target in batches: one JSON array per INSERT, so a big
 * events table costs a few round trips rather than one per row. */
#define BATCH_ROWS 1000
#define BATCH_BYTES (4u << 20)

struct name_list {
    char (*v)[NAME_MAX_LEN];
    int n, cap;
};

/* A column copied: its name and whether the target stores an integer. */
struct column {
    char name[NAME_MAX_LEN];
    int is_int;
    int found; /* the target has it */
};

struct table {
    char name[NAME_MAX_LEN];
    struct column *cols;
    int ncols;
    int64_t rows; /* on the source */
};

struct copy {
    struct db *from, *to;
    struct err *e;
    struct table *tables;
    int ntables;
    struct name_list target;   /* the target's tables */
    struct name_list fk_table; /* foreign keys made deferrable here: */
    struct name_list fk_name;  /* table and constraint name (quoted) */
    char sql[4096];
};

static void
list_add(struct name_list *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    snprintf(l->v[l->n++], NAME_MAX_LEN, "%s", s);
}

static int
list_has(const struct name_list *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

/* Our schema's names are plain identifiers; one that is not (or is too
 * long to keep) is refused rather than quoted, so a name can be written
 * into SQL between double quotes and into JSON as a key as it is. */
static int
plain_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= NAME_MAX_LEN || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Fills the source's tables (names only). */
static int
read_source_tables(struct copy *k)
{
    struct db_stmt *st;
    int rc, cap = 0;

    st = db_query(k->from,
                  "SELECT name FROM sqlite_master WHERE type = 'table' "
                  "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                  "AND name <> 'schema_migrations' ORDER BY name",
                  "");
    if (st == NULL)
        return err_set(k->e, ERR_INTERNAL, "cannot list the source's tables");
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_text(st, 0);

        if (name == NULL || !plain_name(name)) {
            db_done(st);
            return err_set(k->e, ERR_VALIDATION,
                           "the source has a table named \"%.64s\", which "
                           "this copy does not handle",
                           name ? name : "");
        }
        if (k->ntables == cap) {
            cap = cap ? cap * 2 : 32;
            k->tables = realloc(k->tables, (size_t)cap * sizeof(*k->tables));
            if (k->tables == NULL)
                abort();
        }
        memset(&k->tables[k->ntables], 0, sizeof(*k->tables));
        snprintf(k->tables[k->ntables++].name, NAME_MAX_LEN, "%s", name);
    }
    if (rc != DB_DONE)
        return err_set(k->e, ERR_INTERNAL, "cannot list the source's tables");
    return 0;
}

/* The target's column types of table t: is_int for each of t's source
 * columns, which must all exist there. */
static int
match_target_columns(struct copy *k, struct table *t)
{
    struct db_stmt *st;
    int rc;

    st = db_query(k->to,
                  "SELECT column_name, data_type "
                  "FROM information_schema.columns "
                  "WHERE table_schema = current_schema() AND table_name = ?",
                  "t", t->name);
    if (st == NULL)
        return err_set(k->e, ERR_INTERNAL, "cannot read the target's columns");
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_text(st, 0), *type = db_text(st, 1);

        for (int i = 0; name != NULL && type != NULL && i < t->ncols; i++) {
            if (strcmp(t->cols[i].name, name) != 0)
                continue;
            t->cols[i].found = 1;
            t->cols[i].is_int = strcmp(type, "bigint") == 0 ||
                                strcmp(type, "integer") == 0 ||
                                strcmp(type, "smallint") == 0;
        }
    }
    if (rc != DB_DONE)
        return err_set(k->e, ERR_INTERNAL, "cannot read the target's columns");
    for (int i = 0; i < t->ncols; i++)
        if (!t->cols[i].found)
            return err_set(k->e, ERR_VALIDATION,
                           "column %s.%s of the source is not in the target "
                           "(is this farmctl as new as the data?)",
                           t->name, t->cols[i].name);
    return 0;
}

/* The source's columns of t, in their order, and their target types. */
static int
read_columns(struct copy *k, struct table *t)
{
    struct db_stmt *st;
    int rc, cap = 0;

    st = db_query(k->from, "SELECT name FROM pragma_table_info(?) ORDER BY cid",
                  "t", t->name);
    if (st == NULL)
        return err_set(k->e, ERR_INTERNAL, "cannot read the columns of %s",
                       t->name);
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_text(st, 0);

        if (name == NULL || !plain_name(name)) {
            db_done(st);
            return err_set(k->e, ERR_VALIDATION,
                           "table %s has a column named \"%.64s\", which this "
                           "copy does not handle",
                           t->name, name ? name : "");
        }
        if (t->ncols == cap) {
            cap = cap ? cap * 2 : 16;
            t->cols = realloc(t->cols, (size_t)cap * sizeof(*t->cols));
            if (t->cols == NULL)
                abort();
        }
        memset(&t->cols[t->ncols], 0, sizeof(*t->cols));
        snprintf(t->cols[t->ncols++].name, NAME_MAX_LEN, "%s", name);
    }
    if (rc != DB_DONE || t->ncols == 0)
        return err_set(k->e, ERR_INTERNAL, "cannot read the columns of %s",
                       t->name);
    return match_target_columns(k, t);
}

/* The target's tables; refuses a target where any holds a row. */
static int
check_target_empty(struct copy *k)
{
    struct db_stmt *st;
    int rc;

    st = db_query(k->to,
                  "SELECT table_name FROM information_schema.tables "
                  "WHERE table_schema = current_schema() "
                  "AND table_type = 'BASE TABLE' "
                  "AND table_name <> 'schema_migrations' ORDER BY 1",
                  "");
    if (st == NULL)
        return err_set(k->e, ERR_INTERNAL, "cannot list the target's tables");
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_text(st, 0);

        if (name == NULL || !plain_name(name)) {
            db_done(st);
            return err_set(k->e, ERR_VALIDATION,
                           "the target has a table named \"%.64s\"; copy "
                           "into a new, empty database",
                           name ? name : "");
        }
        list_add(&k->target, name);
    }
    if (rc != DB_DONE)
        return err_set(k->e, ERR_INTERNAL, "cannot list the target's tables");
    for (int i = 0; i < k->target.n; i++) {
        int64_t any = 0;

        snprintf(k->sql, sizeof k->sql, "SELECT 1 FROM \"%s\" LIMIT 1",
                 k->target.v[i]);
        rc = db_get_int(k->to, &any, k->sql, "");
        if (rc == DB_ROW)
            return err_set(k->e, ERR_CONFLICT,
                           "the target database is not empty (table %s has "
                           "rows); copy into a new, empty database",
                           k->target.v[i]);
        if (rc != DB_DONE)
            return err_set(k->e, ERR_INTERNAL,
                           "cannot read table %s of the target",
                           k->target.v[i]);
    }
    return 0;
}

/* Runs one statement of ours on the target (DDL, SET): 0 or -1 with e
 * set to what. */
static int
target_script(struct copy *k, const char *what)
{
    if (db_script(k->to, k->sql) < 0)
        return err_set(k->e, ERR_INTERNAL, "%s failed", what);
    return 0;
}

/* Turns the copied tables' user triggers off, and makes every foreign key
 * of the target deferred: checked once, after the last row. */
static int
prepare_target(struct copy *k)
{
    struct db_stmt *st;
    int rc;

    for (int i = 0; i < k->ntables; i++) {
        snprintf(k->sql, sizeof k->sql,
                 "ALTER TABLE \"%s\" DISABLE TRIGGER USER", k->tables[i].name);
        if (target_script(k, "disabling the target's triggers") < 0)
            return -1;
    }
    st = db_query(k->to,
                  "SELECT quote_ident(cl.relname), quote_ident(co.conname) "
                  "FROM pg_constraint co "
                  "JOIN pg_class cl ON cl.oid = co.conrelid "
                  "WHERE co.contype = 'f' AND NOT co.condeferrable "
                  "AND co.connamespace = current_schema()::regnamespace "
                  "ORDER BY 1, 2",
                  "");
    if (st == NULL)
        return err_set(k->e, ERR_INTERNAL,
                       "cannot list the target's foreign keys");
    while ((rc = db_step(st)) == DB_ROW) {
        const char *t = db_text(st, 0), *c = db_text(st, 1);

        if (t == NULL || c == NULL || strlen(t) >= NAME_MAX_LEN ||
            strlen(c) >= NAME_MAX_LEN) {
            db_done(st);
            return err_set(k->e, ERR_INTERNAL,
                           "a foreign key name of the target is too long");
        }
        list_add(&k->fk_table, t);
        list_add(&k->fk_name, c);
    }
    if (rc != DB_DONE)
        return err_set(k->e, ERR_INTERNAL,
                       "cannot list the target's foreign keys");
    for (int i = 0; i < k->fk_table.n; i++) {
        snprintf(k->sql, sizeof k->sql,
                 "ALTER TABLE %s ALTER CONSTRAINT %s "
                 "DEFERRABLE INITIALLY DEFERRED",
                 k->fk_table.v[i], k->fk_name.v[i]);
        if (target_script(k, "deferring the target's foreign keys") < 0)
            return -1;
    }
    snprintf(k->sql, sizeof k->sql, "SET CONSTRAINTS ALL DEFERRED");
    return target_script(k, "deferring the target's foreign keys");
}

/* Checks the deferred foreign keys now, then puts the triggers and the
 * keys back as the migrations made them. */
static int
restore_target(struct copy *k)
{
    snprintf(k->sql, sizeof k->sql, "SET CONSTRAINTS ALL IMMEDIATE");
    if (db_script(k->to, k->sql) < 0)
        return err_set(k->e, ERR_VALIDATION,
                       "the source's rows break a foreign key (see the "
                       "error above): a row refers to one that is not there");
    for (int i = 0; i < k->fk_table.n; i++) {
        snprintf(k->sql, sizeof k->sql,
                 "ALTER TABLE %s ALTER CONSTRAINT %s NOT DEFERRABLE",
                 k->fk_table.v[i], k->fk_name.v[i]);
        if (target_script(k, "restoring the target's foreign keys") < 0)
            return -1;
    }
    for (int i = 0; i < k->ntables; i++) {
        snprintf(k->sql, sizeof k->sql,
                 "ALTER TABLE \"%s\" ENABLE TRIGGER USER", k->tables[i].name);
        if (target_script(k, "enabling the target's triggers") < 0)
            return -1;
    }
    return 0;
}

/* Appends `"a","b"` (the column list) to b. */
static void
put_columns(struct buf *b, const struct table *t)
{
    for (int i = 0; i < t->ncols; i++)
        buf_printf(b, "%s\"%s\"", i ? "," : "", t->cols[i].name);
}

/* The value of column i of the current source row as JSON; an integer
 * column's text must be a whole number. */
static int
put_value(struct copy *k, const struct table *t, struct db_stmt *st, int i,
          struct jsonw *w)
{
    const char *v;
    char *end;
    long long n;

    jsonw_key(w, t->cols[i].name);
    if (db_is_null(st, i)) {
        jsonw_str(w, NULL);
        return 0;
    }
    v = db_text(st, i);
    if (v == NULL)
        abort(); /* out of memory in the source's conversion */
    if (!t->cols[i].is_int) {
        jsonw_str(w, v);
        return 0;
    }
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' ||
        !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
        return err_set(k->e, ERR_VALIDATION,
                       "%s.%s holds \"%.40s\", which is not a whole number "
                       "(the target column is an integer)",
                       t->name, t->cols[i].name, v);
    jsonw_int(w, (int64_t)n);
    return 0;
}

/* Sends the batch (a JSON array of row objects) as one INSERT. */
static int
flush_batch(struct copy *k, const char *insert, struct jsonw *w,
            struct buf *batch, int rows)
{
    int rc;

    jsonw_arr_end(w);
    if (buf_failed(batch))
        abort();
    rc = db_exec(k->to, insert, "t", batch->data);
    if (rc == DB_CONSTRAINT)
        return err_set(k->e, ERR_VALIDATION,
                       "a row of the source breaks a constraint of the "
                       "target (see the error above)");
    if (rc != DB_DONE || db_changes(k->to) != rows)
        return err_set(k->e, ERR_INTERNAL, "inserting rows failed");
    buf_clear(batch);
    return 0;
}

/* Copies table t's rows in batches; t->rows is how many. */
static int
copy_rows(struct copy *k, struct table *t)
{
    struct buf select, insert, batch;
    struct jsonw w;
    struct db_stmt *st;
    int rc, inbatch = 0, ret = -1;

    buf_init(&select, 0);
    buf_init(&insert, 0);
    buf_init(&batch, 0);
    buf_puts(&select, "SELECT ");
    put_columns(&select, t);
    buf_printf(&select, " FROM \"%s\"", t->name);
    /* json_populate_recordset types every field as the table's column:
     * a JSON number into a bigint, a string into text, null into NULL */
    buf_printf(&insert, "INSERT INTO \"%s\" (", t->name);
    put_columns(&insert, t);
    buf_puts(&insert, ") SELECT ");
    put_columns(&insert, t);
    buf_printf(&insert, " FROM json_populate_recordset(NULL::\"%s\", ?::json)",
               t->name);
    if (buf_failed(&select) || buf_failed(&insert))
        abort();
    st = db_query(k->from, select.data, "");
    if (st == NULL) {
        err_set(k->e, ERR_INTERNAL, "cannot read table %s", t->name);
        goto out;
    }
    t->rows = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        if (inbatch == 0) {
            jsonw_init(&w, &batch);
            jsonw_arr_begin(&w);
        }
        jsonw_obj_begin(&w);
        for (int i = 0; i < t->ncols; i++)
            if (put_value(k, t, st, i, &w) < 0) {
                db_done(st);
                goto out;
            }
        jsonw_obj_end(&w);
        inbatch++;
        t->rows++;
        if (inbatch == BATCH_ROWS || batch.len >= BATCH_BYTES) {
            if (flush_batch(k, insert.data, &w, &batch, inbatch) < 0) {
                db_done(st);
                goto out;
            }
            inbatch = 0;
        }
    }
    if (rc != DB_DONE) {
        err_set(k->e, ERR_INTERNAL, "cannot read table %s", t->name);
        goto out;
    }
    if (inbatch > 0 && flush_batch(k, insert.data, &w, &batch, inbatch) < 0)
        goto out;
    ret = 0;
out:
    buf_release(&select);
    buf_release(&insert);
    buf_release(&batch);
    return ret;
}

/* Moves the sequence behind each identity (or serial) column of t past
 * the largest value copied, so the next insert does not collide. */
static int
reset_sequences(struct copy *k, const struct table *t)
{
    struct name_list cols = {0};
    struct db_stmt *st;
    char quoted[NAME_MAX_LEN + 2];
    int rc, ret = 0;

    st = db_query(k->to,
                  "SELECT column_name FROM information_schema.columns "
                  "WHERE table_schema = current_schema() AND table_name = ? "
                  "AND (is_identity = 'YES' "
                  "OR column_default LIKE 'nextval(%') ORDER BY 1",
                  "t", t->name);
    if (st == NULL)
        return err_set(k->e, ERR_INTERNAL, "cannot read the sequences of %s",
                       t->name);
    while ((rc = db_step(st)) == DB_ROW) {
        const char *c = db_text(st, 0);

        if (c != NULL && plain_name(c))
            list_add(&cols, c);
    }
    if (rc != DB_DONE)
        ret = err_set(k->e, ERR_INTERNAL, "cannot read the sequences of %s",
                      t->name);
    snprintf(quoted, sizeof quoted, "\"%s\"", t->name);
    for (int i = 0; ret == 0 && i < cols.n; i++) {
        int64_t next = 0;

        snprintf(k->sql, sizeof k->sql,
                 "SELECT setval(pg_get_serial_sequence(?, ?), "
                 "GREATEST(COALESCE(MAX(\"%s\"), 0), 0) + 1, false) "
                 "FROM \"%s\"",
                 cols.v[i], t->name);
        if (db_get_int(k->to, &next, k->sql, "tt", quoted, cols.v[i]) != DB_ROW)
            ret =
                err_set(k->e, ERR_INTERNAL, "cannot move the sequence of %s.%s",
                        t->name, cols.v[i]);
    }
    free(cols.v);
    return ret;
}

/* Each copied table's row count on the target against the source's. */
static int
verify_counts(struct copy *k)
{
    for (int i = 0; i < k->ntables; i++) {
        struct table *t = &k->tables[i];
        int64_t src = -1, dst = -1;

        snprintf(k->sql, sizeof k->sql, "SELECT COUNT(*) FROM \"%s\"", t->name);
        if (db_get_int(k->from, &src, k->sql, "") != DB_ROW ||
            db_get_int(k->to, &dst, k->sql, "") != DB_ROW)
            return err_set(k->e, ERR_INTERNAL, "cannot count the rows of %s",
                           t->name);
        if (src != t->rows || dst != src)
            return err_set(k->e, ERR_INTERNAL,
                           "table %s: %lld rows on the source, %lld read, "
                           "%lld on the target",
                           t->name, (long long)src, (long long)t->rows,
                           (long long)dst);
    }
    return 0;
}

/* Everything between the target's BEGIN and COMMIT. */
static int
copy_all(struct copy *k)
{
    if (check_target_empty(k) < 0)
        return -1;
    for (int i = 0; i < k->ntables; i++) {
        if (!list_has(&k->target, k->tables[i].name))
            return err_set(k->e, ERR_VALIDATION,
                           "table %s of the source is not in the target "
                           "(is this farmctl as new as the data?)",
                           k->tables[i].name);
        if (read_columns(k, &k->tables[i]) < 0)
            return -1;
    }
    if (prepare_target(k) < 0)
        return -1;
    for (int i = 0; i < k->ntables; i++)
        if (copy_rows(k, &k->tables[i]) < 0 ||
            reset_sequences(k, &k->tables[i]) < 0)
            return -1;
    if (restore_target(k) < 0)
        return -1;
    return verify_counts(k);
}

static void
copy_release(struct copy *k)
{
    for (int i = 0; i < k->ntables; i++)
        free(k->tables[i].cols);
    free(k->tables);
    free(k->target.v);
    free(k->fk_table.v);
    free(k->fk_name.v);
}

int
db_copy(struct db *from, struct db *to, db_copy_report_fn *report, void *arg,
        struct err *e)
{
    struct copy k;
    int rc;

    memset(&k, 0, sizeof k);
    k.from = from;
    k.to = to;
    k.e = e;
    if (strcmp(db_backend_name(from), "sqlite") != 0)
        return err_set(e, ERR_VALIDATION,
                       "the source database is %s; db copy reads SQLite",
                       db_backend_name(from));
    if (strcmp(db_backend_name(to), "postgresql") != 0)
        return err_set(e, ERR_VALIDATION,
                       "the target database is %s; db copy writes "
                       "PostgreSQL",
                       db_backend_name(to));
    if (migrate_apply(to) < 0)
        return err_set(e, ERR_INTERNAL,
                       "cannot apply the migrations to the target database");
    if (db_begin_read(from) < 0)
        return err_set(e, ERR_INTERNAL, "cannot read the source database");
    rc = read_source_tables(&k);
    if (rc == 0 && db_begin(to) < 0)
        rc = err_set(e, ERR_INTERNAL,
                     "cannot open a transaction on the target database");
    else if (rc == 0 && db_end(to, copy_all(&k)) < 0)
        rc = err_set(e, ERR_INTERNAL, "the copy was rolled back");
    db_rollback(from);
    if (rc == 0 && report != NULL)
        for (int i = 0; i < k.ntables; i++)
            report(arg, k.tables[i].name, k.tables[i].rows);
    copy_release(&k);
    return rc;
}
