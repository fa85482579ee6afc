#include "web/api_render.h"

#include "domain/job.h"
#include "base/jsonw.h"

#include "base/banned.h"

void
render_print(struct jsonw *w, const struct job *j, const char *currency,
             int64_t position)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", j->id);
    jsonw_kint(w, "printer_id", j->printer_id);
    jsonw_kstr(w, "name", j->name);
    jsonw_kstr(w, "file", j->file);
    jsonw_kint(w, "plate", j->plate);
    jsonw_kstr(w, "status", j->status);
    jsonw_kint(w, "priority", j->priority);
    jsonw_ktime(w, "scheduled_at", j->scheduled_at);
    jsonw_kint(w, "estimated_minutes", j->estimated_minutes);
    jsonw_kint(w, "chain_after_id", j->chain_after_id);
    jsonw_kint(w, "chain_offset_minutes", j->chain_offset_minutes);
    jsonw_kint(w, "order_id", j->order_id);
    jsonw_kint(w, "order_item_id", j->order_item_id);
    jsonw_kint(w, "nozzle_temp", j->nozzle_temp);
    jsonw_kint(w, "bed_temp", j->bed_temp);
    jsonw_kint(w, "speed_level", j->speed_level);
    jsonw_kint(w, "material_slot", j->material_slot);
    jsonw_kstr(w, "material_type", j->material_type);
    jsonw_kstr(w, "color", j->color);
    jsonw_kint(w, "grams", j->grams);
    jsonw_kmoney(w, "material_cost", j->material_cost);
    jsonw_kmoney(w, "energy_cost", j->energy_cost);
    jsonw_kmoney(w, "machine_cost", j->machine_cost);
    jsonw_kmoney(w, "total_cost", j->total_cost);
    jsonw_kstr(w, "currency", currency);
    jsonw_ktime(w, "started_at", j->started_at);
    jsonw_ktime(w, "completed_at", j->completed_at);
    jsonw_kstr(w, "failure_reason", j->failure_reason);
    jsonw_kint(w, "progress_percent", j->progress_percent);
    jsonw_ktime(w, "created_at", j->created_at);
    jsonw_ktime(w, "updated_at", j->updated_at);
    if (position > 0)
        jsonw_kint(w, "position", position);
    jsonw_obj_end(w);
}
