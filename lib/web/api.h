/*
 * api — the JSON handlers, one file per resource (api_<resource>.c). Each
 * reads the request through http.h, calls the domain modules, and answers
 * with http_json*() or returns -1 with c->err set for the router to render.
 * They stay thin: rules live in the domain modules.
 */
#ifndef API_H
#define API_H

struct req;

/* api_auth.c */
int api_health(struct req *r);
int api_auth_login(struct req *r);
int api_auth_logout(struct req *r);
int api_me(struct req *r);
int api_user_create(struct req *r);

/* api_printer.c */
int api_settings_get(struct req *r);
int api_settings_put(struct req *r);
int api_printer_list(struct req *r);
int api_printer_create(struct req *r);
int api_printer_get(struct req *r);
int api_printer_update(struct req *r);
int api_printer_delete(struct req *r);

/* api_material.c */
int api_material_list(struct req *r);
int api_material_create(struct req *r);
int api_material_update(struct req *r);
int api_material_delete(struct req *r);

/* api_notify.c */
int api_notify_get(struct req *r);
int api_notify_update(struct req *r);
int api_notify_test(struct req *r);
int api_notify_deliveries(struct req *r);

/* api_maintenance.c */
int api_maintenance_get(struct req *r);
int api_maintenance_update(struct req *r);
int api_maintenance_create(struct req *r);

/* api_file.c */
int api_file_list(struct req *r);
int api_file_get(struct req *r);
int api_file_put(struct req *r);
int api_file_delete(struct req *r);

/* api_print.c */
int api_print_create(struct req *r);
int api_print_list(struct req *r);
int api_print_list_printer(struct req *r);
int api_print_update(struct req *r);
int api_print_cancel(struct req *r);
int api_print_queue(struct req *r);

/* api_product.c */
int api_product_list(struct req *r);
int api_product_create(struct req *r);
int api_product_get(struct req *r);
int api_product_update(struct req *r);
int api_product_delete(struct req *r);

/* api_order.c */
int api_order_list(struct req *r);
int api_order_create(struct req *r);
int api_order_get(struct req *r);
int api_order_schedule(struct req *r);
int api_order_import(struct req *r);
int api_order_item_map(struct req *r);

/* api_etsy.c (the two /etsy pages too) */
int api_etsy_list(struct req *r);
int api_etsy_connect(struct req *r);
int api_etsy_get(struct req *r);
int api_etsy_update(struct req *r);
int api_etsy_delete(struct req *r);
int api_etsy_sync(struct req *r);
int page_etsy_connect(struct req *r);
int page_etsy_callback(struct req *r);

/* page_etsy.c: the Etsy shops section of /account (fills d) and its
 * forms */
struct tmpl_dict;
int page_etsy_section(struct req *r, struct tmpl_dict *d);
int page_etsy_sync(struct req *r);
int page_etsy_disconnect(struct req *r);

/* page_*.c — the HTML pages */
int page_home(struct req *r);
int page_overview(struct req *r);
int page_print(struct req *r);
int page_login(struct req *r);
int page_login_post(struct req *r);
int page_logout(struct req *r);
int page_setup(struct req *r);
int page_setup_post(struct req *r);
int page_printers(struct req *r);
int page_printer_new(struct req *r);
int page_printer_create(struct req *r);
/* page_printer*.c: /printers/<id> and its forms */
int page_printer(struct req *r);
int page_printer_update(struct req *r);
int page_printer_delete(struct req *r);
int page_printer_material_add(struct req *r);
int page_printer_material_update(struct req *r);
int page_printer_material_delete(struct req *r);
int page_printer_print_cancel(struct req *r);
int page_printer_print_priority(struct req *r);
int page_printer_interval(struct req *r);
int page_printer_maintenance(struct req *r);
int page_printer_notify(struct req *r);
int page_printer_secret(struct req *r);
int page_printer_test(struct req *r);
/* page_stats.c */
int page_history(struct req *r);
int page_history_csv(struct req *r);
int page_analytics(struct req *r);
/* page_files.c */
int page_files(struct req *r);
int page_files_upload(struct req *r);
int page_files_delete(struct req *r);
/* page_products.c */
int page_products(struct req *r);
int page_product_new(struct req *r);
int page_product_create(struct req *r);
int page_product_edit(struct req *r);
int page_product_update(struct req *r);
int page_product_delete(struct req *r);
/* page_orders.c */
int page_orders(struct req *r);
int page_order_new(struct req *r);
int page_order_create(struct req *r);
int page_order(struct req *r);
int page_order_edit(struct req *r);
int page_order_update(struct req *r);
int page_order_schedule(struct req *r);
int page_order_item_map(struct req *r);
int page_orders_import(struct req *r);
/* page_account.c */
int page_account(struct req *r);
int page_account_password(struct req *r);
int page_account_costs(struct req *r);
int page_account_token_create(struct req *r);
int page_account_token_revoke(struct req *r);
int page_account_sign_out_all(struct req *r);
/* page_queue.c, page_queue_new.c */
int page_queue(struct req *r);
int page_queue_create(struct req *r);
int page_queue_cancel(struct req *r);
int page_queue_retry(struct req *r);
int page_queue_move(struct req *r);

#endif
