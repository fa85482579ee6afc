/*
 * dispatch_ams — step 6: the AMS trays a printer reports, written into its
 * materials rows (lib/material.c material_sync), with a material_changed
 * event when a slot's type, colour or presence changed. Only the AMS units
 * the report names are synced, so a report without AMS data never empties
 * the slots.
 */
#include "dispatch/dispatch_int.h"

#include <stdio.h>

#include "base/ctx.h"
#include "store/db.h"
#include "domain/material.h"

#include "base/banned.h"

int
dispatch_sync_trays(struct ctx *c, struct dprinter *p,
                    const struct bambu_report *r)
{
    for (int slot = 0; slot < BAMBU_SLOTS; slot++) {
        const struct bambu_tray *t = &r->trays[slot];
        struct material_seen s = {0};
        char detail[96];
        int changed = 0;

        if (!(r->ams_units & (1u << (slot / 4))))
            continue;
        s.present = t->present;
        s.material_type = t->type;
        s.color = t->color[0] ? t->color : NULL;
        s.remaining_percent = t->remain >= 0 ? t->remain : DB_NULL;
        s.weight_grams = t->weight_grams > 0 ? t->weight_grams : DB_NULL;
        s.tray_uuid = t->tray_uuid;
        if (material_sync(c, p->id, slot, &s, &changed) < 0)
            return -1;
        if (!changed)
            continue;
        if (t->present)
            snprintf(detail, sizeof detail, "slot %d: %s %s loaded", slot,
                     t->type, t->color[0] ? t->color : "");
        else
            snprintf(detail, sizeof detail, "slot %d: empty", slot);
        dispatch_event(c, p, "material_changed", detail);
        if (err_is_set(&c->err))
            return -1;
    }
    return 0;
}
