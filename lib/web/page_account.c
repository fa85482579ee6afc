/*
 * The account page (/account): change the password (the current one, the
 * new one twice; the rules of user_create), API tokens (create with a name
 * and show the token once, list, revoke with confirmation) and "sign out
 * everywhere", which ends every browser session of the user, this one
 * too, and leaves API tokens alone: scripts keep working, and a token is
 * revoked on its own. The Etsy shops section is page_etsy.c's.
 */
#include "web/api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "base/conf.h"
#include "domain/setting.h"
#include "domain/token.h"
#include "domain/user.h"
#include "store/db.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

/* The page with status; c->err's fields beside the form they belong to
 * (which: "PASSWORD" or "TOKEN"), f the failed post, token the one just
 * created (shown once). */
static int
account_render(struct req *r, int status, const char *which,
               const struct page_form *f, const char *token)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d = page_start(r, "Account", "ACCOUNT");
    struct token_info *ts;
    struct token_in none = {NULL};
    struct settings set;
    struct tmpl_dict *costs;
    int costs_post = which != NULL && strcmp(which, "COSTS") == 0;
    int n;

    if (d == NULL || token_list(c, &ts, &n) < 0 ||
        page_etsy_section(r, d) < 0)
        return -1;
    /* the settings form: its own section, so its keys meet no other form's */
    costs = tmpl_section_add(d, "COSTS");
    tmpl_set(costs, "CURRENCY", c->conf->currency);
    if (costs_post) {
        memset(&set, 0, sizeof(set));
        page_form_fill(r, costs, setting_fields, &set, f);
    } else {
        struct err keep = c->err; /* another form's errors stay there */

        err_clear(&c->err);
        if (setting_get(c, &set) < 0)
            return -1;
        page_form_fill(r, costs, setting_fields, &set, NULL);
        c->err = keep;
    }
    tmpl_set_int(d, "PASSWORD_MIN", USER_PASSWORD_MIN);
    tmpl_set_int(d, "PASSWORD_MAX", USER_PASSWORD_MAX);
    if (which != NULL && strcmp(which, "PASSWORD") == 0)
        for (int i = 0; i < c->err.nfields; i++) {
            char key[64];

            snprintf(key, sizeof key, "%s_error", c->err.fields[i].name);
            tmpl_set(tmpl_section_add(d, key), "msg", c->err.fields[i].msg);
        }
    else
        page_form_fill(r, d, token_fields, &none,
                       which != NULL && !costs_post ? f : NULL);
    if (token != NULL)
        tmpl_set(tmpl_section_add(d, "NEW_TOKEN"), "TOKEN", token);
    if (n == 0)
        tmpl_show(d, "NO_TOKENS");
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(d, "TOKEN_ROW");

        tmpl_set_int(row, "ID", (int)ts[i].id);
        tmpl_set(row, "NAME", ts[i].name);
        pagefmt_time(c->arena, row, "CREATED", ts[i].created_at);
        pagefmt_time(c->arena, row, "EXPIRES", ts[i].expires_at);
    }
    return page_render(r, status, "account.tpl", d);
}

int
page_account(struct req *r)
{
    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    return page_finish(r, account_render(r, 200, NULL, NULL, NULL));
}

int
page_account_password(struct req *r)
{
    struct ctx *c = r->c;
    struct page_form f;
    const char *fresh, *again;

    if (page_session_form(r, &f) < 0)
        return page_finish(r, -1);
    fresh = page_form_str(&f, "password");
    again = page_form_str(&f, "password2");
    if (strcmp(fresh, again) != 0)
        err_field(&c->err, "password2", "does not match the new password");
    /* both checks run, so every mistake shows at once */
    if (user_password_change(c, page_form_str(&f, "current_password"),
                             fresh) == 0 &&
        !err_is_set(&c->err))
        return page_redirect_notice(r, "/account", "Password changed");
    if (c->err.kind != ERR_VALIDATION)
        return page_finish(r, -1);
    return page_finish(r, account_render(r, 422, "PASSWORD", &f, NULL));
}

int
page_account_costs(struct req *r)
{
    struct ctx *c = r->c;
    struct settings set;
    struct page_form f;
    struct bound b;

    if (page_session_form(r, &f) < 0 || setting_get(c, &set) < 0)
        return page_finish(r, -1);
    if (page_form_bind(r, &f, setting_fields, &set, &b, 1) < 0 ||
        setting_put(c, &set) < 0)
        return page_finish(r, c->err.kind == ERR_VALIDATION
                                  ? account_render(r, 422, "COSTS", &f, NULL)
                                  : -1);
    return page_redirect_notice(r, "/account", "Cost settings saved");
}

int
page_account_token_create(struct req *r)
{
    struct ctx *c = r->c;
    struct token_in in = {NULL};
    struct page_form f;
    struct bound b;
    char *token;

    if (page_session_form(r, &f) < 0)
        return page_finish(r, -1);
    if (page_form_bind(r, &f, token_fields, &in, &b, 0) < 0 ||
        (token = token_create(c, &in)) == NULL)
        return page_finish(r, c->err.kind == ERR_VALIDATION
                                  ? account_render(r, 422, "TOKEN", &f, NULL)
                                  : -1);
    /* no redirect: the token is shown on this answer only, never stored
     * where a later page could show it again */
    return page_finish(r, account_render(r, 200, NULL, NULL, token));
}

int
page_account_token_revoke(struct req *r)
{
    struct page_form f;

    if (page_session_form(r, &f) < 0 ||
        token_revoke_id(r->c, http_param_id(r, 0)) < 0)
        return page_finish(r, -1);
    return page_redirect_notice(r, "/account", "Token revoked");
}

int
page_account_sign_out_all(struct req *r)
{
    struct page_form f;

    if (page_session_form(r, &f) < 0 || session_revoke_all(r->c) < 0)
        return page_finish(r, -1);
    auth_set_cookie(r, "", 0);
    return page_redirect(r, "/login");
}
