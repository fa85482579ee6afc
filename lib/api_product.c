/* STUB: replaced by the real handlers. */
#include "api.h"

#include "ctx.h"
#include "http.h"

int
api_product_list(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_product_create(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_product_get(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_product_update(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_product_delete(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}
