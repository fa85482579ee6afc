/*
 * setting — a user's settings that are not a row of their own: for now
 * the energy price per kWh that a print's energy cost uses. Stored in the
 * settings table under a key that names the user ("energy_price_per_kwh:"
 * and the user id), so every query is scoped to c->user_id.
 */
#ifndef SETTING_H
#define SETTING_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;

#define SETTING_ENERGY_PRICE_MAX 100000 /* cents per kWh */

struct settings {
    int64_t energy_price_per_kwh; /* cents per kWh; 0 when never set */
};

/* The rules of the settings body (PUT /api/settings, /account). */
extern const struct field setting_fields[];

/* The user's settings (defaults where unset). 0 or -1. */
int setting_get(struct ctx *c, struct settings *s);

/* Checks and stores s. 0, or -1 (422). */
int setting_put(struct ctx *c, struct settings *s);

/* The one-time setup code that /setup asks for before the first account
 * is made (issue 10: a fresh install on a LAN is not claimable by the
 * first passer-by). setting_setup_code_new makes a new one, valid for
 * SETTING_SETUP_CODE_S, replacing any earlier one (only its hash is
 * stored) and writes it to out: 0 or -1. setting_setup_code_take checks
 * code and, when right and unexpired, deletes it (one use): 1 taken, 0
 * wrong or expired (or none made), -1 on error. */
#define SETTING_SETUP_CODE_LEN 12
#define SETTING_SETUP_CODE_S 86400
int setting_setup_code_new(struct ctx *c,
                           char out[SETTING_SETUP_CODE_LEN + 1]);
int setting_setup_code_take(struct ctx *c, const char *code);

#endif
