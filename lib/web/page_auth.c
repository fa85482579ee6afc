/*
 * The signed-out pages: the home redirect, sign-in, sign-out and the
 * first-account setup. The sign-in and setup forms carry a double-submit
 * CSRF token (page_csrf_issue/page_csrf_check); sign-out carries the
 * session's own CSRF token.
 */
#include "web/api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "web/auth.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "web/page.h"
#include "base/secret.h"
#include "web/tmpl.h"
#include "domain/setting.h"
#include "domain/token.h"
#include "domain/user.h"

#include "base/banned.h"

int
page_home(struct req *r)
{
    int none;

    if (r->c->user_id != 0)
        return page_redirect(r, "/");
    none = user_none_yet(r->c);
    if (none < 0)
        return page_error(r);
    return page_redirect(r, none ? "/setup" : "/login");
}

/* Starts a cookie session for id and sends the browser to the overview.
 * A session the request already had is revoked first. */
static int
sign_in(struct req *r, int64_t id)
{
    struct ctx *c = r->c;
    const char *old = auth_cookie(r, AUTH_COOKIE);
    char *token, *csrf;

    if (old != NULL && c->user_id != 0 && token_revoke(c, old) < 0)
        return -1;
    if (session_create(c, id, &token, &csrf) < 0)
        return -1;
    auth_set_cookie(r, token, c->conf->session_seconds);
    return page_redirect(r, "/");
}

/* The sign-in form with status, the email kept and an optional message. */
static int
login_form(struct req *r, int status, const char *csrf, const char *email,
           const char *message)
{
    struct tmpl_dict *d = page_dict(r);
    int none = user_none_yet(r->c);

    if (none < 0)
        return -1;
    tmpl_set(d, "TITLE", "Sign in");
    tmpl_set(d, "FORM_CSRF", csrf);
    tmpl_set(d, "EMAIL", email);
    if (message != NULL) {
        tmpl_set(d, "MESSAGE", message);
        tmpl_show(d, "ERROR");
    }
    if (none)
        tmpl_show(d, "SETUP_LINK");
    return page_render(r, status, "login.tpl", d);
}

int
page_login(struct req *r)
{
    if (r->c->user_id != 0)
        return page_redirect(r, "/");
    return page_finish(r, login_form(r, 200, page_csrf_issue(r), "", NULL));
}

static int
login_post(struct req *r)
{
    struct ctx *c = r->c;
    struct page_form f;
    const char *csrf, *email, *password;
    int64_t id, retry = 0;

    if (page_form_read(r, &f) < 0 || page_csrf_check(r, &f) < 0)
        return -1;
    csrf = page_form_get(&f, PAGE_CSRF_FIELD);
    email = page_form_str(&f, "email");
    password = page_form_str(&f, "password");
    if (*email == '\0' || *password == '\0')
        return login_form(r, 422, csrf, email,
                          "Enter your email and password.");
    id = user_login(c, email, password, r->remote_addr, &retry);
    if (id >= 0)
        return sign_in(r, id);
    if (c->err.kind == ERR_UNAUTHORIZED) {
        err_clear(&c->err);
        return login_form(r, 401, csrf, email, "Wrong email or password.");
    }
    if (c->err.kind == ERR_RATE_LIMITED) {
        char s[24], msg[128];
        long long min = (retry + 59) / 60;

        snprintf(s, sizeof(s), "%lld", (long long)retry);
        http_header(r, "Retry-After", s);
        snprintf(msg, sizeof(msg),
                 "Too many failed sign-ins. Try again in %lld minute%s.", min,
                 min == 1 ? "" : "s");
        err_clear(&c->err);
        return login_form(r, 429, csrf, email, msg);
    }
    return -1;
}

int
page_login_post(struct req *r)
{
    return page_finish(r, login_post(r));
}

static int
logout(struct req *r)
{
    struct ctx *c = r->c;
    const char *cookie = auth_cookie(r, AUTH_COOKIE), *sent;
    struct page_form f;

    if (page_form_read(r, &f) < 0)
        return -1;
    if (c->user_id == 0) {
        /* nothing to revoke: just drop a stale cookie */
        if (cookie != NULL)
            auth_set_cookie(r, "", 0);
        return page_redirect(r, "/login");
    }
    sent = page_form_get(&f, PAGE_CSRF_FIELD);
    if (sent == NULL || r->csrf == NULL || !secret_equal(sent, r->csrf))
        return err_set(&c->err, ERR_CSRF,
                       "This form has expired or did not come from this "
                       "site. Go back, reload the page and try again.");
    if (token_revoke(c, cookie) < 0)
        return -1;
    auth_set_cookie(r, "", 0);
    return page_redirect(r, "/login");
}

int
page_logout(struct req *r)
{
    return page_finish(r, logout(r));
}

/* What is wrong with the setup form, one message per field (NULL: fine). */
struct setup_errors {
    const char *general, *code, *email, *password, *password2;
};

static int
setup_form(struct req *r, int status, const char *csrf, const char *email,
           const struct setup_errors *e)
{
    struct tmpl_dict *d = page_dict(r);

    tmpl_set(d, "TITLE", "Create the first account");
    tmpl_set(d, "FORM_CSRF", csrf);
    tmpl_set(d, "EMAIL", email);
    tmpl_set_int(d, "PASSWORD_MIN", USER_PASSWORD_MIN);
    if (e != NULL && e->general != NULL) {
        tmpl_set(d, "MESSAGE", e->general);
        tmpl_show(d, "ERROR");
    }
    if (e != NULL && e->code != NULL) {
        tmpl_set(d, "CODE_MSG", e->code);
        tmpl_show(d, "CODE_ERROR");
    }
    if (e != NULL && e->email != NULL) {
        tmpl_set(d, "EMAIL_MSG", e->email);
        tmpl_show(d, "EMAIL_ERROR");
    }
    if (e != NULL && e->password != NULL) {
        tmpl_set(d, "PASSWORD_MSG", e->password);
        tmpl_show(d, "PASSWORD_ERROR");
    }
    if (e != NULL && e->password2 != NULL) {
        tmpl_set(d, "PASSWORD2_MSG", e->password2);
        tmpl_show(d, "PASSWORD2_ERROR");
    }
    return page_render(r, status, "setup.tpl", d);
}

static int
setup_get(struct req *r)
{
    int none = user_none_yet(r->c);

    if (none < 0)
        return -1;
    if (!none)
        return page_redirect(r, "/login");
    return setup_form(r, 200, page_csrf_issue(r), "", NULL);
}

int
page_setup(struct req *r)
{
    return page_finish(r, setup_get(r));
}

static int
setup_post(struct req *r)
{
    struct ctx *c = r->c;
    struct setup_errors e = {0};
    struct page_form f;
    const char *csrf, *code, *email, *password, *password2;
    int none = user_none_yet(c), taken;
    int64_t id;

    if (none < 0)
        return -1;
    if (!none)
        return page_redirect(r, "/login");
    if (page_form_read(r, &f) < 0 || page_csrf_check(r, &f) < 0)
        return -1;
    csrf = page_form_get(&f, PAGE_CSRF_FIELD);
    code = page_form_str(&f, "setup_code");
    email = page_form_str(&f, "email");
    password = page_form_str(&f, "password");
    password2 = page_form_str(&f, "password2");
    if (strlen(email) > 254 || !bind_valid_email(email))
        e.email = "Enter a valid email address.";
    if (strlen(password) < USER_PASSWORD_MIN)
        e.password = "Use at least 8 characters.";
    else if (strlen(password) > 1024)
        e.password = "Use at most 1024 characters.";
    if (strcmp(password, password2) != 0)
        e.password2 = "The two passwords do not match.";
    if (e.email || e.password || e.password2)
        return setup_form(r, 422, csrf, email, &e);

    /* BEGIN IMMEDIATE serialises two setups racing for the first account */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "setup: begin failed");
    none = user_none_yet(c);
    if (none <= 0) {
        db_rollback(c->db);
        return none < 0 ? -1 : page_redirect(r, "/login");
    }
    /* the one-time code from the console (make run, farmctl setup-code):
     * whoever reaches the page first still cannot claim the farm */
    taken = setting_setup_code_take(c, code);
    if (taken <= 0) {
        db_rollback(c->db);
        if (taken < 0)
            return -1;
        e.code = "The setup code is wrong or has expired. make run prints "
                 "one; farmctl setup-code makes a new one.";
        return setup_form(r, 403, csrf, email, &e);
    }
    id = user_create(c, email, password);
    if (id < 0) {
        int status = c->err.kind == ERR_CONFLICT ? 409 : 422;

        if (c->err.kind != ERR_VALIDATION && c->err.kind != ERR_CONFLICT)
            return -1;
        db_rollback(c->db);
        e.general = c->err.msg[0] ? arena_strdup(c->arena, c->err.msg)
                                  : "The account could not be created.";
        err_clear(&c->err);
        return setup_form(r, status, csrf, email, &e);
    }
    if (db_commit(c->db) < 0)
        return err_internal(&c->err, "setup: commit failed");
    return sign_in(r, id);
}

int
page_setup_post(struct req *r)
{
    return page_finish(r, setup_post(r));
}
