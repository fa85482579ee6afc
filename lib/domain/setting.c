#include "domain/setting.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/secret.h"
#include "store/db.h"

#include "base/banned.h"

#define IN struct settings
const struct field setting_fields[] = {
    {"energy_price_per_kwh", F_MONEY, offsetof(IN, energy_price_per_kwh), 0,
     0, SETTING_ENERGY_PRICE_MAX, 0},
    {0},
};
#undef IN

static const char *
energy_key(struct ctx *c)
{
    return arena_printf(c->arena, "energy_price_per_kwh:%lld",
                        (long long)c->user_id);
}

int
setting_get(struct ctx *c, struct settings *s)
{
    int64_t v = 0;
    int rc = db_get_int(c->db, &v,
                        "SELECT CAST(value AS INTEGER) FROM settings "
                        "WHERE key = ?",
                        "t", energy_key(c));

    memset(s, 0, sizeof(*s));
    if (rc == DB_ERROR)
        return err_internal(&c->err, "setting: select failed");
    s->energy_price_per_kwh = rc == DB_ROW && v != DB_NULL ? v : 0;
    return 0;
}

int
setting_put(struct ctx *c, struct settings *s)
{
    char v[24];

    if (bind_check(c, setting_fields, s) < 0)
        return -1;
    snprintf(v, sizeof(v), "%lld", (long long)s->energy_price_per_kwh);
    if (db_exec(c->db,
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                "tt", energy_key(c), v) != DB_DONE)
        return err_internal(&c->err, "setting: update failed");
    return 0;
}

#define SETUP_KEY "setup_code"

int
setting_setup_code_new(struct ctx *c, char out[SETTING_SETUP_CODE_LEN + 1])
{
    char token[SECRET_TOKEN_LEN + 1], hash[SECRET_HASH_LEN + 1];

    secret_token(token);
    memcpy(out, token, SETTING_SETUP_CODE_LEN);
    out[SETTING_SETUP_CODE_LEN] = '\0';
    secret_token_hash(out, hash);
    if (db_exec(c->db,
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                "tt", SETUP_KEY,
                arena_printf(c->arena, "%s:%lld", hash,
                             (long long)(c->now + SETTING_SETUP_CODE_S))) !=
        DB_DONE)
        return err_internal(&c->err, "setting: setup code not stored");
    return 0;
}

int
setting_setup_code_take(struct ctx *c, const char *code)
{
    char hash[SECRET_HASH_LEN + 1];
    struct db_stmt *st;
    const char *v, *colon;
    int rc, ok = 0;

    if (code == NULL || strlen(code) != SETTING_SETUP_CODE_LEN)
        return 0;
    st = db_query(c->db, "SELECT value FROM settings WHERE key = ?", "t",
                  SETUP_KEY);
    if (st == NULL)
        return err_internal(&c->err, "setting: setup code not read");
    rc = db_step(st);
    if (rc == DB_ROW) {
        v = db_text(st, 0);
        colon = v ? strchr(v, ':') : NULL;
        secret_token_hash(code, hash);
        ok = colon != NULL && (size_t)(colon - v) == strlen(hash) &&
             secret_equal(arena_strndup(c->arena, v, (size_t)(colon - v)),
                          hash) &&
             strtoll(colon + 1, NULL, 10) > c->now;
        db_done(st);
    } else if (rc != DB_DONE) {
        return err_internal(&c->err, "setting: setup code not read");
    }
    if (!ok)
        return 0;
    if (db_exec(c->db, "DELETE FROM settings WHERE key = ?", "t",
                SETUP_KEY) != DB_DONE)
        return err_internal(&c->err, "setting: setup code not deleted");
    return 1;
}
