/*
 * auth — who is asking. API requests carry `Authorization: Bearer <token>`
 * or the dashboard's session cookie, in which case every non-GET request
 * must also carry the session's X-CSRF-Token. Pages take the cookie when
 * there is one. Sets c->user_id; never reveals why a credential failed.
 */
#ifndef AUTH_H
#define AUTH_H

struct req;

enum route_auth {
    R_PUBLIC, /* no credentials needed */
    R_API,    /* bearer token, or cookie session + X-CSRF-Token */
    R_PAGE,   /* HTML; the cookie session is optional */
};

#define AUTH_COOKIE "farm_session"

/* 0 when the request may proceed (c->user_id set, or 0 for public/page
 * routes without a session), else -1 with 401 or 403 in c->err. */
int auth_request(struct req *r, enum route_auth mode);

/* The value of cookie name from the Cookie header (arena copy) or NULL.
 * name is the plain name ("farm_session"): on a site with secure cookies
 * (FARM_SECURE_COOKIES, on when FARM_PUBLIC_URL is https) the cookie is
 * read under its "__Host-" name, which only a secure, host-only, Path=/
 * cookie can carry. */
const char *auth_cookie(struct req *r, const char *name);

/* The one place a Set-Cookie is written: name=value; Path=/; Max-Age
 * (max_age < 0: a browser-session cookie); HttpOnly; SameSite=Lax; and on
 * a secure site Secure with the "__Host-" name. value must be cookie-safe
 * (the caller encodes it). */
void auth_cookie_set(struct req *r, const char *name, const char *value,
                     long long max_age);

/* The bearer token of the request, or NULL. */
const char *auth_bearer(struct req *r);

/* Sets the session cookie (HttpOnly; SameSite=Lax; Path=/); an empty value
 * with max_age 0 clears it. */
void auth_set_cookie(struct req *r, const char *value, long long max_age);

#endif
