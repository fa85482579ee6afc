/*
 * page — what every HTML page handler shares: the security headers, reading
 * an application/x-www-form-urlencoded body, the double-submit CSRF cookie
 * of the signed-out forms, rendering a template inside the layout, and the
 * HTML error page.
 *
 * Invariants:
 * - Every page response (rendered, redirect or error) carries the security
 *   headers exactly once: page_render(), page_redirect() and page_error()
 *   add them, nothing else does.
 * - Values reach the HTML only through a struct tmpl_dict and the
 *   templates' AUTOESCAPE pragma; nothing here escapes by hand.
 * - A page handler never fails back into the router (which would answer
 *   JSON): it ends with page_finish(), which turns a failure into an HTML
 *   error page with the status of c->err and rolls back an open
 *   transaction.
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

struct req;
struct tmpl_dict;

#define PAGE_FORM_MAX 16384 /* form bodies, bytes */
#define PAGE_CSRF_COOKIE "farm_csrf"
#define PAGE_CSRF_FIELD "csrf"

/* A decoded form body: n key/value pairs in the arena, in body order. */
struct page_form {
    int n;
    const char **keys, **vals;
};

/* Reads and decodes the request body as a form ('+' is a space, %XX
 * escapes; a NUL byte or a bad escape is refused). Fails with 415 for
 * another content type, 413 past PAGE_FORM_MAX bytes and 400 for a
 * malformed or cut-short body; -1 then, with f emptied. An empty body is an
 * empty form. */
int page_form_read(struct req *r, struct page_form *f);

/* The first value of key in f (arena, borrowed), or NULL when absent. */
const char *page_form_get(const struct page_form *f, const char *key);

/* The first value of key, or "" when absent. */
const char *page_form_str(const struct page_form *f, const char *key);

/* The double-submit token of the signed-out forms: the request's own
 * farm_csrf cookie when it holds a well-formed token, else a new one; in
 * both cases the cookie is (re)set on the response. The result is in the
 * arena. */
const char *page_csrf_issue(struct req *r);

/* 0 when the form's csrf field matches the farm_csrf cookie, else -1 with
 * 403 in c->err. */
int page_csrf_check(struct req *r, const struct page_form *f);

/* A new empty dictionary, freed when the request's arena is reset (so an
 * early return cannot leak it). Never NULL: out of memory aborts. */
struct tmpl_dict *page_dict(struct req *r);

/* The dictionary of a signed-in page: TITLE, the user's email for the
 * header, and NAV_<nav> (e.g. "QUEUE"; NULL: none) marking the current
 * entry of the navigation. NULL with c->err set when the user cannot be
 * read. The caller has checked c->user_id. */
struct tmpl_dict *page_start(struct req *r, const char *title,
                             const char *nav);

/* For a GET page that shows only the signed-in user's data: answers it
 * from the worker's page cache (web/pagecache.h) when nothing was written
 * since it was rendered for this session, and returns 1 (the response is
 * complete); else returns 0 and page_render keeps what it renders. A page
 * with a notice to show is never cached. */
int page_from_cache(struct req *r);

/* The start of every signed-in form post: reads the form into f and
 * checks its csrf field against the session's token (the layout's
 * CSRF_TOKEN, which every signed-in form carries as a hidden "csrf"
 * input). 0, or -1 with 403 (or the form's 400/413/415) in c->err. */
int page_session_form(struct req *r, struct page_form *f);

/* Renders layout_head.tpl, then name, then layout_foot.tpl with d into the
 * response as text/html with status, adding the security headers. When the
 * request has a cookie session, the layout gets its CSRF token (the
 * SESSION section: <meta name="csrf-token"> and the sign-out form). 0, or
 * -1 with a 500 in c->err and the response untouched. */
int page_render(struct req *r, int status, const char *name,
                struct tmpl_dict *d);

/* A 303 See Other to location (a path from code), with the security
 * headers. Returns 0. */
int page_redirect(struct req *r, const char *location);

/* page_redirect, with a one-line notice ("Printer X1C-01 added") that
 * the next page rendered for this browser shows once (a short-lived
 * cookie; cut to 200 bytes). Returns 0. */
int page_redirect_notice(struct req *r, const char *location,
                         const char *notice);

/* Answers c->err (an internal error when none is set) as a small HTML
 * error page with its status, after rolling back an open transaction and
 * dropping any half-built body. Returns 0: the response is complete. */
int page_error(struct req *r);

/* What a page handler returns: rc when it is 0, else page_error(r). */
int page_finish(struct req *r, int rc);

#endif
