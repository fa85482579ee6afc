#include "base/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#include "base/banned.h"

#ifndef FARM_TEMPLATE_DIR
#define FARM_TEMPLATE_DIR "templates"
#endif

static int
set_str(char *dst, size_t n, const char *key, const char *val, struct err *e)
{
    if (strlen(val) >= n)
        return err_set(e, ERR_VALIDATION, "config %s is too long", key);
    memcpy(dst, val, strlen(val) + 1);
    return 0;
}

static int
set_int(int64_t *dst, const char *key, const char *val, int64_t min,
        struct err *e)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(val, &end, 10);
    if (errno || end == val || *end != '\0' || v < min)
        return err_set(e, ERR_VALIDATION,
                       "config %s must be a whole number of at least %lld "
                       "(got \"%s\")",
                       key, (long long)min, val);
    *dst = v;
    return 0;
}

static int
conf_set_mail(struct mail_conf *m, const char *key, const char *val,
              struct err *e)
{
    if (strcmp(key, "FARM_SMTP_URL") == 0)
        return set_str(m->url, sizeof(m->url), key, val, e);
    if (strcmp(key, "FARM_SMTP_USER") == 0)
        return set_str(m->user, sizeof(m->user), key, val, e);
    if (strcmp(key, "FARM_SMTP_PASSWORD") == 0)
        return set_str(m->password, sizeof(m->password), key, val, e);
    if (strcmp(key, "FARM_SMTP_CA") == 0)
        return set_str(m->ca, sizeof(m->ca), key, val, e);
    if (strcmp(key, "FARM_MAIL_FROM") == 0)
        return set_str(m->from, sizeof(m->from), key, val, e);
    if (strcmp(key, "FARM_SMTP_STARTTLS") == 0) {
        if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
            return err_set(e, ERR_VALIDATION,
                           "config FARM_SMTP_STARTTLS must be 0 or 1 "
                           "(got \"%s\")",
                           val);
        m->starttls = val[0] == '1';
        return 0;
    }
    return 1; /* not ours: other programs share the file */
}

static int
conf_set(struct conf *c, const char *key, const char *val, struct err *e)
{
    if (strcmp(key, "DATA_DIR") == 0)
        return set_str(c->data_dir, sizeof(c->data_dir), key, val, e);
    if (strcmp(key, "FARM_DB") == 0)
        return set_str(c->db_url, sizeof(c->db_url), key, val, e);
    if (strcmp(key, "FARM_TEMPLATES") == 0)
        return set_str(c->templates, sizeof(c->templates), key, val, e);
    if (strcmp(key, "FARM_CURRENCY") == 0) {
        if (strlen(val) != 3 || !isupper((unsigned char)val[0]) ||
            !isupper((unsigned char)val[1]) || !isupper((unsigned char)val[2]))
            return err_set(e, ERR_VALIDATION,
                           "config FARM_CURRENCY must be three capital "
                           "letters such as USD (got \"%s\")",
                           val);
        return set_str(c->currency, sizeof(c->currency), key, val, e);
    }
    if (strcmp(key, "FARM_BODY_LIMIT") == 0)
        return set_int(&c->body_limit, key, val, 1024, e);
    if (strcmp(key, "FARM_FILE_LIMIT") == 0)
        return set_int(&c->file_limit, key, val, 1024, e);
    if (strcmp(key, "FARM_SESSION_SECONDS") == 0)
        return set_int(&c->session_seconds, key, val, 60, e);
    if (strcmp(key, "FARM_LOGIN_MAX_PER_EMAIL") == 0)
        return set_int(&c->login_max_per_email, key, val, 1, e);
    if (strcmp(key, "FARM_LOGIN_MAX_PER_ADDR") == 0)
        return set_int(&c->login_max_per_addr, key, val, 1, e);
    if (strcmp(key, "FARM_LOGIN_WINDOW") == 0)
        return set_int(&c->login_window, key, val, 1, e);
    if (strcmp(key, "FARM_OFFLINE_GRACE") == 0)
        return set_int(&c->offline_grace, key, val, 0, e);
    return conf_set_mail(&c->mail, key, val, e);
}

static const char *const conf_keys[] = {
    "DATA_DIR",          "FARM_DB",
    "FARM_TEMPLATES",    "FARM_CURRENCY",
    "FARM_BODY_LIMIT",   "FARM_FILE_LIMIT",
    "FARM_SESSION_SECONDS", "FARM_LOGIN_MAX_PER_EMAIL",
    "FARM_LOGIN_MAX_PER_ADDR", "FARM_LOGIN_WINDOW",
    "FARM_OFFLINE_GRACE", "FARM_SMTP_URL",
    "FARM_SMTP_USER",    "FARM_SMTP_PASSWORD",
    "FARM_SMTP_STARTTLS", "FARM_SMTP_CA",
    "FARM_MAIL_FROM",
    NULL,
};

static int
conf_read_file(struct conf *c, const char *path, struct err *e)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int lineno = 0;

    if (f == NULL)
        return errno == ENOENT ? 0
                               : err_set(e, ERR_VALIDATION,
                                         "cannot read %s: %s", path,
                                         strerror(errno));
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *eq, *end;

        lineno++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        eq = strchr(p, '=');
        if (eq == NULL) {
            fclose(f);
            return err_set(e, ERR_VALIDATION,
                           "%s:%d: expected KEY=VALUE", path, lineno);
        }
        *eq = '\0';
        if (getenv(p) == NULL && conf_set(c, p, eq + 1, e) < 0) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

int
conf_load(struct conf *c, struct err *e)
{
    const char *v;
    char path[600];

    memset(c, 0, sizeof(*c));
    memcpy(c->data_dir, "var", 4);
    memcpy(c->templates, FARM_TEMPLATE_DIR, sizeof(FARM_TEMPLATE_DIR));
    memcpy(c->currency, "USD", 4);
    c->body_limit = 1 << 20;
    c->file_limit = (int64_t)512 << 20;
    c->session_seconds = 30 * 86400;
    c->login_max_per_email = 5;
    c->login_max_per_addr = 20;
    c->login_window = 15 * 60;
    c->offline_grace = 5 * 60;

    v = getenv("DATA_DIR");
    if (v != NULL && *v != '\0' &&
        set_str(c->data_dir, sizeof(c->data_dir), "DATA_DIR", v, e) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/farm.conf", c->data_dir);
    if (conf_read_file(c, path, e) < 0)
        return -1;
    for (const char *const *k = conf_keys; *k != NULL; k++) {
        v = getenv(*k);
        if (v != NULL && *v != '\0' && conf_set(c, *k, v, e) < 0)
            return -1;
    }
    if (c->mail.from[0] == '\0')
        memcpy(c->mail.from, "farm@localhost", sizeof("farm@localhost"));
    c->mail.configured = c->mail.url[0] != '\0';
    if (c->mail.configured && strncmp(c->mail.url, "smtp://", 7) != 0 &&
        strncmp(c->mail.url, "smtps://", 8) != 0)
        return err_set(e, ERR_VALIDATION,
                       "config FARM_SMTP_URL must start with smtp:// or "
                       "smtps://");
    if (c->db_url[0] == '\0')
        snprintf(c->db_url, sizeof(c->db_url), "sqlite:%s/farm.db",
                 c->data_dir);
    snprintf(c->files_dir, sizeof(c->files_dir), "%s/files", c->data_dir);
    snprintf(c->secret_key, sizeof(c->secret_key), "%s/secret.key",
             c->data_dir);
    return 0;
}
