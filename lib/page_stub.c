/* STUB: replaced by the real handlers. */
#include "api.h"

#include "ctx.h"
#include "http.h"

int
page_home(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
page_login(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
page_login_post(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
page_logout(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
page_setup(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
page_setup_post(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
page_printers(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}
