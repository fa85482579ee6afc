/*
 * fuzz_tables — the domain modules' real field tables, each with the size
 * of the struct it binds into, for the targets that bind input with them
 * (fuzz_bind: JSON bodies; fuzz_request: the pages' forms). An input byte
 * picks one: FUZZ_TABLES[byte % FUZZ_NTABLES], so 'A' (65) is the first.
 */
#ifndef FUZZ_TABLES_H
#define FUZZ_TABLES_H

#include <stddef.h>

#include "base/bind.h"
#include "domain/job.h"
#include "domain/maintenance.h"
#include "domain/material.h"
#include "domain/notifypref.h"
#include "domain/order.h"
#include "domain/printer.h"
#include "domain/product.h"
#include "domain/setting.h"
#include "domain/token.h"

struct fuzz_table {
    const char *name;
    const struct field *fields;
    size_t size; /* of the struct the table binds into */
};

#define FUZZ_T(fields, type)                                                   \
    {                                                                          \
#fields, fields, sizeof(type)                                          \
    }

/* 'A' printer .. 'M' token, in this order. */
static const struct fuzz_table FUZZ_TABLES[] = {
    FUZZ_T(printer_fields, struct printer),
    FUZZ_T(job_fields, struct job),
    FUZZ_T(material_fields, struct material),
    FUZZ_T(product_fields, struct product),
    FUZZ_T(order_fields, struct order),
    FUZZ_T(order_item_fields, struct order_item),
    FUZZ_T(order_schedule_fields, struct order_schedule_in),
    FUZZ_T(order_item_map_fields, struct order_item_map_in),
    FUZZ_T(notifypref_fields, struct notifypref),
    FUZZ_T(setting_fields, struct settings),
    FUZZ_T(maintenance_interval_fields, struct maintenance_interval),
    FUZZ_T(maintenance_record_fields, struct maintenance_record),
    FUZZ_T(token_fields, struct token_in),
};

#define FUZZ_NTABLES (sizeof(FUZZ_TABLES) / sizeof(FUZZ_TABLES[0]))

#endif
