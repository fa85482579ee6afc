/* STUB: replaced by the real handlers. */
#include "api.h"

#include "ctx.h"
#include "http.h"

int
api_material_list(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_material_create(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_material_update(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_material_delete(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}
