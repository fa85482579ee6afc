#include "base/clock.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/banned.h"

int64_t
clock_now(void)
{
#ifdef FARM_TEST_HOOKS
    /* Tests fix the time; a release build has no way to fake it. */
    const char *fake = getenv("FARM_NOW");

    if (fake != NULL && *fake != '\0')
        return strtoll(fake, NULL, 10);
#endif
    return (int64_t)time(NULL);
}

int64_t
clock_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static void
put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* Formatted by hand: this runs for every time in every list answer. */
void
clock_format(int64_t t, char out[21])
{
    int64_t days, secs, y;
    int m, d;

    if (t < 0 || t > CLOCK_MAX)
        t = 0;
    days = t / 86400;
    secs = t % 86400;
    civil_from_days(days, &y, &m, &d);
    memcpy(out, "0000-00-00T00:00:00Z", 21);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    put2(out + 2, (int)(y % 100));
    put2(out + 5, m);
    put2(out + 8, d);
    put2(out + 11, (int)(secs / 3600));
    put2(out + 14, (int)(secs / 60 % 60));
    put2(out + 17, (int)(secs % 60));
}

static int
digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int
expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

static int
days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dm[m - 1];
}

int
clock_parse(const char *s, int64_t *out)
{
    const char *p = s;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    int64_t t;

    if (s == NULL)
        return -1;
    if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) ||
        expect(&p, '-') || digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &mi) ||
        expect(&p, ':') || digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return -1;
    t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
        sign * (oh * 3600 + om * 60);
    /* an offset or a leap second can step outside what clock_format
     * writes back ("1970-01-01T00:00:00+01:00") */
    if (t < 0 || t > CLOCK_MAX)
        return -1;
    *out = t;
    return 0;
}
