/*
 * bind — JSON request bodies come in through a declared field table, never
 * by hand. One call checks every declared key's type and range, copies the
 * value into the caller's struct, records which keys were present (for
 * partial PUTs) and collects every bad field into one 422.
 *
 * Member types by field type:
 *   F_INT F_ID F_TIME F_MONEY F_BOOL  int64_t      (null: DB_NULL)
 *   F_STR F_COLOR F_EMAIL F_URL F_ENUM const char * (null: NULL; arena copy)
 * F_INT/F_ID: min..max (F_ID: 1..max when both are 0). F_STR: length in
 * characters min..max. F_MONEY: a non-negative number with at most two
 * decimals, stored as cents. F_TIME: ISO 8601 with Z or an offset, stored as
 * UTC seconds. F_COLOR: "#RRGGBB", stored upper case. F_EMAIL: a plausible
 * address, stored lower case. F_URL: absolute http or https. F_ENUM: one of
 * choices. Unknown keys are ignored. Fields the body lacks keep the value
 * the caller put there (the default, or the current row for a PUT).
 */
#ifndef BIND_H
#define BIND_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct json_object;

enum field_type {
    F_INT,
    F_ID,
    F_TIME,
    F_MONEY,
    F_BOOL,
    F_STR,
    F_COLOR,
    F_EMAIL,
    F_URL,
    F_ENUM,
};

enum {
    F_REQ = 1,  /* must be present (on create) */
    F_NULL = 2, /* may be JSON null */
    F_KEEP = 4, /* bind_check: NULL/DB_NULL is left to the domain module
                 * (a write-only secret kept, a value the server decides) */
};

struct field {
    const char *key;
    enum field_type type;
    size_t off;
    unsigned flags;
    int64_t min, max;
    const char *const *choices; /* F_ENUM, NULL-terminated */
};

#define BIND_MAX_FIELDS 64

struct bound {
    const struct field *fields;
    uint64_t present; /* bit i: fields[i] was in the body */
    uint64_t null;    /* bit i: it was JSON null */
};

/* Binds obj into out. With ignore_required (partial PUT), F_REQ is not
 * enforced. 0, or -1 with every bad field in c->err. */
int bind_json(struct ctx *c, struct json_object *obj,
              const struct field *fields, void *out, struct bound *b,
              int ignore_required);

/* Checks the values already in in (filled by code: a form, an import, a
 * domain caller) against the same table with the same rules and messages
 * as bind_json, and normalises them the same way (colours upper case,
 * emails lower case, enum values the table's own strings). A NULL string
 * or DB_NULL number is "is required" unless the field is F_NULL or F_KEEP.
 * 0, or -1 with every bad field in c->err. This is how a domain module
 * applies its own field table, so one rule lives in one place. */
int bind_check(struct ctx *c, const struct field *fields, void *in);

int bind_has(const struct bound *b, const char *key);
int bind_is_null(const struct bound *b, const char *key);

/* Checks a standalone value with the same rules (used for query strings
 * and CLI input). */
int bind_valid_email(const char *s);
int bind_valid_url(const char *s);

/* Length of UTF-8 text in characters, as the API counts them. */
size_t bind_chars(const char *s);

/* "a,b" -> one bit per name: bit i for names[i] (names ends with NULL).
 * -1 on an unknown or empty item. */
int bind_name_mask(const char *list, const char *const *names, unsigned *mask);

#endif
