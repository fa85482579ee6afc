#include "domain/setting.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
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
