/*
 * dispatch_rules — the dispatcher's pure decisions (see dispatch.h): when a
 * printer may start, which print, which printer gets an unassigned print,
 * and what a report means for our started print. No I/O.
 */
#include "dispatch/dispatch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/null.h"

#include "base/banned.h"

int
dispatch_pushall_interval(const char *model)
{
    if (model == NULL)
        return 10;
    if (strcmp(model, "P1P") == 0)
        return 300;
    if (strcmp(model, "P1S") == 0 || strcmp(model, "A1") == 0 ||
        strcmp(model, "A1M") == 0)
        return 60;
    return 10;
}

int
dispatch_can_start(const struct dispatch_printer *p)
{
    return p->online && !p->blocked && !p->has_started &&
           bambu_gcode_state_can_start(p->gcode_state);
}

int
dispatch_job_due(const struct dispatch_job *j, int64_t now)
{
    return j->scheduled_at == DB_NULL || j->scheduled_at <= now;
}

static int
enough(const struct dispatch_slot *s, int64_t grams)
{
    if (!s->present)
        return 0;
    if (grams == DB_NULL || grams <= 0 || s->remaining_grams == DB_NULL)
        return 1;
    return s->remaining_grams >= grams;
}

static int
matches(const struct dispatch_slot *s, const struct dispatch_job *j)
{
    if (strcasecmp(s->type, j->material_type) != 0)
        return 0;
    return j->color == NULL || j->color[0] == '\0' ||
           strcasecmp(s->color, j->color) == 0;
}

int
dispatch_pick_slot(const struct dispatch_printer *p,
                   const struct dispatch_job *j)
{
    if (j->material_slot != DB_NULL) {
        if (j->material_slot < 0 || j->material_slot >= BAMBU_SLOTS)
            return DISPATCH_SLOT_LACKING;
        return enough(&p->slots[j->material_slot], j->grams)
                   ? (int)j->material_slot
                   : DISPATCH_SLOT_LACKING;
    }
    if (j->material_type == NULL || j->material_type[0] == '\0')
        return DISPATCH_SLOT_NONE;
    for (int i = 0; i < BAMBU_SLOTS; i++)
        if (enough(&p->slots[i], j->grams) && matches(&p->slots[i], j))
            return i;
    return DISPATCH_SLOT_LACKING;
}

int
dispatch_pick_head(const struct dispatch_job *queue, int n, int64_t now)
{
    if (n <= 0)
        return -1;
    return dispatch_job_due(&queue[0], now) ? 0 : -1;
}

/* 1 when printer a should get the print before printer b. */
static int
better(const struct dispatch_printer *a, const struct dispatch_printer *b)
{
    int ia = dispatch_can_start(a), ib = dispatch_can_start(b);

    if (ia != ib)
        return ia > ib;
    if (a->queued != b->queued)
        return a->queued < b->queued;
    return a->id < b->id;
}

int
dispatch_pick_printer(const struct dispatch_job *j,
                      const struct dispatch_printer *printers, int n)
{
    int best = -1;

    for (int i = 0; i < n; i++) {
        const struct dispatch_printer *p = &printers[i];

        if (p->user_id != j->user_id || !p->online || p->blocked)
            continue;
        if (dispatch_pick_slot(p, j) == DISPATCH_SLOT_LACKING)
            continue;
        if (best < 0 || better(p, &printers[best]))
            best = i;
    }
    return best;
}

int
dispatch_is_ours(const struct dispatch_started *p,
                 const struct dispatch_seen *s)
{
    char id[24];

    if (s->task_id != NULL && s->task_id[0] != '\0' &&
        strcmp(s->task_id, "0") != 0) {
        snprintf(id, sizeof id, "%" PRId64, p->id);
        return strcmp(s->task_id, id) == 0;
    }
    return s->subtask_name != NULL && p->name != NULL &&
           s->subtask_name[0] != '\0' && strcmp(s->subtask_name, p->name) == 0;
}

enum dispatch_outcome
dispatch_reconcile(const struct dispatch_started *p,
                   const struct dispatch_seen *s, int64_t now)
{
    int ours, waited;

    if (!s->online || s->gcode_state == BAMBU_GS_UNKNOWN)
        return DISPATCH_KEEP;
    ours = dispatch_is_ours(p, s);
    waited =
        p->started_at == DB_NULL || now - p->started_at >= DISPATCH_CONFIRM_S;
    if (ours) {
        switch (s->gcode_state) {
        case BAMBU_GS_FINISH:
            return DISPATCH_COMPLETED;
        case BAMBU_GS_FAILED:
            return s->cancelled ? DISPATCH_CANCELLED : DISPATCH_FAILED;
        case BAMBU_GS_PREPARE:
        case BAMBU_GS_SLICING:
        case BAMBU_GS_RUNNING:
        case BAMBU_GS_PAUSE:
            return p->confirmed ? DISPATCH_RUNNING : DISPATCH_CONFIRMED;
        default:
            break; /* IDLE/INIT naming our task: wait and see */
        }
    }
    if (!bambu_gcode_state_can_start(s->gcode_state) || !waited)
        return DISPATCH_KEEP;
    /* idle (or ended) with another job or none, for long enough */
    return p->confirmed ? DISPATCH_LOST : DISPATCH_REQUEUE;
}

const char *
dispatch_outcome_name(enum dispatch_outcome o)
{
    static const char *const names[DISPATCH_OUTCOME__MAX] = {
        "keep",   "confirmed", "running", "completed",
        "failed", "cancelled", "requeue", "lost",
    };

    return o < DISPATCH_OUTCOME__MAX ? names[o] : "unknown";
}
