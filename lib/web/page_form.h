/*
 * page_form — the dashboard's forms bound through the same field tables
 * as the JSON API (one rule, one message): a form's text values become the
 * JSON the API would receive and go through bind_json, so a form and a
 * script get the same 422 for the same input. Controls are named after the
 * API's JSON fields.
 *
 * What a template gets for each field K of a table (K is the JSON key):
 *   {{K}}              the value to show: the user's input after a failed
 *                      post, else the stored value (page_form_values)
 *   {{K_min}} {{K_max}} the table's limits, for maxlength/min/max
 *   {{#K_error}}...{{K_error_msg}}...{{/K_error}} the field's error
 *   {{#K_checked}}     an F_BOOL field that is on
 *   {{#K_opt}}{{value}}{{#selected}}{{/selected}}{{/K_opt}} F_ENUM choices
 *   {{#ERRORS}}{{#ERROR}}{{field}}{{message}}{{/ERROR}}{{/ERRORS}} a summary
 *
 * Conversions from form text: an empty value is JSON null for an F_NULL
 * field and absent otherwise (so a required one is "is required"); numbers
 * parse strictly, else pass as text and get the API's type error; F_BOOL
 * is true when the control was sent ("on", "1", "true"), false when not;
 * F_TIME takes a datetime-local value ("2026-12-07T14:30") as UTC.
 */
#ifndef PAGE_FORM_H
#define PAGE_FORM_H

struct bound;
struct field;
struct page_form;
struct req;
struct tmpl_dict;

/* Binds f into out with fields, as bind_json would bind the API's body. 0,
 * or -1 with every bad field in c->err (422). partial: a PUT-like edit
 * where F_REQ is not enforced and absent fields keep out's values. */
int page_form_bind(struct req *r, const struct page_form *f,
                   const struct field *fields, void *out, struct bound *b,
                   int partial);

/* Sets the value, limits and choices of every field for the template:
 * from the form f when it sent the field (after a failed post: the user's
 * input kept), else from in, a struct bound with fields (the stored
 * object or the defaults; NULL: empty). Every bad field of c->err gets its
 * message beside it and a line in the summary. */
void page_form_fill(struct req *r, struct tmpl_dict *d,
                    const struct field *fields, const void *in,
                    const struct page_form *f);

#endif
