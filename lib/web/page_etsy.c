/*
 * The "Etsy shops" section of /account: the user's shops with a status
 * word (never colour alone), the last sync and the last error; a link that
 * starts the connect round trip (GET /etsy/connect, api_etsy.c); per shop
 * "Sync now" and "Disconnect" (behind a confirm step), which are the
 * domain operations of POST /api/etsy/shops/<id>/sync and DELETE.
 */
#include "web/api.h"

#include <string.h>

#include "base/ctx.h"
#include "base/conf.h"
#include "domain/etsy_shop.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

/* The API's status word (a connected shop that is switched off reads
 * "disabled", as in api_etsy.c) and how it shows. */
static const struct {
    const char *status, *symbol, *word, *tone;
} shop_badges[] = {
    {"connected", "\xE2\x9C\x93", "Connected", "ok"},
    {"pending", "\xE2\x80\xA6", "Pending", "busy"},
    {"reconnect_needed", "!", "Reconnect needed", "warn"},
    {"disabled", "\xE2\x80\x93", "Disabled", "muted"},
};

int
page_etsy_section(struct req *r, struct tmpl_dict *d)
{
    struct ctx *c = r->c;
    struct etsy_shop *s;
    int n;

    if (etsy_shop_list(c, &s, &n) < 0)
        return -1;
    tmpl_show(d, c->conf->etsy.keystring[0] ? "ETSY_ON" : "ETSY_OFF");
    if (n == 0)
        tmpl_show(d, "NO_SHOPS");
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(d, "SHOP_ROW");
        const char *st = s[i].status;
        size_t b;

        if (!s[i].enabled && strcmp(st, "connected") == 0)
            st = "disabled";
        for (b = 0; b < sizeof shop_badges / sizeof shop_badges[0] - 1; b++)
            if (strcmp(shop_badges[b].status, st) == 0)
                break;
        tmpl_set_int(row, "ID", (int)s[i].id);
        tmpl_set(row, "NAME", s[i].shop_name ? s[i].shop_name
                                              : "New shop (waiting for Etsy)");
        tmpl_set(row, "STATUS", st);
        tmpl_set(row, "SYMBOL", shop_badges[b].symbol);
        tmpl_set(row, "WORD", shop_badges[b].word);
        tmpl_set(row, "TONE", shop_badges[b].tone);
        tmpl_set_int(row, "IMPORTED", (long long)s[i].imported_orders);
        pagefmt_time(c->arena, row, "SYNCED", s[i].last_sync_at);
        if (s[i].last_error != NULL)
            tmpl_set(tmpl_section_add(row, "LAST_ERROR"), "TEXT",
                     s[i].last_error);
        if (strcmp(s[i].status, "connected") == 0)
            tmpl_show(row, "CAN_SYNC");
        else if (strcmp(s[i].status, "reconnect_needed") == 0)
            tmpl_show(row, "RECONNECT");
    }
    return 0;
}

int
page_etsy_sync(struct req *r)
{
    struct page_form f;

    if (page_session_form(r, &f) < 0 ||
        etsy_shop_request_sync(r->c, http_param_id(r, 0)) < 0)
        return page_finish(r, -1);
    return page_redirect_notice(r, "/account#etsy",
                                "Sync requested: the next dispatcher run "
                                "imports the shop's orders");
}

int
page_etsy_disconnect(struct req *r)
{
    struct page_form f;

    if (page_session_form(r, &f) < 0 ||
        etsy_shop_delete(r->c, http_param_id(r, 0)) < 0)
        return page_finish(r, -1);
    return page_redirect_notice(r, "/account#etsy",
                                "Etsy shop disconnected; its orders stay");
}
