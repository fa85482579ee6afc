/* STUB: replaced by the real handlers. */
#include "api.h"

#include "ctx.h"
#include "http.h"

int
api_file_list(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_file_get(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_file_put(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_file_delete(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}
