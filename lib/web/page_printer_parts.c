/*
 * The printer page's AMS slots: at a glance in the status card, and a
 * table to add, edit and remove a material. The forms bind through
 * material_fields, the API's own table. The queue and history are in
 * page_printer_queue.c.
 */
#include "web/api.h"
#include "web/page_printer.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "domain/material.h"
#include "domain/printer.h"
#include "store/db.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define AMS_TRAYS 4 /* slots of one AMS: drawn even when empty */

static void
material_row(struct req *r, struct tmpl_dict *list, const struct material *m,
             const struct pp_post *post)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *row = tmpl_section_add(list, "MATERIAL");

    tmpl_set_int(row, "MID", m->id);
    tmpl_set_int(row, "SLOT_NO", m->slot + 1);
    tmpl_set(row, "TYPE", m->material_type);
    tmpl_set(row, "SWATCH", m->color ? m->color : "#888888");
    tmpl_set(row, "COLOR_TEXT", m->color ? m->color : PAGEFMT_NONE);
    tmpl_set(row, "PCT", pagefmt_percent(a, m->remaining_percent));
    tmpl_set(row, "LEFT", pagefmt_grams(a, material_remaining_grams(m)));
    tmpl_set(row, "VENDOR_TEXT", m->vendor ? m->vendor : PAGEFMT_NONE);
    tmpl_set(row, "COST_TEXT",
             m->cost_per_kg == DB_NULL ? PAGEFMT_NONE
                                       : pagefmt_money(a, m->cost_per_kg));
    tmpl_set(row, "SOURCE", m->source);
    pp_fill(r, tmpl_section_add(row, "FORM"), material_fields, m, post,
            "material", m->id);
    pp_fill(r, tmpl_section_add(row, "REMOVE"), pp_no_fields, NULL, post,
            "material_delete", m->id);
    /* a failed edit stays open, so its errors are seen */
    if (post != NULL && post->item == m->id &&
        strcmp(post->form, "material") == 0)
        tmpl_show(row, "OPEN");
}

/* The AMS at a glance in the status card, as the overview draws it:
 * each loaded slot as a swatch, the empty ones of the first AMS as
 * outlines. */
static void
swatches(struct req *r, struct tmpl_dict *d, const struct material *list, int n)
{
    int filled[MATERIAL_SLOTS] = {0};

    for (int i = 0; i < n; i++) {
        struct tmpl_dict *s = tmpl_section_add(d, "SWATCH");

        if (list[i].slot >= 0 && list[i].slot < MATERIAL_SLOTS)
            filled[list[i].slot] = 1;
        tmpl_set_int(s, "SLOT_NO", list[i].slot + 1);
        tmpl_set(s, "COLOR", list[i].color ? list[i].color : "#888888");
        tmpl_set(s, "TYPE", list[i].material_type);
        tmpl_set(s, "PCT",
                 pagefmt_percent(r->c->arena, list[i].remaining_percent));
    }
    for (int slot = 0; slot < AMS_TRAYS; slot++)
        if (!filled[slot])
            tmpl_set_int(tmpl_section_add(d, "SWATCH_EMPTY"), "SLOT_NO",
                         slot + 1);
}

static int
materials(struct req *r, struct tmpl_dict *d, const struct printer *p,
          const struct pp_post *post)
{
    struct material *list, fresh;
    int n;

    if (material_list(r->c, p->id, MATERIAL_SLOTS, 0, &list, &n) < 0)
        return -1;
    swatches(r, d, list, n);
    if (n == 0)
        tmpl_show(d, "NO_MATERIALS");
    else {
        struct tmpl_dict *t = tmpl_section_add(d, "MATERIALS");

        for (int i = 0; i < n; i++)
            material_row(r, t, &list[i], post);
    }
    material_init(&fresh);
    fresh.slot = DB_NULL; /* the user picks it */
    pp_fill(r, tmpl_section_add(d, "ADD_MATERIAL"), material_fields, &fresh,
            post, "material_add", 0);
    return 0;
}

int
pp_parts(struct req *r, struct tmpl_dict *d, const struct printer *p,
         const struct pp_post *post)
{
    return materials(r, d, p, post) < 0 || pp_queue(r, d, p, post) < 0 ? -1 : 0;
}

/* ---- the posts ------------------------------------------------------- */

/* Loads material mid of printer id: another printer's is not found. */
static int
material_of(struct req *r, int64_t id, int64_t mid, struct material *m)
{
    if (material_get(r->c, mid, m) < 0)
        return -1;
    if (m->printer_id != id)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such material");
    return 0;
}

static int
material_add(struct req *r, int64_t id, const struct page_form *f)
{
    struct material m;
    struct bound b;

    material_init(&m);
    m.printer_id = id;
    if (printer_owned(r->c, id) == 0)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such printer");
    if (page_form_bind(r, f, material_fields, &m, &b, 0) < 0 ||
        material_create(r->c, &m) < 0)
        return -1;
    return page_redirect_notice(
        r, pp_path(r, id, "materials"),
        arena_printf(r->c->arena, "%s added to slot %lld", m.material_type,
                     (long long)m.slot + 1));
}

static int
material_edit(struct req *r, int64_t id, int64_t mid, const struct page_form *f)
{
    struct material m;
    struct bound b;

    if (material_of(r, id, mid, &m) < 0 ||
        page_form_bind(r, f, material_fields, &m, &b, 0) < 0 ||
        material_update(r->c, &m) < 0)
        return -1;
    return page_redirect_notice(
        r, pp_path(r, id, "materials"),
        arena_printf(r->c->arena, "Slot %lld saved", (long long)m.slot + 1));
}

static int
material_remove(struct req *r, int64_t id, int64_t mid)
{
    struct material m;

    if (material_of(r, id, mid, &m) < 0 || material_delete(r->c, mid) < 0)
        return -1;
    return page_redirect_notice(
        r, pp_path(r, id, "materials"),
        arena_printf(r->c->arena, "Slot %lld emptied", (long long)m.slot + 1));
}

/* The shape of every post here: the signed-in form, then the action. */
#define POST(form, item, call)                                                 \
    struct page_form f;                                                        \
    int64_t id = http_param_id(r, 0);                                          \
    if (page_session_form(r, &f) < 0)                                          \
        return page_error(r);                                                  \
    return pp_after(r, id, (call), form, item, &f)

int
page_printer_material_add(struct req *r)
{
    POST("material_add", 0, material_add(r, id, &f));
}

int
page_printer_material_update(struct req *r)
{
    POST("material", http_param_id(r, 1),
         material_edit(r, id, http_param_id(r, 1), &f));
}

int
page_printer_material_delete(struct req *r)
{
    POST("material_delete", http_param_id(r, 1),
         material_remove(r, id, http_param_id(r, 1)));
}
