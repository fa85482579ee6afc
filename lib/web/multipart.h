/*
 * multipart — a streaming multipart/form-data parser (RFC 7578) for the
 * dashboard's upload form. The body is pushed in chunks of any size; each
 * part's headers are parsed and its bytes handed to callbacks as they come,
 * so a large file goes to disk without being held in memory.
 *
 * Invariants:
 * - Only the bytes between a part's header block and the next delimiter
 *   ("\r\n--" + boundary) reach part_data; the delimiter never does, even
 *   when it is split across chunks.
 * - A body is well-formed only when it ends with the closing delimiter
 *   ("--" + boundary + "--"); multipart_finish() says so. Anything else
 *   (no first delimiter, an over-long or malformed header block, a part
 *   without a form-data name, too many parts) is an error that sticks: every
 *   later call fails too.
 * - A callback that returns -1 stops the parse with MULTIPART_ABORTED.
 */
#ifndef MULTIPART_H
#define MULTIPART_H

#include <stddef.h>

struct arena;
struct multipart;

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */
#define MULTIPART_HEADER_MAX 4096 /* one part's header block, bytes */
#define MULTIPART_PARTS_MAX 64

enum multipart_error {
    MULTIPART_OK = 0,
    MULTIPART_MALFORMED, /* the body breaks the format */
    MULTIPART_ABORTED,   /* a callback said stop */
};

/* One part as its headers describe it; strings in the arena. filename is
 * NULL for a plain field (no filename parameter). */
struct multipart_part {
    const char *name;
    const char *filename;
    const char *content_type; /* NULL when the part has none */
};

struct multipart_cb {
    int (*part_begin)(void *ud, const struct multipart_part *part);
    int (*part_data)(void *ud, const char *p, size_t n);
    int (*part_end)(void *ud);
};

/* The boundary of a Content-Type value "multipart/form-data; boundary=X"
 * (X optionally quoted), copied into the arena; NULL when the type is
 * another or the boundary is missing, empty or longer than
 * MULTIPART_BOUNDARY_MAX. */
const char *multipart_boundary(struct arena *a, const char *content_type);

/* A parser for one body with the given boundary; it lives in the arena.
 * Never NULL (out of memory aborts). */
struct multipart *multipart_new(struct arena *a, const char *boundary,
                                const struct multipart_cb *cb, void *ud);

/* Parses n more bytes. 0, or -1 with multipart_error() telling why. */
int multipart_feed(struct multipart *m, const char *p, size_t n);

/* 0 when the closing delimiter has been seen and nothing failed, else -1
 * (a body cut short is MULTIPART_MALFORMED). */
int multipart_finish(struct multipart *m);

enum multipart_error multipart_error(const struct multipart *m);

#endif
