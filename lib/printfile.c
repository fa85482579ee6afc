#include "printfile.h"

#include <stdint.h>

#include "ctx.h"
#include "db.h"

#include "banned.h"

int
printfile_exists(struct ctx *c, const char *name)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one,
                        "SELECT 1 FROM print_files WHERE user_id = ? "
                        "AND name = ?",
                        "it", c->user_id, name);

    if (rc == DB_ERROR)
        return err_internal(&c->err, "printfile: select failed");
    return rc == DB_ROW;
}
