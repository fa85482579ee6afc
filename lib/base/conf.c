#include "base/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/outbound.h"

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

/* How a key's value is checked before it is stored. */
enum conf_kind {
    CONF_STR,      /* text that fits the field */
    CONF_INT,      /* a whole number of at least min */
    CONF_CURRENCY, /* three capital letters */
    CONF_FLAG,     /* 0 or 1 */
};

/* Every setting once: its name, its check and where it goes. */
struct conf_key {
    const char *name;
    enum conf_kind kind;
    size_t offset, size;
    int64_t min;
};

#define FIELD(m) offsetof(struct conf, m), sizeof(((struct conf *)0)->m)
static const struct conf_key conf_keys[] = {
    {"DATA_DIR", CONF_STR, FIELD(data_dir), 0},
    {"FARM_DATABASE", CONF_STR, FIELD(db_url), 0},
    {"FARM_TEMPLATES", CONF_STR, FIELD(templates), 0},
    {"FARM_CURRENCY", CONF_CURRENCY, FIELD(currency), 0},
    {"FARM_BODY_LIMIT", CONF_INT, FIELD(body_limit), 1024},
    {"FARM_FILE_LIMIT", CONF_INT, FIELD(file_limit), 1024},
    {"FARM_FILE_QUOTA", CONF_INT, FIELD(file_quota), 0},
    {"FARM_SESSION_SECONDS", CONF_INT, FIELD(session_seconds), 60},
    {"FARM_LOGIN_MAX_PER_EMAIL", CONF_INT, FIELD(login_max_per_email), 1},
    {"FARM_LOGIN_MAX_PER_ADDR", CONF_INT, FIELD(login_max_per_addr), 1},
    {"FARM_LOGIN_WINDOW", CONF_INT, FIELD(login_window), 1},
    {"FARM_OFFLINE_GRACE", CONF_INT, FIELD(offline_grace), 0},
    {"FARM_LEASE_SECONDS", CONF_INT, FIELD(lease_seconds), 3},
    {"FARM_OUTBOX_MAX_PENDING", CONF_INT, FIELD(outbox_max_pending), 1},
    {"FARM_NOTIFY_TESTS_PER_MINUTE", CONF_INT, FIELD(notify_tests_per_minute),
     1},
    {"FARM_OUTBOUND_ALLOW", CONF_STR, FIELD(outbound_allow), 0},
    {"FARM_OUTBOUND_PRIVATE_WEBHOOKS", CONF_FLAG,
     FIELD(outbound_private_webhooks), 0},
    {"FARM_SMTP_URL", CONF_STR, FIELD(mail.url), 0},
    {"FARM_SMTP_USER", CONF_STR, FIELD(mail.user), 0},
    {"FARM_SMTP_PASSWORD", CONF_STR, FIELD(mail.password), 0},
    {"FARM_SMTP_STARTTLS", CONF_FLAG, FIELD(mail.starttls), 0},
    {"FARM_SECURE_COOKIES", CONF_FLAG, FIELD(secure_cookies), 0},
    {"FARM_TRUSTED_PROXIES", CONF_STR, FIELD(trusted_proxies), 0},
    {"FARM_SMTP_CA", CONF_STR, FIELD(mail.ca), 0},
    {"FARM_MAIL_FROM", CONF_STR, FIELD(mail.from), 0},
    {"FARM_ETSY_KEYSTRING", CONF_STR, FIELD(etsy.keystring), 0},
    {"FARM_ETSY_SECRET", CONF_STR, FIELD(etsy.secret), 0},
    {"FARM_PUBLIC_URL", CONF_STR, FIELD(etsy.public_url), 0},
    {"FARM_ETSY_API", CONF_STR, FIELD(etsy.api), 0},
    {"FARM_ETSY_CONNECT", CONF_STR, FIELD(etsy.connect), 0},
    {"FARM_ETSY_POLL", CONF_INT, FIELD(etsy.poll), 0},
    {NULL, CONF_STR, 0, 0, 0},
};
#undef FIELD

static int
set_currency(char *dst, size_t n, const char *key, const char *val,
             struct err *e)
{
    if (strlen(val) != 3 || !isupper((unsigned char)val[0]) ||
        !isupper((unsigned char)val[1]) || !isupper((unsigned char)val[2]))
        return err_set(e, ERR_VALIDATION,
                       "config %s must be three capital letters such as "
                       "USD (got \"%s\")",
                       key, val);
    return set_str(dst, n, key, val, e);
}

static int
set_flag(int *dst, const char *key, const char *val, struct err *e)
{
    if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
        return err_set(e, ERR_VALIDATION,
                       "config %s must be 0 or 1 (got \"%s\")", key, val);
    *dst = val[0] == '1';
    return 0;
}

/* Checks and stores val under key: 0, 1 when the key is not ours (other
 * programs share the file), or -1 with e set. */
static int
conf_set(struct conf *c, const char *key, const char *val, struct err *e)
{
    const struct conf_key *k = conf_keys;
    char *dst;

    while (k->name != NULL && strcmp(k->name, key) != 0)
        k++;
    if (k->name == NULL)
        return 1;
    dst = (char *)c + k->offset;
    switch (k->kind) {
    case CONF_INT: return set_int((int64_t *)(void *)dst, key, val, k->min, e);
    case CONF_CURRENCY: return set_currency(dst, k->size, key, val, e);
    case CONF_FLAG: return set_flag((int *)(void *)dst, key, val, e);
    case CONF_STR: break;
    }
    return set_str(dst, k->size, key, val, e);
}

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
    char path[600], why[160];

    memset(c, 0, sizeof(*c));
    memcpy(c->data_dir, "var", 4);
    memcpy(c->templates, FARM_TEMPLATE_DIR, sizeof(FARM_TEMPLATE_DIR));
    memcpy(c->currency, "USD", 4);
    c->body_limit = 1 << 20;
    c->file_limit = (int64_t)512 << 20;
    c->file_quota = (int64_t)10 << 30;
    c->session_seconds = 30 * 86400;
    c->login_max_per_email = 5;
    c->login_max_per_addr = 20;
    c->login_window = 15 * 60;
    c->offline_grace = 5 * 60;
    c->lease_seconds = 30;
    c->outbox_max_pending = 1000;
    c->notify_tests_per_minute = 5;
    c->secure_cookies = -1; /* unset: from FARM_PUBLIC_URL, below */
    c->outbound_private_webhooks = 1;
    memcpy(c->etsy.api, "https://api.etsy.com", 21);
    memcpy(c->etsy.connect, "https://www.etsy.com/oauth/connect", 35);
    c->etsy.poll = 300;

    v = getenv("DATA_DIR");
    if (v != NULL && *v != '\0' &&
        set_str(c->data_dir, sizeof(c->data_dir), "DATA_DIR", v, e) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/farm.conf", c->data_dir);
    if (conf_read_file(c, path, e) < 0)
        return -1;
    for (const struct conf_key *k = conf_keys; k->name != NULL; k++) {
        v = getenv(k->name);
        if (v != NULL && *v != '\0' && conf_set(c, k->name, v, e) < 0)
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
    {
        struct outbound_net nets[OUTBOUND_ALLOW_MAX];
        char bad[160];

        if (outbound_parse_nets(c->trusted_proxies, nets, OUTBOUND_ALLOW_MAX,
                                bad, sizeof bad) < 0)
            return err_set(e, ERR_VALIDATION,
                           "config FARM_TRUSTED_PROXIES: %s", bad);
    }
    /* a site served over HTTPS sends its cookies only over HTTPS */
    if (c->secure_cookies < 0)
        c->secure_cookies = strncmp(c->etsy.public_url, "https://", 8) == 0;
    if (outbound_configure(c->outbound_allow, c->outbound_private_webhooks,
                           why, sizeof(why)) < 0)
        return err_set(e, ERR_VALIDATION, "config FARM_OUTBOUND_ALLOW: %s",
                       why);
    if (c->db_url[0] == '\0')
        snprintf(c->db_url, sizeof(c->db_url), "sqlite:%s/farm.db",
                 c->data_dir);
    snprintf(c->files_dir, sizeof(c->files_dir), "%s/files", c->data_dir);
    snprintf(c->secret_key, sizeof(c->secret_key), "%s/secret.key",
             c->data_dir);
    return 0;
}
