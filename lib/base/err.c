#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

static const struct {
    int status;
    const char *code;
} err_table[ERR__MAX] = {
    [ERR_NONE] = {200, "ok"},
    [ERR_BAD_JSON] = {400, "bad_json"},
    [ERR_UNAUTHORIZED] = {401, "unauthorized"},
    [ERR_CSRF] = {403, "csrf_failed"},
    [ERR_FORBIDDEN] = {403, "forbidden"},
    [ERR_NOT_FOUND] = {404, "not_found"},
    [ERR_METHOD] = {405, "method_not_allowed"},
    [ERR_CONFLICT] = {409, "conflict"},
    [ERR_TOO_LARGE] = {413, "too_large"},
    [ERR_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [ERR_VALIDATION] = {422, "validation_failed"},
    [ERR_RATE_LIMITED] = {429, "rate_limited"},
    [ERR_QUOTA] = {507, "quota_exceeded"},
    [ERR_STORAGE_FULL] = {507, "storage_full"},
    [ERR_INTERNAL] = {500, "internal"},
    [ERR_UNAVAILABLE] = {503, "unavailable"},
};

int
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
    va_list ap;

    if (e->kind != ERR_NONE)
        return -1;
    e->kind = kind;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int
err_field(struct err *e, const char *name, const char *fmt, ...)
{
    va_list ap;
    struct err_field *f;

    if (e->kind != ERR_NONE && e->kind != ERR_VALIDATION)
        return -1;
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return -1; /* first complaint about a field wins */
    if (e->nfields == ERR_FIELDS_MAX)
        return -1;
    f = &e->fields[e->nfields++];
    snprintf(f->name, sizeof(f->name), "%s", name);
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
    if (e->kind == ERR_NONE) {
        e->kind = ERR_VALIDATION;
        snprintf(e->msg, sizeof(e->msg), "%s %s", f->name, f->msg);
    }
    return -1;
}

int
err_internal(struct err *e, const char *fmt, ...)
{
    va_list ap;
    char cause[512];

    va_start(ap, fmt);
    vsnprintf(cause, sizeof(cause), fmt, ap);
    va_end(ap);
    log_error("internal: %s", cause);
    if (e->kind == ERR_NONE || e->kind == ERR_VALIDATION) {
        e->kind = ERR_INTERNAL;
        e->nfields = 0;
        snprintf(e->msg, sizeof(e->msg), "internal error");
    }
    return -1;
}

void
err_clear(struct err *e)
{
    e->kind = ERR_NONE;
    e->msg[0] = '\0';
    e->nfields = 0;
}

int
err_is_set(const struct err *e)
{
    return e->kind != ERR_NONE;
}

int
err_http_status(enum err_kind kind)
{
    return kind < ERR__MAX ? err_table[kind].status : 500;
}

const char *
err_code(enum err_kind kind)
{
    return kind < ERR__MAX ? err_table[kind].code : "internal";
}
