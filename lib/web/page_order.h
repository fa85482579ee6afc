/*
 * page_order — what the order pages share (page_orders.c: the list, one
 * order and scheduling it; page_order_form.c: the create and edit form).
 * Item controls are named "items[i].<key>", as the API names an item's bad
 * field, so an error is shown beside its row.
 */
#ifndef PAGE_ORDER_H
#define PAGE_ORDER_H

struct order;
struct page_form;
struct req;

#define PAGE_ORDER_PRODUCTS_MAX 1000 /* products a form offers */

/* Binds f into o: the order's fields and every non-blank item row, each
 * row's bad fields named by its row. map[k] gets the row of item k (map
 * holds ORDER_ITEMS_MAX). 0, or -1 with every bad field in c->err (422). */
int page_order_bind(struct req *r, const struct page_form *f, struct order *o,
                    int *map);

/* Renders the form for o (id 0: new) with status; f is the failed post
 * whose input is kept (NULL: the first view). 0 or -1. */
int page_order_form(struct req *r, int status, const struct order *o,
                    const struct page_form *f);

#endif
