/*
 * routes — every endpoint at a glance. The router derives 404/405 and the
 * authentication mode from this table; docs/API.md and static/openapi.json
 * list the same /api/ routes (a test compares them).
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
    {GET,    "/api/health",                          api_health,             R_PUBLIC},
    {POST,   "/api/auth/login",                      api_auth_login,         R_PUBLIC},
    {POST,   "/api/auth/logout",                     api_auth_logout,        R_API},
    {GET,    "/api/me",                              api_me,                 R_API},
    {POST,   "/api/users",                           api_user_create,        R_API},

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
    {PUT,    "/api/files/:name",                     api_file_put,           R_API},
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
    {GET,    "/api/orders/:id",                      api_order_get,          R_API},
    {POST,   "/api/orders/:id/schedule-prints",      api_order_schedule,     R_API},

    {GET,    "/",                                    page_overview,          R_PAGE},
    {GET,    "/login",                               page_login,             R_PAGE},
    {POST,   "/login",                               page_login_post,        R_PAGE},
    {POST,   "/logout",                              page_logout,            R_PAGE},
    {GET,    "/setup",                               page_setup,             R_PAGE},
    {POST,   "/setup",                               page_setup_post,        R_PAGE},
    {GET,    "/printers",                            page_printers,          R_PAGE},
    {GET,    "/history",                             page_history,           R_PAGE},
    {GET,    "/history.csv",                         page_history_csv,       R_PAGE},
    {GET,    "/analytics",                           page_analytics,         R_PAGE},
    {0, NULL, NULL, R_PUBLIC},
};
