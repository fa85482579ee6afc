/* /api/settings: the user's settings (for now the energy price). */
#include "web/api.h"

#include <json-c/json.h>

#include "base/bind.h"
#include "base/ctx.h"
#include "base/jsonio.h"
#include "domain/setting.h"
#include "web/http.h"

#include "base/banned.h"

static int
answer(struct req *r)
{
    struct json_object *o;
    struct settings s;

    if (setting_get(r->c, &s) < 0)
        return -1;
    o = json_object_new_object();
    jsonio_add_money(o, "energy_price_per_kwh", s.energy_price_per_kwh);
    return http_json_put(r, 200, o);
}

int
api_settings_get(struct req *r)
{
    return answer(r);
}

int
api_settings_put(struct req *r)
{
    struct json_object *body;
    struct settings s;
    struct bound b;

    if (setting_get(r->c, &s) < 0 || (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, setting_fields, &s, &b, 1) < 0 ||
        setting_put(r->c, &s) < 0)
        return -1;
    return answer(r);
}
