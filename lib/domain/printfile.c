#include "domain/printfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "base/log.h"

#include "base/banned.h"

struct printfile_upload {
    struct ctx *c;
    const char *name, *dir, *tmp;
    int fd;
    int done; /* committed or aborted: nothing left to clean up */
    int64_t size;
    int64_t room; /* bytes the quota leaves for this file; -1: no quota */
    crypto_hash_sha256_state sha;
};

#define TEMP_PREFIX ".upload-"

#define FILE_COLS                                                              \
    "name, size, sha256, plates, estimated_minutes, grams, created_at, "       \
    "updated_at"

int
printfile_exists(struct ctx *c, const char *name)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one,
                        "SELECT 1 FROM print_files WHERE user_id = ? "
                        "AND name = ?",
                        "it", c->user_id, name);

    if (rc == DB_ERROR)
        return err_internal(&c->err, "printfile: select failed");
    return rc == DB_ROW;
}

static int
ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len > n && memcmp(s + len - n, suffix, n) == 0;
}

int
printfile_name_ok(const char *name)
{
    size_t len = strlen(name);

    /* A leading dot would make "." and ".." style names and hidden files;
     * it also keeps our own ".upload-*" temporaries out of the namespace. */
    if (len == 0 || len > PRINTFILE_NAME_MAX || name[0] == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return ends_with(name, len, ".3mf") || ends_with(name, len, ".gcode");
}

static const char *
user_dir(struct ctx *c)
{
    return arena_printf(c->arena, "%s/%lld", c->conf->files_dir,
                        (long long)c->user_id);
}

const char *
printfile_path(struct ctx *c, const char *name)
{
    return arena_printf(c->arena, "%s/%s", user_dir(c), name);
}

static void
file_row(struct ctx *c, struct db_stmt *st, struct printfile *f)
{
    f->name = arena_strdup(c->arena, db_text(st, 0));
    f->size = db_int(st, 1);
    f->sha256 = arena_strdup(c->arena, db_text(st, 2));
    f->plates = db_int(st, 3);
    f->estimated_minutes = db_int(st, 4);
    f->grams = db_int(st, 5);
    f->created_at = db_int(st, 6);
    f->updated_at = db_int(st, 7);
}

int
printfile_list(struct ctx *c, int64_t limit, int64_t offset,
               struct printfile **out, int *n)
{
    /* by bytes on either backend, whatever the database's collation */
    struct db_stmt *st =
        db_query(c->db,
                 arena_printf(c->arena,
                              "SELECT " FILE_COLS " FROM print_files WHERE "
                              "user_id = ? ORDER BY name%s LIMIT ? OFFSET ?",
                              db_order_bytes(c->db)),
                 "iii", c->user_id, limit, offset);
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    if (st == NULL)
        return err_internal(&c->err, "printfile: list failed");
    while ((rc = db_step(st)) == DB_ROW)
        file_row(c, st, &(*out)[(*n)++]);
    return rc == DB_DONE ? 0 : err_internal(&c->err, "printfile: list failed");
}

int
printfile_get(struct ctx *c, const char *name, struct printfile *f)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " FILE_COLS " FROM print_files "
                                  "WHERE user_id = ? AND name = ?",
                                  "it", c->user_id, name);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "printfile: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such file");
    if (rc != DB_ROW)
        return err_internal(&c->err, "printfile: select failed");
    file_row(c, st, f);
    db_done(st);
    return 0;
}

static int
make_dir(const char *path)
{
    return mkdir(path, 0750) == 0 || errno == EEXIST ? 0 : -1;
}

/* 1 when a file-system error means the disk (or the user's disk quota, or
 * the largest file it allows) is full: a 507, not a bug. */
static int
is_full(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

/* Test hook (test build only, FARM_TEST_HOOKS): FARM_DISK_FULL lists
 * "op:N" items, comma separated, op one of write, fsync, rename: that step
 * of an upload fails with ENOSPC (EDQUOT with ":edquot" after N) once the
 * upload holds more than N bytes, as a full disk makes it fail. The errno
 * to fail with, or 0. */
static int
disk_full(const char *op, int64_t size)
{
#ifdef FARM_TEST_HOOKS
    const char *v = getenv("FARM_DISK_FULL");
    size_t n = strlen(op);

    while (v != NULL && *v != '\0') {
        const char *next = strchr(v, ',');
        char *end;

        if (strncmp(v, op, n) == 0 && v[n] == ':') {
            long long at = strtoll(v + n + 1, &end, 10);

            if (end != v + n + 1 && size > at)
                return strncmp(end, ":edquot", 7) == 0 ? EDQUOT : ENOSPC;
        }
        v = next ? next + 1 : NULL;
    }
#else
    (void)op;
    (void)size;
#endif
    return 0;
}

/* The failure of step op of u with errno e: storage full (507) for a full
 * disk, else internal; the temporary file is removed at once, so a full
 * disk gets its space back before the answer goes out. -1. */
static int
upload_failed(struct printfile_upload *u, const char *op, int e)
{
    struct ctx *c = u->c;
    const char *tmp = u->tmp;

    printfile_abort(u);
    if (is_full(e)) {
        log_error("printfile: %s %s: %s (disk full: the upload was dropped)",
                  op, tmp, strerror(e));
        return err_set(&c->err, ERR_STORAGE_FULL,
                       e == EDQUOT ? "the server's disk quota is used up: "
                                     "the file was not stored"
                                   : "the server's disk is full: the file "
                                     "was not stored");
    }
    return err_internal(&c->err, "printfile: %s %s: %s", op, tmp, strerror(e));
}

int
printfile_usage(struct ctx *c, const char *except, int64_t *bytes)
{
    *bytes = 0;
    if (db_get_int(c->db, bytes,
                   "SELECT COALESCE(SUM(size), 0) FROM print_files "
                   "WHERE user_id = ? AND name <> ?",
                   "it", c->user_id, except ? except : "") == DB_ERROR)
        return err_internal(&c->err, "printfile: usage failed");
    return 0;
}

/* 507 quota_exceeded for an upload of size bytes (0: not known yet) next
 * to used bytes of the user's other files. -1. */
static int
over_quota(struct ctx *c, int64_t used, int64_t size)
{
    if (size <= 0)
        return err_set(&c->err, ERR_QUOTA,
                       "storage quota exceeded: your other files use %lld "
                       "of your %lld bytes; delete files first",
                       (long long)used, (long long)c->conf->file_quota);
    return err_set(&c->err, ERR_QUOTA,
                   "storage quota exceeded: your other files use %lld of "
                   "your %lld bytes, and this file needs %lld; delete files "
                   "first",
                   (long long)used, (long long)c->conf->file_quota,
                   (long long)size);
}

/* Removes dir's upload temporaries last written before cutoff; adds them
 * to *removed when not NULL. A failure only costs disk space. */
static void
sweep_dir(const char *dir, int64_t cutoff, int *removed)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;

        if (strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0 ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
                sizeof(path) ||
            lstat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
            (int64_t)st.st_mtime >= cutoff)
            continue;
        if (unlink(path) == 0) {
            if (removed != NULL)
                (*removed)++;
            else
                log_info("printfile: removed stale %s", path);
        } else if (errno != ENOENT) /* another worker swept it first */
            log_error("printfile: unlink %s: %s", path, strerror(errno));
    }
    closedir(d);
}

/* An upload that could not start (nothing to clean up): storage full for
 * a full disk, else internal. NULL. */
static struct printfile_upload *
begin_failed(struct ctx *c, const char *op, const char *path, int e)
{
    if (is_full(e)) {
        log_error("printfile: %s %s: %s (disk full)", op, path, strerror(e));
        err_set(&c->err, ERR_STORAGE_FULL,
                "the server's disk is full: the file was not stored");
    } else {
        err_internal(&c->err, "printfile: %s %s: %s", op, path, strerror(e));
    }
    return NULL;
}

/* Runs at the arena's reset: an upload that never finished leaves
 * nothing behind. */
static void
upload_cleanup(void *p)
{
    printfile_abort(p);
}

struct printfile_upload *
printfile_begin(struct ctx *c, const char *name)
{
    struct printfile_upload *u;
    int64_t used = 0;
    char *tmp;

    if (!printfile_name_ok(name))
        return err_field(&c->err, "name",
                         "must be 1 to 128 characters of A-Z a-z 0-9 . _ -, "
                         "not starting with a dot, ending in .3mf or .gcode"),
               NULL;
    u = arena_alloc(c->arena, sizeof(*u));
    u->c = c;
    u->fd = -1;
    u->done = 1;
    u->name = arena_strdup(c->arena, name);
    u->dir = user_dir(c);
    u->size = 0;
    u->room = -1;
    u->tmp = NULL;
    /* a replaced file's old bytes do not count: they go when it lands */
    if (c->conf->file_quota > 0) {
        if (printfile_usage(c, name, &used) < 0)
            return NULL;
        u->room = c->conf->file_quota - used;
        if (u->room <= 0)
            return over_quota(c, used, 0), NULL;
    }
    if (make_dir(c->conf->files_dir) < 0 || make_dir(u->dir) < 0)
        return begin_failed(c, "mkdir", u->dir, errno);
    /* what an upload killed before its cleanup left here (nginx hands the
     * worker the whole body at once, so a live upload's temporary is
     * never an hour old); workers also sweep every directory at start */
    sweep_dir(u->dir, c->now - PRINTFILE_STALE_S, NULL);
    tmp = arena_printf(c->arena, "%s/" TEMP_PREFIX "XXXXXX", u->dir);
    u->fd = mkstemp(tmp);
    if (u->fd < 0)
        return begin_failed(c, "mkstemp in", u->dir, errno);
    u->tmp = tmp;
    u->done = 0;
    arena_on_reset(c->arena, upload_cleanup, u);
    /* mkstemp makes 0600; the library directory is group-readable */
    if (fchmod(u->fd, 0640) < 0)
        return upload_failed(u, "fchmod", errno), NULL;
    crypto_hash_sha256_init(&u->sha);
    return u;
}

int
printfile_expect(struct printfile_upload *u, int64_t size)
{
    struct ctx *c = u->c;

    if (u->room >= 0 && size > u->room) {
        printfile_abort(u);
        return over_quota(c, c->conf->file_quota - u->room, size);
    }
    return 0;
}

int
printfile_write(struct printfile_upload *u, const void *p, size_t n)
{
    struct ctx *c = u->c;
    const char *b = p;
    int64_t limit = c->conf->file_limit;

    if (u->done || u->fd < 0)
        return err_internal(&c->err, "printfile: write after the end");
    if (u->size + (int64_t)n > limit)
        return err_set(&c->err, ERR_TOO_LARGE, "file is larger than %lld bytes",
                       (long long)limit);
    if (u->room >= 0 && u->size + (int64_t)n > u->room) {
        printfile_abort(u);
        return over_quota(c, c->conf->file_quota - u->room,
                          u->size + (int64_t)n);
    }
    crypto_hash_sha256_update(&u->sha, p, n);
    u->size += (int64_t)n;
    while (n > 0) {
        int fault = disk_full("write", u->size);
        ssize_t w = fault ? -1 : write(u->fd, b, n);

        if (fault)
            errno = fault;
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return upload_failed(u, "write", w == 0 ? ENOSPC : errno);
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Makes the rename itself durable; failure only costs durability. */
static void
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY);

    if (fd < 0)
        return;
    if (fsync(fd) < 0)
        log_info("printfile: fsync %s: %s", dir, strerror(errno));
    close(fd);
}

/* Inserts or updates the row for u; sets *created. DB_DONE on success. */
static int
upsert_row(struct printfile_upload *u, const char *hex, int *created)
{
    struct ctx *c = u->c;
    int64_t id = 0;
    int rc;

    rc = db_get_int(c->db, &id,
                    "SELECT id FROM print_files WHERE user_id = ? "
                    "AND name = ?",
                    "it", c->user_id, u->name);
    if (rc == DB_ROW) {
        *created = 0;
        /* what was learnt from the old bytes no longer holds */
        return db_exec(c->db,
                       "UPDATE print_files SET size = ?, sha256 = ?, "
                       "plates = NULL, estimated_minutes = NULL, "
                       "grams = NULL, updated_at = ? WHERE id = ?",
                       "itii", u->size, hex, c->now, id);
    }
    if (rc != DB_DONE)
        return DB_ERROR;
    *created = 1;
    rc =
        db_get_int(c->db, &id,
                   "INSERT INTO print_files (user_id, name, size, sha256, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   "ititii", c->user_id, u->name, u->size, hex, c->now, c->now);
    return rc == DB_ROW ? DB_DONE : rc;
}

int
printfile_commit(struct printfile_upload *u, int *created)
{
    struct ctx *c = u->c;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    const char *final;
    int64_t used = 0;
    int fd = u->fd, fault;

    if (u->done || fd < 0)
        return err_internal(&c->err, "printfile: commit after the end");
    u->fd = -1;
    /* a full disk may only say so now (delayed allocation, NFS) */
    fault = disk_full("fsync", u->size);
    if (fault || fsync(fd) < 0) {
        int e = fault ? fault : errno;

        close(fd);
        return upload_failed(u, "fsync", e);
    }
    if (close(fd) < 0)
        return upload_failed(u, "close", errno);
    crypto_hash_sha256_final(&u->sha, digest);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    final = printfile_path(c, u->name);

    /* The rename happens inside the transaction, so concurrent uploads and
     * deletes of one name are serialised by the database's write lock and
     * the row always describes the bytes on disk. The quota is checked
     * again under that lock: two uploads that each fit may not together. */
    if (db_begin(c->db) < 0) {
        printfile_abort(u);
        return err_internal(&c->err, "printfile: begin failed");
    }
    if (c->conf->file_quota > 0 &&
        (printfile_usage(c, u->name, &used) < 0 ||
         used + u->size > c->conf->file_quota)) {
        db_rollback(c->db);
        printfile_abort(u);
        return err_is_set(&c->err) ? -1 : over_quota(c, used, u->size);
    }
    if (upsert_row(u, hex, created) != DB_DONE) {
        db_rollback(c->db);
        printfile_abort(u);
        return err_internal(&c->err, "printfile: upsert failed");
    }
    fault = disk_full("rename", u->size);
    if (fault || rename(u->tmp, final) < 0) {
        int e = fault ? fault : errno;

        db_rollback(c->db);
        return upload_failed(u, "rename", e);
    }
    u->done = 1;
    if (db_commit(c->db) < 0) {
        log_error("printfile: %s replaced on disk but the row was not "
                  "updated",
                  final);
        return err_internal(&c->err, "printfile: commit failed");
    }
    sync_dir(u->dir);
    return 0;
}

void
printfile_abort(struct printfile_upload *u)
{
    if (u == NULL || u->done)
        return;
    u->done = 1;
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    if (u->tmp != NULL && unlink(u->tmp) < 0 && errno != ENOENT)
        log_error("printfile: unlink %s: %s", u->tmp, strerror(errno));
}

int
printfile_sweep(struct ctx *c, int64_t older_than)
{
    DIR *d = opendir(c->conf->files_dir);
    struct dirent *e;
    int removed = 0;

    if (d == NULL)
        return errno == ENOENT ? 0 : -1;
    while ((e = readdir(d)) != NULL) {
        const char *p = e->d_name;

        /* the user directories are named by id: nothing else is ours */
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == e->d_name || *p != '\0')
            continue;
        sweep_dir(arena_printf(c->arena, "%s/%s", c->conf->files_dir,
                               e->d_name),
                  c->now - older_than, &removed);
    }
    closedir(d);
    if (removed > 0)
        log_info("printfile: removed %d upload temporaries older than %lld s "
                 "(uploads that never finished)",
                 removed, (long long)older_than);
    return removed;
}

int
printfile_delete(struct ctx *c, const char *name)
{
    int64_t id = 0, busy = 0;
    const char *path;
    int rc;

    if (!printfile_name_ok(name))
        return err_set(&c->err, ERR_NOT_FOUND, "no such file");
    path = printfile_path(c, name);
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "printfile: begin failed");
    rc = db_get_int(c->db, &id,
                    "SELECT id FROM print_files WHERE user_id = ? "
                    "AND name = ?",
                    "it", c->user_id, name);
    if (rc != DB_ROW) {
        db_rollback(c->db);
        return rc == DB_DONE ? err_set(&c->err, ERR_NOT_FOUND, "no such file")
                             : err_internal(&c->err, "printfile: select "
                                                     "failed");
    }
    rc = job_using_file(c, name, &busy);
    if (rc == 1) {
        db_rollback(c->db);
        return err_set(&c->err, ERR_CONFLICT,
                       "print %lld still uses %s; cancel it or let it end "
                       "first",
                       (long long)busy, name);
    }
    if (rc < 0 || db_exec(c->db, "DELETE FROM print_files WHERE id = ?",
                                 "i", id) != DB_DONE) {
        db_rollback(c->db);
        return err_internal(&c->err, "printfile: delete failed");
    }
    /* Unlinked under the write lock: an upload of the same name that
     * commits after us cannot lose its new bytes to this unlink. */
    if (unlink(path) < 0 && errno != ENOENT) {
        db_rollback(c->db);
        return err_internal(&c->err, "printfile: unlink %s: %s", path,
                            strerror(errno));
    }
    if (db_commit(c->db) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "printfile: commit failed");
    }
    return 0;
}
