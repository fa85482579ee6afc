/*
 * printfile — a user's library of sliced files (.3mf, .gcode) that prints
 * and products name. The bytes live under the data directory
 * (files/<user_id>/<name>); the database holds name, size and sha256.
 *
 * Invariants: a row exists only for bytes that were completely written,
 * synced and renamed into place; an upload streams to a temporary file in
 * the same directory (never held in memory) and replaces the old bytes and
 * row together, or leaves both untouched. Names are checked by
 * printfile_name_ok() before they ever reach the file system, so a name is
 * always a plain file name inside the user's directory.
 */
#ifndef PRINTFILE_H
#define PRINTFILE_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct printfile_upload;

#define PRINTFILE_NAME_MAX 128

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

/* Starts an upload of name (422 naming "name" when it is not valid): makes
 * the user's directory and a temporary file in it. The upload lives in the
 * arena; if it is neither committed nor aborted, the arena's reset removes
 * the temporary file. A process killed mid-upload leaves its temporary
 * behind: each upload first removes the user's temporaries untouched for
 * an hour. NULL on failure with c->err set. */
struct printfile_upload *printfile_begin(struct ctx *c, const char *name);

/* Appends n bytes and feeds them to the running sha256. 0, or -1 with 413
 * once the total passes c->conf->file_limit, 500 on a write error. */
int printfile_write(struct printfile_upload *u, const void *p, size_t n);

/* Syncs the temporary file, renames it over the final name and inserts or
 * updates the row, atomically as far as the file system allows. *created
 * is 1 for a new file, 0 for a replaced one. 0, or -1 with c->err set and
 * the old file and row intact. */
int printfile_commit(struct printfile_upload *u, int *created);

/* Drops the upload and removes its temporary file. Safe to call twice. */
void printfile_abort(struct printfile_upload *u);

/* Deletes the user's file: 404 unknown, 409 while a queued, scheduled or
 * started print uses it. The bytes go after the row. 0 or -1. */
int printfile_delete(struct ctx *c, const char *name);

#endif
