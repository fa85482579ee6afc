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

#endif
