/*
 * The printer page's maintenance (print hours since the last service, the
 * interval, record a service) and notification preferences (every toggle,
 * email, webhook, "send a test" and the recent deliveries). The forms bind
 * through the domain's own tables (maintenance_*_fields,
 * notifypref_fields), "send a test" is event_send_test like the API's, and
 * the deliveries are event_deliveries, the list GET …/deliveries answers.
 *
 * The webhook secret follows the API's rule: it is shown once, in the
 * answer to the post that generated it (rendered directly, not through a
 * redirect, so it never sits in a cookie or a later page).
 */
#include "web/api.h"
#include "web/page_printer.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "base/webhook_sign.h"
#include "domain/event.h"
#include "domain/maintenance.h"
#include "domain/notifypref.h"
#include "domain/printer.h"
#include "store/db.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define RECORDS_MAX 5     /* maintenance records shown */
#define DELIVERIES_MAX 10 /* deliveries shown */

/* Tenths of an hour as "12.5 h". */
static const char *
hours_text(struct arena *a, int64_t seconds)
{
    int64_t t = maintenance_tenths(seconds);

    return arena_printf(a, "%lld.%lld h", (long long)(t / 10),
                        (long long)(t % 10));
}

static int
maintenance(struct req *r, struct tmpl_dict *d, const struct printer *p,
            const struct pp_post *post)
{
    struct arena *a = r->c->arena;
    struct maintenance m;
    struct maintenance_interval iv;
    struct maintenance_record *list, fresh;
    int n;

    if (maintenance_get(r->c, p->id, &m) < 0 ||
        maintenance_record_list(r->c, p->id, RECORDS_MAX, 0, &list, &n) < 0)
        return -1;
    tmpl_set(d, "HOURS", hours_text(a, m.print_seconds));
    if (m.interval_hours == DB_NULL)
        tmpl_show(d, "NO_INTERVAL");
    else
        tmpl_set_int(tmpl_section_add(d, "INTERVAL"), "INTERVAL_HOURS",
                     m.interval_hours);
    tmpl_show(d, maintenance_is_due(&m) ? "DUE" : "NOT_DUE");
    pagefmt_time(a, d, "LAST", m.last_at);
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(d, "RECORD");

        pagefmt_time(a, row, "DONE", list[i].performed_at);
        tmpl_set(row, "RHOURS", hours_text(a, list[i].print_seconds));
        tmpl_set(row, "NOTE", list[i].note ? list[i].note : "");
    }
    iv.interval_hours = m.interval_hours;
    pp_fill(r, tmpl_section_add(d, "INTERVAL_FORM"),
            maintenance_interval_fields, &iv, post, "interval", 0);
    maintenance_record_init(&fresh, p->id);
    pp_fill(r, tmpl_section_add(d, "RECORD_FORM"), maintenance_record_fields,
            &fresh, post, "record", 0);
    return 0;
}

static const char *
delivery_tone(const char *status)
{
    if (strcmp(status, "delivered") == 0)
        return "ok";
    if (strcmp(status, "failed") == 0)
        return "bad";
    return strcmp(status, "pending") == 0 ? "neutral" : "muted";
}

static int
deliveries(struct req *r, struct tmpl_dict *d, const struct printer *p)
{
    struct arena *a = r->c->arena;
    struct event_delivery *list;
    int n;

    if (event_deliveries(r->c, p->id, 0, EVENT_DELIVERY_ALL, DELIVERIES_MAX, 0,
                         &list, &n) < 0)
        return -1;
    if (n == 0) {
        tmpl_show(d, "NO_DELIVERIES");
        return 0;
    }
    d = tmpl_section_add(d, "DELIVERIES");
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(d, "DELIVERY");

        tmpl_set(row, "EVENT", list[i].event);
        tmpl_set(row, "CHANNEL", list[i].channel);
        tmpl_set(row, "TARGET", list[i].target ? list[i].target : "");
        tmpl_set(row, "DSTATUS", list[i].status);
        tmpl_set(row, "DTONE", delivery_tone(list[i].status));
        tmpl_set_int(row, "ATTEMPTS", list[i].attempts);
        tmpl_set(row, "LAST_ERROR",
                 list[i].last_error ? list[i].last_error : PAGEFMT_NONE);
        pagefmt_time(a, row, "QUEUED", list[i].created_at);
    }
    return 0;
}

/* The notification form; WF_AUTO marks "from the URL" as the choice. */
static void
notify_form(struct req *r, struct tmpl_dict *d, const struct notifypref *n,
            const struct pp_post *post)
{
    int mine = post != NULL && strcmp(post->form, "notify") == 0;
    const char *wf =
        mine ? page_form_get(post->f, "webhook_format") : n->webhook_format;

    pp_fill(r, d, notifypref_fields, n, post, "notify", 0);
    if (wf == NULL || *wf == '\0')
        tmpl_show(d, "WF_AUTO");
    tmpl_set(d, "WF_EFFECTIVE", notifypref_format(n, NULL));
    if (n->webhook_disabled_at != DB_NULL)
        tmpl_set(tmpl_section_add(d, "DISABLED"), "DISABLED_REASON",
                 n->webhook_disabled_reason ? n->webhook_disabled_reason
                                            : "it answered 410 Gone");
}

int
pp_notify(struct req *r, struct tmpl_dict *d, const struct printer *p,
          const struct pp_post *post, const char *secret)
{
    struct notifypref n;

    if (maintenance(r, d, p, post) < 0 || notifypref_get(r->c, p->id, &n) < 0)
        return -1;
    notify_form(r, tmpl_section_add(d, "NOTIFY"), &n, post);
    if (n.webhook_url != NULL)
        tmpl_show(d, "HAS_WEBHOOK");
    tmpl_show(d, n.webhook_secret_set ? "SECRET_SET" : "NO_SECRET");
    if (secret != NULL)
        tmpl_set(tmpl_section_add(d, "SECRET"), "SECRET_TEXT", secret);
    pp_fill(r, tmpl_section_add(d, "TEST"), pp_no_fields, NULL, post, "test",
            0);
    return deliveries(r, d, p);
}

/* ---- the posts ------------------------------------------------------- */

static int
interval(struct req *r, int64_t id, const struct page_form *f)
{
    struct maintenance m;
    struct maintenance_interval in;
    struct bound b;

    if (maintenance_get(r->c, id, &m) < 0)
        return -1;
    in.interval_hours = m.interval_hours;
    /* a blank interval is null: no reminders */
    if (page_form_bind(r, f, maintenance_interval_fields, &in, &b, 0) < 0 ||
        maintenance_set_interval(r->c, id, in.interval_hours) < 0)
        return -1;
    return page_redirect_notice(r, pp_path(r, id, "maintenance"),
                                "Maintenance interval saved");
}

static int
record(struct req *r, int64_t id, const struct page_form *f)
{
    struct maintenance_record rec;
    struct bound b;

    maintenance_record_init(&rec, id);
    if (printer_owned(r->c, id) == 0)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such printer");
    if (page_form_bind(r, f, maintenance_record_fields, &rec, &b, 0) < 0 ||
        maintenance_record_add(r->c, &rec) < 0)
        return -1;
    return page_redirect_notice(r, pp_path(r, id, "maintenance"),
                                "Maintenance recorded");
}

/* Saves n; a secret generated now is shown on the page this once. */
static int
notify_write(struct req *r, int64_t id, struct notifypref *n,
             const char *notice)
{
    const char *generated;

    if (notifypref_save(r->c, n, &generated) < 0)
        return -1;
    if (generated != NULL)
        return pp_show(r, id, 200, NULL, 0, NULL, generated);
    return page_redirect_notice(r, pp_path(r, id, "notifications"), notice);
}

static int
notify_save(struct req *r, int64_t id, const struct page_form *f)
{
    struct notifypref n;
    struct bound b;
    const char *url;

    if (notifypref_get(r->c, id, &n) < 0)
        return -1;
    url = n.webhook_url;
    /* every toggle is on the form: an unticked one is off (not partial) */
    if (page_form_bind(r, f, notifypref_fields, &n, &b, 0) < 0)
        return -1;
    /* a webhook disabled after a 410 comes back when asked, or when its
     * URL changes (the API's rule: sending webhook_url again) */
    n.webhook_reenable =
        *page_form_str(f, "webhook_reenable") != '\0' ||
        (n.webhook_url != NULL && (url == NULL || strcmp(url, n.webhook_url)));
    return notify_write(r, id, &n, "Notification settings saved");
}

static int
notify_secret(struct req *r, int64_t id)
{
    char fresh[WEBHOOK_SECRET_LEN + 1];
    struct notifypref n;
    const char *generated;

    if (notifypref_get(r->c, id, &n) < 0)
        return -1;
    webhook_secret_new(fresh);
    n.webhook_secret = fresh;
    if (notifypref_save(r->c, &n, &generated) < 0)
        return -1;
    return pp_show(r, id, 200, NULL, 0, NULL, fresh);
}

static int
notify_test(struct req *r, int64_t id)
{
    if (event_send_test(r->c, id, NULL) < 0)
        return -1;
    return page_redirect_notice(r, pp_path(r, id, "notifications"),
                                "Test message queued");
}

#define POST(form, call)                                                       \
    struct page_form f;                                                        \
    int64_t id = http_param_id(r, 0);                                          \
    if (page_session_form(r, &f) < 0)                                          \
        return page_error(r);                                                  \
    return pp_after(r, id, (call), form, 0, &f)

int
page_printer_interval(struct req *r)
{
    POST("interval", interval(r, id, &f));
}

int
page_printer_maintenance(struct req *r)
{
    POST("record", record(r, id, &f));
}

int
page_printer_notify(struct req *r)
{
    POST("notify", notify_save(r, id, &f));
}

int
page_printer_secret(struct req *r)
{
    POST("secret", notify_secret(r, id));
}

int
page_printer_test(struct req *r)
{
    POST("test", notify_test(r, id));
}
