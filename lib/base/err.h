/*
 * err — the error of one unit of work (a request, a command, a step).
 *
 * Setters are sticky: the first kind and message win, so a failure path is
 * one line (`return err_set(e, ERR_CONFLICT, "...")`). Validation errors
 * collect every bad field before the caller gives up. One table maps each
 * kind to its HTTP status and the API contract's code.
 */
#ifndef ERR_H
#define ERR_H

enum err_kind {
    ERR_NONE,
    ERR_BAD_JSON,
    ERR_UNAUTHORIZED,
    ERR_CSRF,
    ERR_FORBIDDEN, /* signed in, but not allowed (an admin's action) */
    ERR_NOT_FOUND,
    ERR_METHOD,
    ERR_CONFLICT,
    ERR_TOO_LARGE,
    ERR_MEDIA_TYPE,
    ERR_VALIDATION,
    ERR_RATE_LIMITED,
    ERR_QUOTA,        /* 507: the user's storage quota would be passed */
    ERR_STORAGE_FULL, /* 507: the disk (or its quota) is full */
    ERR_INTERNAL,
    ERR_UNAVAILABLE, /* the database is out of reach: try again */
    ERR__MAX
};

#define ERR_FIELDS_MAX 24

struct err_field {
    char name[48];
    char msg[128];
};

struct err {
    enum err_kind kind;
    char msg[256];
    int nfields;
    struct err_field fields[ERR_FIELDS_MAX];
};

/* Sets kind and message unless an error is already set; returns -1. */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a bad field (kind becomes validation unless already set); the first
 * field also becomes the message "<name> <msg>". Returns -1. */
int err_field(struct err *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Logs the cause to stderr and sets an internal error whose message leaks
 * nothing. Returns -1. */
int err_internal(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);
int err_is_set(const struct err *e);

int err_http_status(enum err_kind kind);
const char *err_code(enum err_kind kind);

#endif
