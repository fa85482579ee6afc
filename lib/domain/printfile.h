/*
 * printfile — a user's library of sliced files (.3mf, .gcode) that prints
 * and products name. The bytes live under the data directory
 * (files/<user_id>/<name>); the database holds name, size and sha256.
 *
 * Invariants: a row exists only for bytes that were completely written,
 * synced and renamed into place; an upload streams to a temporary file in
 * the same directory (".upload-XXXXXX", never held in memory) and replaces
 * the old bytes and row together, or leaves both untouched; a failed
 * upload removes its temporary file before it answers, and the ones a
 * killed process left are swept at start (printfile_sweep). A user's files
 * together stay within c->conf->file_quota bytes (0: no quota; a replaced
 * file counts with its new size only), checked as the bytes arrive and
 * again under the write lock at commit. A full disk (ENOSPC, EDQUOT,
 * EFBIG) while writing, syncing or renaming is 507 storage_full, not a
 * bug. Names are checked by printfile_name_ok() before they ever reach the
 * file system, so a name is always a plain file name inside the user's
 * directory.
 */
#ifndef PRINTFILE_H
#define PRINTFILE_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct printfile_upload;

#define PRINTFILE_NAME_MAX 128
#define PRINTFILE_STALE_S 3600 /* an upload temporary older is abandoned */

struct printfile {
    const char *name;
    int64_t size;
    const char *sha256;                       /* lower-case hex */
    int64_t plates, estimated_minutes, grams; /* DB_NULL: unknown */
    int64_t created_at, updated_at;
};

/* 1 when name is one of the user's files, 0 when not, -1 on error. */
int printfile_exists(struct ctx *c, const char *name);

/* 1 when name is 1-128 characters of A-Z a-z 0-9 . _ -, does not start
 * with a dot and ends in .3mf or .gcode; else 0. */
int printfile_name_ok(const char *name);

/* The absolute path of the user's file name (arena copy). The name must
 * have passed printfile_name_ok(). */
const char *printfile_path(struct ctx *c, const char *name);

/* The user's files ordered by name, from the arena. 0 or -1. */
int printfile_list(struct ctx *c, int64_t limit, int64_t offset,
                   struct printfile **out, int *n);

/* Loads one of the user's files: 0, or -1 with 404. */
int printfile_get(struct ctx *c, const char *name, struct printfile *f);

/* The bytes of the user's files, all but the one named except (NULL: all)
 * into *bytes. 0 or -1. */
int printfile_usage(struct ctx *c, const char *except, int64_t *bytes);

/* Starts an upload of name (422 naming "name" when it is not valid; 507
 * quota_exceeded when the user's other files leave no room; 507
 * storage_full when the disk has none for the temporary file): makes the
 * user's directory and a temporary file in it. The upload lives in the
 * arena; if it is neither committed nor aborted, the arena's reset removes
 * the temporary file. A process killed mid-upload leaves its temporary
 * behind: each upload first removes the user's temporaries untouched for
 * an hour. NULL on failure with c->err set. */
struct printfile_upload *printfile_begin(struct ctx *c, const char *name);

/* Says the upload will be size bytes (a Content-Length), so a file that
 * cannot fit the quota is refused (507 quota_exceeded, upload aborted)
 * before a byte is read. 0 or -1. */
int printfile_expect(struct printfile_upload *u, int64_t size);

/* Appends n bytes and feeds them to the running sha256. 0, or -1 with 413
 * once the total passes c->conf->file_limit, 507 quota_exceeded once it
 * passes what the quota leaves, 507 storage_full when the disk is full
 * (both abort the upload: the temporary file is gone), 500 on another
 * write error. */
int printfile_write(struct printfile_upload *u, const void *p, size_t n);

/* Syncs the temporary file, renames it over the final name and inserts or
 * updates the row, atomically as far as the file system allows. *created
 * is 1 for a new file, 0 for a replaced one. 0, or -1 with c->err set (507
 * quota_exceeded, 507 storage_full, 500), the temporary file removed and
 * the old file and row intact. */
int printfile_commit(struct printfile_upload *u, int *created);

/* Drops the upload and removes its temporary file. Safe to call twice. */
void printfile_abort(struct printfile_upload *u);

/* Deletes the user's file: 404 unknown, 409 while a queued, scheduled or
 * started print uses it. The bytes go after the row. 0 or -1. */
int printfile_delete(struct ctx *c, const char *name);

/* Removes the upload temporaries of every user's directory last written
 * more than older_than seconds before c->now: what workers killed in the
 * middle of an upload left (a live upload writes its file every moment).
 * What every worker and farmctl migrate run at start. The number removed,
 * or -1 when the library cannot be read. */
int printfile_sweep(struct ctx *c, int64_t older_than);

#endif
