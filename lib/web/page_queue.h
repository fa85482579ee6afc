/*
 * page_queue — the parts of the /queue page, one file each: the list with
 * its filters and row actions (page_queue.c), the "new print" form
 * (page_queue_new.c) and the timeline SVG (page_timeline.c). They share
 * what one rendering of the page has read, so each is read once.
 */
#ifndef PAGE_QUEUE_H
#define PAGE_QUEUE_H

#include <stdint.h>

struct job_plan;
struct page_form;
struct printer;
struct req;
struct tmpl_dict;

/* What a rendering of /queue has read: the user's printers and the plan
 * of every open print (domain/job_timeline). */
struct queue_view {
    struct req *r;
    struct tmpl_dict *d;
    struct printer *printers;
    int nprinters;
    struct job_plan *plan;
    int nplan;
};

/* Renders /queue with status: the list as the query string filters it,
 * the timeline, and the new-print form with form's input kept and c->err
 * beside its fields (form NULL: the defaults). 0 or -1. */
int page_queue_show(struct req *r, int status, const struct page_form *form);

/* Fills the new-print form's section NEW. 0 or -1. */
int page_queue_new_fill(struct queue_view *v, const struct page_form *form);

/* Fills the TIMELINE section: one lane per printer (and "Any printer"
 * when a print waits for any), now .. now + 24 h. */
void page_timeline_fill(struct queue_view *v);

/* A positive whole number (at most max) from the query's key into *out
 * (absent or empty: unchanged); 0, or -1 with a 422 naming key. */
int page_queue_query_id(struct req *r, const char *key, int64_t max,
                        int64_t *out);

/* The name of printer id among v's printers, or NULL. */
const char *page_queue_printer_name(const struct queue_view *v, long long id);

#endif
