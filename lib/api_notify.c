/* STUB: replaced by the real handlers. */
#include "api.h"

#include "ctx.h"
#include "http.h"

int
api_notify_get(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}

int
api_notify_update(struct req *r)
{
    return err_set(&r->c->err, ERR_NOT_FOUND, "not implemented yet");
}
