/*
 * clock — time as int64 UTC seconds, converted to and from ISO 8601 only
 * at the edges. In the test build (FARM_TEST_HOOKS) clock_now() honours
 * FARM_NOW (seconds) so tests can fix it; the release build ignores it.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

int64_t clock_now(void);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines and budgets: never
 * faked, never jumps with the wall clock. */
int64_t clock_mono_ms(void);

/* The last second clock_format can write: 9999-12-31T23:59:59Z. */
#define CLOCK_MAX INT64_C(253402300799)

/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes); a t outside
 * 0..CLOCK_MAX is written as 1970-01-01T00:00:00Z. */
void clock_format(int64_t t, char out[21]);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; also accepts a space
 * for T. Returns 0 and the UTC seconds, or -1 when malformed or outside
 * 0..CLOCK_MAX (so what it accepts clock_format writes back). */
int clock_parse(const char *s, int64_t *out);

#endif
