/*
 * routes — every endpoint at a glance. The router derives 404/405 and the
 * authentication mode from this table; docs/API.md and static/openapi.json
 * list the same /api/ routes (a test compares them).
 *
 * Every request runs in one transaction the router opens (router.h);
 * R_OWN_TX marks the few handlers that hash passwords or stream large
 * bodies and so take their own short write transactions instead, the two
 * GETs that write one row (Etsy's connect and callback, never inside a
 * read snapshot), and the health check, which answers for itself when the
 * database does not.
 */
#include "web/router.h"

#include <stddef.h>

#include "web/api.h"
#include "web/http.h"

#define GET M_GET
#define POST M_POST
#define PUT M_PUT
#define DELETE M_DELETE

const struct route routes[] = {
    {GET,    "/api/health",                          api_health,             R_PUBLIC | R_OWN_TX},
    {POST,   "/api/auth/login",                      api_auth_login,         R_PUBLIC | R_OWN_TX},
    {POST,   "/api/auth/logout",                     api_auth_logout,        R_API},
    {GET,    "/api/me",                              api_me,                 R_API},
    {POST,   "/api/users",                           api_user_create,        R_API | R_OWN_TX},

    {GET,    "/api/settings",                        api_settings_get,       R_API},
    {PUT,    "/api/settings",                        api_settings_put,       R_API},
    {GET,    "/api/printers",                        api_printer_list,       R_API},
    {POST,   "/api/printers",                        api_printer_create,     R_API},
    {GET,    "/api/printers/:id",                    api_printer_get,        R_API},
    {PUT,    "/api/printers/:id",                    api_printer_update,     R_API},
    {DELETE, "/api/printers/:id",                    api_printer_delete,     R_API},
    {GET,    "/api/printers/:id/maintenance",        api_maintenance_get,    R_API},
    {PUT,    "/api/printers/:id/maintenance",        api_maintenance_update, R_API},
    {POST,   "/api/printers/:id/maintenance",        api_maintenance_create, R_API},

    {GET,    "/api/bambu/materials/:id",             api_material_list,      R_API},
    {POST,   "/api/bambu/materials/:id",             api_material_create,    R_API},
    {PUT,    "/api/bambu/materials/:id",             api_material_update,    R_API},
    {DELETE, "/api/bambu/materials/:id",             api_material_delete,    R_API},

    {GET,    "/api/bambu/notifications/:id",         api_notify_get,         R_API},
    {PUT,    "/api/bambu/notifications/:id",         api_notify_update,      R_API},
    {POST,   "/api/bambu/notifications/:id/test",    api_notify_test,        R_API},
    {GET,    "/api/bambu/notifications/:id/deliveries", api_notify_deliveries, R_API},

    {GET,    "/api/files",                           api_file_list,          R_API},
    {GET,    "/api/files/:name",                     api_file_get,           R_API},
    {PUT,    "/api/files/:name",                     api_file_put,           R_API | R_OWN_TX},
    {DELETE, "/api/files/:name",                     api_file_delete,        R_API},

    {POST,   "/api/bambu/scheduled-prints",          api_print_create,       R_API},
    {GET,    "/api/bambu/scheduled-prints",          api_print_list,         R_API},
    {GET,    "/api/bambu/scheduled-prints/:id",      api_print_list_printer, R_API},
    {PUT,    "/api/bambu/scheduled-prints/:id",      api_print_update,       R_API},
    {DELETE, "/api/bambu/scheduled-prints/:id",      api_print_cancel,       R_API},
    {GET,    "/api/bambu/scheduled-prints/:id/queue", api_print_queue,       R_API},

    {GET,    "/api/products",                        api_product_list,       R_API},
    {POST,   "/api/products",                        api_product_create,     R_API},
    {GET,    "/api/products/:id",                    api_product_get,        R_API},
    {PUT,    "/api/products/:id",                    api_product_update,     R_API},
    {DELETE, "/api/products/:id",                    api_product_delete,     R_API},

    {GET,    "/api/orders",                          api_order_list,         R_API},
    {POST,   "/api/orders",                          api_order_create,       R_API},
    {POST,   "/api/orders/import",                   api_order_import,       R_API},
    {GET,    "/api/orders/:id",                      api_order_get,          R_API},
    {POST,   "/api/orders/:id/schedule-prints",      api_order_schedule,     R_API},
    {PUT,    "/api/orders/:id/items/:item_id",       api_order_item_map,     R_API},

    {GET,    "/api/etsy/shops",                      api_etsy_list,          R_API},
    {POST,   "/api/etsy/shops",                      api_etsy_connect,       R_API},
    {GET,    "/api/etsy/shops/:id",                  api_etsy_get,           R_API},
    {PUT,    "/api/etsy/shops/:id",                  api_etsy_update,        R_API},
    {DELETE, "/api/etsy/shops/:id",                  api_etsy_delete,        R_API},
    {POST,   "/api/etsy/shops/:id/sync",             api_etsy_sync,          R_API},

    {GET,    "/",                                    page_overview,          R_PAGE},
    {GET,    "/login",                               page_login,             R_PAGE},
    {POST,   "/login",                               page_login_post,        R_PAGE | R_OWN_TX},
    {POST,   "/logout",                              page_logout,            R_PAGE},
    {GET,    "/setup",                               page_setup,             R_PAGE},
    {POST,   "/setup",                               page_setup_post,        R_PAGE},
    {GET,    "/printers",                            page_printers,          R_PAGE},
    {GET,    "/printers/new",                        page_printer_new,       R_PAGE},
    {POST,   "/printers/new",                        page_printer_create,    R_PAGE},
    {GET,    "/printers/:id",                        page_printer,           R_PAGE},
    {POST,   "/printers/:id",                        page_printer_update,    R_PAGE},
    {POST,   "/printers/:id/delete",                 page_printer_delete,    R_PAGE},
    {POST,   "/printers/:id/materials",              page_printer_material_add, R_PAGE},
    {POST,   "/printers/:id/materials/:id",          page_printer_material_update, R_PAGE},
    {POST,   "/printers/:id/materials/:id/delete",   page_printer_material_delete, R_PAGE},
    {POST,   "/printers/:id/prints/:id/cancel",      page_printer_print_cancel, R_PAGE},
    {POST,   "/printers/:id/prints/:id/priority",    page_printer_print_priority, R_PAGE},
    {POST,   "/printers/:id/maintenance",            page_printer_maintenance, R_PAGE},
    {POST,   "/printers/:id/maintenance/interval",   page_printer_interval,  R_PAGE},
    {POST,   "/printers/:id/notifications",          page_printer_notify,    R_PAGE},
    {POST,   "/printers/:id/notifications/secret",   page_printer_secret,    R_PAGE},
    {POST,   "/printers/:id/notifications/test",     page_printer_test,      R_PAGE},
    {GET,    "/history",                             page_history,           R_PAGE},
    {GET,    "/history.csv",                         page_history_csv,       R_PAGE},
    {GET,    "/analytics",                           page_analytics,         R_PAGE},
    {GET,    "/files",                               page_files,             R_PAGE},
    {POST,   "/files",                               page_files_upload,      R_PAGE | R_OWN_TX},
    {POST,   "/files/:name/delete",                  page_files_delete,      R_PAGE},
    {GET,    "/products",                            page_products,          R_PAGE},
    {GET,    "/products/new",                        page_product_new,       R_PAGE},
    {POST,   "/products",                            page_product_create,    R_PAGE},
    {GET,    "/products/:id",                        page_product_edit,      R_PAGE},
    {POST,   "/products/:id",                        page_product_update,    R_PAGE},
    {POST,   "/products/:id/delete",                 page_product_delete,    R_PAGE},
    {GET,    "/orders",                              page_orders,            R_PAGE},
    {GET,    "/orders/new",                          page_order_new,         R_PAGE},
    {POST,   "/orders",                              page_order_create,      R_PAGE},
    {POST,   "/orders/import",                       page_orders_import,     R_PAGE},
    {GET,    "/orders/:id",                          page_order,             R_PAGE},
    {GET,    "/orders/:id/edit",                     page_order_edit,        R_PAGE},
    {POST,   "/orders/:id",                          page_order_update,      R_PAGE},
    {POST,   "/orders/:id/schedule",                 page_order_schedule,    R_PAGE},
    {POST,   "/orders/:id/items/:item_id/map",       page_order_item_map,    R_PAGE},
    {GET,    "/etsy/connect",                        page_etsy_connect,      R_PAGE | R_OWN_TX},
    {GET,    "/etsy/callback",                       page_etsy_callback,     R_PAGE | R_OWN_TX},
    {POST,   "/etsy/shops/:id/sync",                 page_etsy_sync,         R_PAGE},
    {POST,   "/etsy/shops/:id/disconnect",           page_etsy_disconnect,   R_PAGE},
    {GET,    "/account",                             page_account,           R_PAGE},
    {POST,   "/account/password",                    page_account_password,  R_PAGE | R_OWN_TX},
    {POST,   "/account/costs",                       page_account_costs,     R_PAGE},
    {POST,   "/account/tokens",                      page_account_token_create, R_PAGE},
    {POST,   "/account/tokens/:id/revoke",           page_account_token_revoke, R_PAGE},
    {POST,   "/account/sign-out-everywhere",         page_account_sign_out_all, R_PAGE},
    {GET,    "/queue",                               page_queue,             R_PAGE},
    {GET,    "/queue/:id",                           page_print,             R_PAGE},
    {POST,   "/queue",                               page_queue_create,      R_PAGE},
    {POST,   "/queue/:id/cancel",                    page_queue_cancel,      R_PAGE},
    {POST,   "/queue/:id/retry",                     page_queue_retry,       R_PAGE},
    {POST,   "/queue/:id/move",                      page_queue_move,        R_PAGE},
    {0, NULL, NULL, R_PUBLIC},
};
