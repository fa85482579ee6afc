/*
 * bambu-sim — simulated Bambu Lab printers (X1C, P1S, P1P, A1, A1 mini) for
 * the end-to-end tests, the benchmark and the demo. It connects to an MQTT
 * broker as N printers (one libmosquitto client "sim-<serial>" each, all
 * driven from this one thread with poll()) and behaves on
 * device/<SERIAL>/report and device/<SERIAL>/request the way
 * shared/BAMBU-PROTOCOL.md says the real printers do:
 *
 *   - X1C publishes the whole print object in every push ("msg": 0); the
 *     P1/A1 models publish only the keys that changed since the last push
 *     ("msg": 1), and a full frame in answer to pushall and after every
 *     (re)connect. Pushes come every second while busy and every five
 *     seconds when idle (real time, whatever the time scale).
 *   - project_file is refused while busy (0500_4004), when the named file is
 *     missing or empty under --ftp-dir (0500_C010) or when the AMS mapping
 *     names no loaded tray (07FF_8012); else it is acked and the job runs
 *     PREPARE -> RUNNING -> FINISH at --time-scale simulated seconds per real
 *     second, heating, counting layers and eating filament from the mapped
 *     trays.
 *   - pause/resume/stop, print_speed, get_version, ledctrl, pushing
 *     start/stop are answered; unknown commands are answered "failed" and
 *     garbage is logged and dropped.
 *   - Faults are injected on sim/<SERIAL>/control, read by one extra
 *     client "sim-ctl-<pid>" so it works while a printer is offline:
 *       {"fail": {"print_error": N, "hms": [{attr, code}], "at_percent": P}}
 *           (now if busy and P reached, else armed for the next job)
 *       {"cancel": true}  {"finish_now": true}  {"silent": bool}
 *       {"offline": bool}  {"locked": bool}  {"hms": [...]}  {"reset": true}
 *       {"ams": {"slot": 0-7|254, "type", "color", "remain", "weight",
 *                "uuid"}}  {"ams": {"slot": N, "empty": true}}
 *       {"flood": {"mb": N, "frame_kb": K, "big_kb": B, "big_every": E}}
 *           a misbehaving printer: N MB (0 stops a flood) of status deltas
 *           padded with keys no other frame has, K KB each (default 64)
 *           and every E-th B KB (defaults 20 and 512, over a receiver's
 *           256 KB cap; E 0: none), sent as fast as the socket takes them
 *           while the printer otherwise goes on as usual; the state topic
 *           counts them (flood_left, flood_sent, flood_frames, flood_big)
 *     The simulator publishes its own view, retained, on sim/<SERIAL>/state.
 *   - Serials from --count are <prefix><index, 5 digits, from 0>.
 *
 * Invariants: all state lives in struct printer and only this thread
 * touches it; mosquitto callbacks only set state and flags (acks are
 * published from the request callback so they precede the state push that
 * follows); a state change is published in at least one report before the
 * job moves on, so a watcher sees PREPARE and RUNNING even at a huge time
 * scale. Nothing is sent on the report topic while a printer is silent.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <mosquitto.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"

#include "base/banned.h"

/* print_error codes and the HMS alert the protocol document names. */
#define ERR_CANCELLED 0x0300400C
#define ERR_BUSY 0x05004004
#define ERR_SDCARD 0x0500C010
#define ERR_AMS_MAP 0x07FF8012
#define ERR_VERIFY 0x05024007
#define ERR_DEFAULT_FAIL 0x07008006 /* AMS can't feed filament */
#define HMS_VERIFY_ATTR 0x05000500
#define HMS_VERIFY_CODE 0x00010007
#define HMS_DEFAULT_ATTR 117506048
#define HMS_DEFAULT_CODE 131073

#define MAX_UNITS 2
#define MAX_TRAYS (MAX_UNITS * 4)
#define MAX_HMS 8
#define MAX_MAP 16
#define VT_SLOT 254
#define NO_TRAY 255
#define FLOOD_BATCH (1024 * 1024) /* bytes queued per loop, at most */

enum gstate { ST_IDLE, ST_PREPARE, ST_RUNNING, ST_PAUSE, ST_FINISH, ST_FAILED };

static const char *const state_names[] = {"IDLE",  "PREPARE", "RUNNING",
                                          "PAUSE", "FINISH",  "FAILED"};

struct model {
    const char *name, *product, *project, *sw_ver, *hw_ver, *nozzle_type;
    int full_frames;  /* X1: every push is the whole object */
    int idle_stage;   /* stg_cur when idle: 255 on P1/A1, -1 on X1 */
    int real_chamber; /* P1/A1 send a placeholder 5 */
    int has_fun;      /* X1 reports the "fun" bits */
    int max_units;
    int64_t home_flag;
};

static const struct model models[] = {
    {"X1C", "Bambu Lab X1 Carbon", "BL-P001", "01.08.02.00", "AP05",
     "hardened_steel", 1, -1, 1, 1, 2, 1077952904},
    {"P1S", "Bambu Lab P1S", "C12", "01.07.00.00", "AP04", "stainless_steel", 0,
     255, 0, 0, 1, 224478488},
    {"P1P", "Bambu Lab P1P", "C11", "01.07.00.00", "AP04", "stainless_steel", 0,
     255, 0, 0, 1, 224478488},
    {"A1", "Bambu Lab A1", "N2S", "01.04.00.00", "AP08", "stainless_steel", 0,
     255, 0, 0, 1, 224478488},
    {"A1M", "Bambu Lab A1 mini", "N1", "01.04.00.00", "AP07", "stainless_steel",
     0, 255, 0, 0, 1, 224478488},
};

struct material {
    const char *type, *sub, *idx;
    int tmin, tmax, nozzle, bed;
};

static const struct material materials[] = {
    {"PLA", "PLA Basic", "GFA00", 190, 230, 220, 55},
    {"PETG", "PETG Basic", "GFG00", 230, 260, 250, 70},
    {"ABS", "ABS", "GFB00", 240, 270, 260, 90},
    {"ASA", "ASA", "GFB01", 240, 270, 260, 90},
    {"TPU", "TPU 95A", "GFU01", 200, 250, 230, 35},
    {"PA", "PA-CF", "GFN03", 260, 290, 280, 100},
    {"PC", "PC", "GFC00", 260, 290, 270, 100},
    {NULL, "", "GFL99", 190, 250, 220, 60}, /* anything else */
};

struct hms {
    int64_t attr, code;
};

struct tray {
    int present;
    char type[16], sub[32], idx[16], color[9], uuid[33], tag[17];
    double remain; /* percent; < 0 unknown */
    int weight;    /* grams on a full spool, 0 unknown */
    int tmin, tmax;
};

struct printer {
    char serial[64];
    const struct model *model;
    int units; /* AMS units, 0 = external spool only */
    struct mosquitto *mosq;
    int connected, offline, silent, locked, pushing_off;
    double reconnect_at, backoff;

    enum gstate st;
    int st_seen; /* the current state went out in a report */
    int has_job;
    double prep_total, prep_left; /* simulated seconds */
    double job_len, job_done;     /* simulated seconds of printing */
    double grams;
    int map[MAX_MAP], nmap; /* global tray per filament, -1 unused */
    char file[256], name[128], task_id[32], subtask_id[32], project_id[32],
        profile_id[32], gcode_file[96];
    int64_t start_time;
    int total_layers;

    int64_t print_error;
    double err_until; /* real time when a brief print_error is undone */
    int64_t err_restore;
    struct hms hms[MAX_HMS];
    int nhms;

    int fail_armed, fail_pct;
    int64_t fail_error;
    struct hms fail_hms[MAX_HMS];
    int fail_nhms;

    double nozzle, nozzle_target, bed, bed_target, chamber;
    int spd_lvl;
    int tray_now, tray_pre, tray_tar;
    struct tray tray[MAX_TRAYS], vt;
    int ams_version;
    int light_on;

    unsigned long seq;
    json_object *last; /* the print object the last report was made from */
    double next_push, next_state, last_pushall;
    int kick, want_full, state_dirty;
    long pushalls, pushall_fast, requests, started, finished, failed, cancelled,
        refused;
    char last_refusal[32];

    /* the flood fault: bytes still to send, frame sizes, what went out */
    int64_t flood_left, flood_sent, flood_kb, flood_big_kb, flood_big_every;
    long flood_frames, flood_big;
};

struct opts {
    const char *host, *cafile, *user, *password, *ftp_dir, *serial_prefix;
    const char *count_model;
    int port, keepalive, count, count_units;
    double scale, job_seconds, grams, prepare, hold, busy_push, idle_push;
};

static struct opts opt = {
    .host = "127.0.0.1",
    .user = "bblp",
    .password = "12345678",
    .serial_prefix = "SIM",
    .port = 8883,
    .keepalive = 30,
    .count_units = 1,
    .scale = 1,
    .job_seconds = 600,
    .grams = 20,
    .prepare = 20,
    .hold = 5,
    .busy_push = 1,
    .idle_push = 5,
};

static struct printer *printers;
static int nprinters;
static struct mosquitto *ctl;
static int ctl_connected;
static double ctl_reconnect_at, ctl_backoff;
static volatile sig_atomic_t stopping;

/* ---------------------------------------------------------------- helpers */

/* Seconds on the monotonic clock: the simulation's timers are doubles. */
static double
mono(void)
{
    return (double)clock_mono_ms() / 1000.0;
}

static void
put_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
put_int(json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void
put_bool(json_object *o, const char *k, int v)
{
    json_object_object_add(o, k, json_object_new_boolean(v != 0));
}

/* A float with one decimal, serialised as written ("219.6", not
 * 219.59999999999999). */
static void
put_temp(json_object *o, const char *k, double v)
{
    char s[32];
    double r = (double)(int64_t)(v * 10 + (v >= 0 ? 0.5 : -0.5)) / 10;

    snprintf(s, sizeof(s), "%.1f", r);
    json_object_object_add(o, k, json_object_new_double_s(r, s));
}

static json_object *
hms_json(const struct hms *h, int n)
{
    json_object *a = json_object_new_array();

    for (int i = 0; i < n; i++) {
        json_object *e = json_object_new_object();
        put_int(e, "attr", h[i].attr);
        put_int(e, "code", h[i].code);
        json_object_array_add(a, e);
    }
    return a;
}

static const char *
get_str(json_object *o, const char *k)
{
    json_object *v;

    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* An integer given as a JSON integer, an integral double or a numeric
 * string (printers and clients are lenient both ways). 0, or -1 when
 * missing or not a number. */
static int
get_int(json_object *o, const char *k, int64_t *out)
{
    json_object *v;
    const char *s;
    char *end;
    double d;

    if (!json_object_object_get_ex(o, k, &v))
        return -1;
    switch (json_object_get_type(v)) {
    case json_type_int:
        *out = json_object_get_int64(v);
        return 0;
    case json_type_double:
        d = json_object_get_double(v);
        if (d != (double)(int64_t)d)
            return -1;
        *out = (int64_t)d;
        return 0;
    case json_type_string:
        s = json_object_get_string(v);
        errno = 0;
        *out = strtoll(s, &end, 10);
        if (errno || end == s || *end != '\0')
            return -1;
        return 0;
    default:
        return -1;
    }
}

/* 1 true, 0 false, -1 missing or not a boolean. */
static int
get_bool(json_object *o, const char *k)
{
    json_object *v;

    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return -1;
    return json_object_get_boolean(v) ? 1 : 0;
}

/* Copies an id given as a string or an integer; "0" otherwise. */
static void
get_id(json_object *o, const char *k, char *buf, size_t n)
{
    int64_t v;
    const char *s = get_str(o, k);

    if (s != NULL)
        str_copy(buf, n, s);
    else if (get_int(o, k, &v) == 0)
        snprintf(buf, n, "%" PRId64, v);
    else
        str_copy(buf, n, "0");
}

static json_object *
parse_json(const void *data, int len)
{
    json_tokener *tok;
    json_object *o;

    if (data == NULL || len <= 0)
        return NULL;
    tok = json_tokener_new();
    if (tok == NULL)
        return NULL;
    o = json_tokener_parse_ex(tok, data, len);
    if (o != NULL && json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    if (o != NULL && !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

static void
publish(struct mosquitto *m, const char *topic, json_object *o, int qos,
        int retain)
{
    size_t len;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int rc = mosquitto_publish(m, NULL, topic, (int)len, s, qos, retain);

    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
        log_error("publish %s: %s", topic, mosquitto_strerror(rc));
}

static uint64_t
fnv(const char *s, uint64_t salt)
{
    uint64_t h = 1469598103934665603ULL ^ salt;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static const struct material *
material_of(const char *type)
{
    const struct material *m = materials;

    for (; m->type != NULL; m++)
        if (strcasecmp(m->type, type) == 0)
            return m;
    return m;
}

static int
is_busy(enum gstate st)
{
    return st == ST_PREPARE || st == ST_RUNNING || st == ST_PAUSE;
}

static int
can_report(const struct printer *p)
{
    return p->connected && !p->silent;
}

static int
spd_mag(int lvl)
{
    static const int mag[] = {100, 50, 100, 124, 166};

    return mag[lvl >= 1 && lvl <= 4 ? lvl : 2];
}

/* ------------------------------------------------------------------ trays */

/* The whole percent a tray reports (-1 unknown); float dust from summing
 * many small consumptions must not turn 50 into 49. */
static int64_t
remain_pct(const struct tray *t)
{
    return t->remain < 0 ? -1 : (int64_t)(t->remain + 1e-6);
}

static void
tray_fill(struct printer *p, int slot, struct tray *t, const char *type,
          const char *color, double remain)
{
    const struct material *m = material_of(type);
    uint64_t a = fnv(p->serial, (uint64_t)slot * 2 + 1);
    uint64_t b = fnv(p->serial, (uint64_t)slot * 2 + 2);

    memset(t, 0, sizeof(*t));
    t->present = 1;
    str_copy(t->type, sizeof(t->type), type);
    str_copy(t->sub, sizeof(t->sub), m->type ? m->sub : type);
    str_copy(t->idx, sizeof(t->idx), m->idx);
    str_copy(t->color, sizeof(t->color), color);
    snprintf(t->uuid, sizeof(t->uuid), "%016" PRIX64 "%016" PRIX64, a, b);
    snprintf(t->tag, sizeof(t->tag), "%016" PRIX64, a ^ b);
    t->remain = remain;
    t->weight = 1000;
    t->tmin = m->tmin;
    t->tmax = m->tmax;
}

static struct tray *
tray_at(struct printer *p, int slot)
{
    if (slot == VT_SLOT)
        return &p->vt;
    if (slot < 0 || slot >= p->units * 4)
        return NULL;
    return &p->tray[slot];
}

static void
trays_init(struct printer *p)
{
    static const struct {
        const char *type, *color;
        double remain;
    } def[MAX_TRAYS] = {
        {"PLA", "F4F4F0FF", 100}, {"PLA", "1B1B1BFF", 80},
        {"PETG", "1E73BEFF", 60}, {"PLA", "C12E1FFF", 100},
        {"ABS", "FFFFFFFF", 90},  {"ASA", "2F9E44FF", 70},
        {"PETG", "F4A900FF", 50}, {"TPU", "000000FF", 100},
    };

    for (int i = 0; i < p->units * 4; i++)
        tray_fill(p, i, &p->tray[i], def[i].type, def[i].color, def[i].remain);
    if (p->units == 0) {
        tray_fill(p, VT_SLOT, &p->vt, "PLA", "898989FF", 0);
        memset(p->vt.uuid, '0', 32);
        memset(p->vt.tag, '0', 16);
        p->tray_now = p->tray_pre = VT_SLOT;
    } else {
        p->tray_now = p->tray_pre = NO_TRAY;
    }
    p->tray_tar = NO_TRAY;
}

static json_object *
tray_json(const struct tray *t, int id)
{
    json_object *o = json_object_new_object(), *cols;
    char s[16];

    snprintf(s, sizeof(s), "%d", id);
    put_str(o, "id", s);
    if (!t->present && id != VT_SLOT)
        return o; /* an empty slot is just its id */
    put_str(o, "tray_id_name", "");
    put_str(o, "tray_info_idx", t->present ? t->idx : "");
    put_str(o, "tray_type", t->present ? t->type : "");
    put_str(o, "tray_sub_brands", t->present ? t->sub : "");
    put_str(o, "tray_color", t->present ? t->color : "00000000");
    cols = json_object_new_array();
    if (t->present)
        json_object_array_add(cols, json_object_new_string(t->color));
    json_object_object_add(o, "cols", cols);
    snprintf(s, sizeof(s), "%d", t->present ? t->weight : 0);
    put_str(o, "tray_weight", s);
    put_str(o, "tray_diameter", "1.75");
    put_str(o, "drying_temp", "0");
    put_str(o, "drying_time", "0");
    put_int(o, "remain", t->present ? remain_pct(t) : 0);
    snprintf(s, sizeof(s), "%d", t->present ? t->tmin : 0);
    put_str(o, "nozzle_temp_min", s);
    snprintf(s, sizeof(s), "%d", t->present ? t->tmax : 0);
    put_str(o, "nozzle_temp_max", s);
    put_str(o, "tag_uid", t->present ? t->tag : "0000000000000000");
    put_str(o, "tray_uuid",
            t->present ? t->uuid : "00000000000000000000000000000000");
    put_int(o, "total_len", t->present ? 330000 : 0);
    json_object_object_add(o, "k", json_object_new_double_s(0.02, "0.02"));
    put_int(o, "cali_idx", -1);
    return o;
}

static json_object *
ams_json(const struct printer *p)
{
    json_object *o = json_object_new_object(), *units;
    unsigned exist = 0, bbl = 0;
    char s[16];

    units = json_object_new_array();
    for (int u = 0; u < p->units; u++) {
        json_object *unit = json_object_new_object(), *trays;
        snprintf(s, sizeof(s), "%d", u);
        put_str(unit, "id", s);
        put_str(unit, "humidity", "4");
        put_str(unit, "humidity_raw", "24");
        put_str(unit, "temp", "27.1");
        trays = json_object_new_array();
        for (int i = 0; i < 4; i++) {
            const struct tray *t = &p->tray[u * 4 + i];
            json_object_array_add(trays, tray_json(t, i));
            if (t->present)
                exist |= 1u << (u * 4 + i);
            if (t->present && strspn(t->uuid, "0") != 32)
                bbl |= 1u << (u * 4 + i);
        }
        json_object_object_add(unit, "tray", trays);
        json_object_array_add(units, unit);
    }
    json_object_object_add(o, "ams", units);
    snprintf(s, sizeof(s), "%x", (1u << p->units) - 1);
    put_str(o, "ams_exist_bits", s);
    snprintf(s, sizeof(s), "%x", exist);
    put_str(o, "tray_exist_bits", s);
    snprintf(s, sizeof(s), "%x", bbl);
    put_str(o, "tray_is_bbl_bits", s);
    snprintf(s, sizeof(s), "%x", exist);
    put_str(o, "tray_read_done_bits", s);
    put_str(o, "tray_reading_bits", "0");
    snprintf(s, sizeof(s), "%d", p->tray_now);
    put_str(o, "tray_now", s);
    snprintf(s, sizeof(s), "%d", p->tray_pre);
    put_str(o, "tray_pre", s);
    snprintf(s, sizeof(s), "%d", p->tray_tar);
    put_str(o, "tray_tar", s);
    put_bool(o, "insert_flag", 1);
    put_bool(o, "power_on_flag", 0);
    put_int(o, "version", p->ams_version);
    return o;
}

/* ------------------------------------------------------------- job model */

static int
percent(const struct printer *p)
{
    int v;

    if (p->st == ST_FINISH)
        return 100;
    if (!p->has_job || p->job_len <= 0)
        return 0;
    v = (int)(100 * p->job_done / p->job_len);
    return v < 0 ? 0 : v > 99 ? 99 : v;
}

static int
remaining_minutes(const struct printer *p)
{
    double left;

    if (!is_busy(p->st))
        return 0;
    left = (p->job_len - p->job_done) * 100 / spd_mag(p->spd_lvl);
    if (p->st == ST_PREPARE)
        left += p->prep_left;
    return (int)((left + 59) / 60);
}

static int
layer(const struct printer *p)
{
    int v;

    if (!p->has_job || p->st == ST_PREPARE)
        return 0;
    if (p->st == ST_FINISH)
        return p->total_layers;
    v = 1 + (int)(p->total_layers * p->job_done / p->job_len);
    return v > p->total_layers ? p->total_layers : v;
}

static int
stage(const struct printer *p)
{
    switch (p->st) {
    case ST_PREPARE:
        if (p->prep_left > p->prep_total * 2 / 3)
            return 2; /* heatbed preheating */
        if (p->prep_left > p->prep_total / 3)
            return 1; /* auto bed levelling */
        return 7;     /* heating hotend */
    case ST_RUNNING:
        return 0;
    case ST_PAUSE:
        return 16; /* paused by user */
    default:
        return p->model->idle_stage;
    }
}

static void
set_state(struct printer *p, enum gstate st)
{
    if (p->st != st)
        log_info("%s: %s -> %s", p->serial, state_names[p->st],
                 state_names[st]);
    p->st = st;
    p->st_seen = 0;
    p->kick = 1;
    p->state_dirty = 1;
}

/* Sets print_error to code for --hold real seconds, then to restore. */
static void
error_brief(struct printer *p, int64_t code, int64_t restore)
{
    if (p->err_until == 0)
        p->err_restore = restore;
    p->print_error = code;
    p->err_until = mono() + opt.hold;
    p->kick = 1;
    p->state_dirty = 1;
}

static void
cool_down(struct printer *p)
{
    p->nozzle_target = 0;
    p->bed_target = 0;
}

static void
consume(struct printer *p, double grams)
{
    struct tray *t[MAX_MAP];
    int n = 0;

    for (int i = 0; i < p->nmap; i++) {
        struct tray *x = tray_at(p, p->map[i]);
        int dup = 0;
        if (x == NULL || !x->present || x->remain < 0 || x->weight <= 0)
            continue;
        for (int j = 0; j < n; j++)
            dup |= t[j] == x;
        if (!dup)
            t[n++] = x;
    }
    for (int i = 0; i < n; i++) {
        int64_t before = remain_pct(t[i]);
        t[i]->remain -= grams / n / t[i]->weight * 100;
        if (t[i]->remain < 0)
            t[i]->remain = 0;
        if (remain_pct(t[i]) != before)
            p->state_dirty = 1;
    }
}

static void
finish_job(struct printer *p)
{
    if (p->job_done < p->job_len)
        consume(p, p->grams * (p->job_len - p->job_done) / p->job_len);
    p->job_done = p->job_len;
    p->prep_left = 0;
    p->finished++;
    cool_down(p);
    set_state(p, ST_FINISH);
}

static void
fail_job(struct printer *p, int64_t code, const struct hms *h, int n)
{
    p->err_until = 0;
    p->print_error = code;
    p->nhms = n;
    memcpy(p->hms, h, (size_t)n * sizeof(*h));
    p->fail_armed = 0;
    p->failed++;
    cool_down(p);
    log_info("%s: job failed with print_error %" PRId64, p->serial, code);
    set_state(p, ST_FAILED);
}

/* A user cancel (screen, or print.stop): FAILED with 0300_400C, which goes
 * back to 0 a few seconds later. */
static void
cancel_job(struct printer *p)
{
    p->err_until = 0;
    error_brief(p, ERR_CANCELLED, 0);
    p->cancelled++;
    cool_down(p);
    log_info("%s: job cancelled", p->serial);
    set_state(p, ST_FAILED);
}

static double
approach(double cur, double target, double frac)
{
    if (frac > 1)
        frac = 1;
    return cur + (target - cur) * frac;
}

/* Advances one printer by dt simulated seconds. */
static void
step(struct printer *p, double dt, double now)
{
    double adv;

    if (p->err_until > 0 && now >= p->err_until) {
        p->print_error = p->err_restore;
        p->err_until = 0;
        p->kick = 1;
        p->state_dirty = 1;
    }
    if (!can_report(p) || p->pushing_off)
        p->st_seen = 1; /* nobody to show it to */
    switch (p->st) {
    case ST_PREPARE:
        p->nozzle = approach(p->nozzle, p->nozzle_target,
                             p->prep_left > dt ? dt / p->prep_left : 1);
        p->bed = approach(p->bed, p->bed_target,
                          p->prep_left > dt ? dt / p->prep_left : 1);
        if (p->model->real_chamber)
            p->chamber = approach(p->chamber, 35, dt / 300);
        p->prep_left -= dt;
        if (p->prep_left <= 0 && p->st_seen) {
            p->prep_left = 0;
            p->nozzle = p->nozzle_target;
            p->bed = p->bed_target;
            set_state(p, ST_RUNNING);
        }
        break;
    case ST_RUNNING:
        p->nozzle = p->nozzle_target;
        p->bed = p->bed_target;
        adv = dt * spd_mag(p->spd_lvl) / 100;
        if (p->job_done + adv > p->job_len)
            adv = p->job_len - p->job_done;
        if (adv > 0) {
            consume(p, p->grams * adv / p->job_len);
            p->job_done += adv;
        }
        if (p->fail_armed && percent(p) >= p->fail_pct)
            fail_job(p, p->fail_error, p->fail_hms, p->fail_nhms);
        else if (p->job_done >= p->job_len && p->st_seen)
            finish_job(p);
        break;
    case ST_PAUSE:
        break;
    default:
        p->nozzle = approach(p->nozzle, 25, dt / 120);
        p->bed = approach(p->bed, 24, dt / 400);
        if (p->model->real_chamber)
            p->chamber = approach(p->chamber, 26, dt / 600);
        break;
    }
}

/* ---------------------------------------------------------------- reports */

static json_object *
build_body(const struct printer *p)
{
    const struct model *m = p->model;
    json_object *b = json_object_new_object(), *a, *e;
    int busy = is_busy(p->st), hot = p->nozzle > 50;
    char s[64];

    put_str(b, "gcode_state", state_names[p->st]);
    put_str(b, "print_type", p->has_job ? "local" : "idle");
    put_str(b, "mc_print_stage", busy ? "2" : "1");
    a = json_object_new_array();
    if (p->has_job) {
        json_object_array_add(a, json_object_new_int(2));
        json_object_array_add(a, json_object_new_int(1));
        json_object_array_add(a, json_object_new_int(7));
        json_object_array_add(a, json_object_new_int(0));
    }
    json_object_object_add(b, "stg", a);
    put_int(b, "stg_cur", stage(p));
    put_int(b, "mc_percent", percent(p));
    put_int(b, "mc_remaining_time", remaining_minutes(p));
    put_int(b, "layer_num", layer(p));
    put_int(b, "total_layer_num", p->has_job ? p->total_layers : 0);
    put_str(b, "subtask_name", p->name);
    put_str(b, "gcode_file", p->gcode_file);
    put_str(b, "task_id", p->has_job ? p->task_id : "0");
    put_str(b, "subtask_id", p->has_job ? p->subtask_id : "0");
    put_str(b, "project_id", p->has_job ? p->project_id : "0");
    put_str(b, "profile_id", p->has_job ? p->profile_id : "0");
    snprintf(s, sizeof(s), "%" PRId64, p->has_job ? p->start_time : 0);
    put_str(b, "gcode_start_time", s);
    put_str(b, "gcode_file_prepare_percent", p->has_job ? "100" : "0");
    put_temp(b, "nozzle_temper", p->nozzle);
    put_temp(b, "nozzle_target_temper", p->nozzle_target);
    put_temp(b, "bed_temper", p->bed);
    put_temp(b, "bed_target_temper", p->bed_target);
    put_temp(b, "chamber_temper", m->real_chamber ? p->chamber : 5);
    put_int(b, "spd_lvl", p->spd_lvl);
    put_int(b, "spd_mag", spd_mag(p->spd_lvl));
    put_str(b, "cooling_fan_speed", p->st == ST_RUNNING ? "15" : "0");
    put_str(b, "big_fan1_speed", "0");
    put_str(b, "big_fan2_speed", p->st == ST_RUNNING ? "6" : "0");
    put_str(b, "heatbreak_fan_speed", hot ? "15" : "0");
    put_int(b, "print_error", p->print_error);
    put_str(b, "mc_print_error_code", "0");
    put_str(b, "fail_reason", "0");
    json_object_object_add(b, "hms", hms_json(p->hms, p->nhms));
    put_bool(b, "sdcard", 1);
    put_int(b, "home_flag", m->home_flag | 0x100);
    if (m->has_fun) {
        snprintf(s, sizeof(s), "%" PRIX64,
                 (uint64_t)0x11830F9CFBULL | (p->locked ? 0x20000000u : 0));
        put_str(b, "fun", s);
    } else {
        put_int(b, "hw_switch_state", 1);
    }
    put_str(b, "wifi_signal", "-58dBm");
    put_str(b, "nozzle_diameter", "0.4");
    put_str(b, "nozzle_type", m->nozzle_type);
    put_int(b, "ams_status", 0);
    put_int(b, "ams_rfid_status", p->units ? 6 : 0);
    json_object_object_add(b, "ams", ams_json(p));
    json_object_object_add(b, "vt_tray", tray_json(&p->vt, VT_SLOT));
    a = json_object_new_array();
    e = json_object_new_object();
    put_str(e, "node", "chamber_light");
    put_str(e, "mode", p->light_on ? "on" : "off");
    json_object_array_add(a, e);
    if (m->full_frames) {
        e = json_object_new_object();
        put_str(e, "node", "work_light");
        put_str(e, "mode", "off");
        json_object_array_add(a, e);
    }
    json_object_object_add(b, "lights_report", a);
    e = json_object_new_object();
    put_str(e, "ipcam_dev", "1");
    put_str(e, "ipcam_record", "disable");
    put_str(e, "timelapse", "disable");
    put_str(e, "resolution", m->full_frames ? "1080p" : "");
    if (m->full_frames)
        put_str(e, "rtsp_url", "disable");
    json_object_object_add(b, "ipcam", e);
    e = json_object_new_object();
    put_str(e, "status", "idle");
    put_int(e, "progress", 0);
    put_str(e, "message", "");
    json_object_object_add(b, "upload", e);
    if (m->full_frames) {
        e = json_object_new_object();
        put_bool(e, "first_layer_inspector", 1);
        put_bool(e, "spaghetti_detector", 1);
        put_bool(e, "print_halt", 1);
        json_object_object_add(b, "xcam", e);
    }
    return b;
}

static void
report_topic(const struct printer *p, char *t, size_t n)
{
    snprintf(t, n, "device/%s/report", p->serial);
}

/* Publishes a status push: the whole print object, or (P1/A1) only the
 * keys that differ from the last push. Inside "ams" a delta carries only
 * the changed keys, but the unit array whole when any tray changed (so an
 * emptied slot, which is just {"id":"N"}, is never merged into stale
 * fields). */
static void
report(struct printer *p, int full)
{
    json_object *body = build_body(p), *frame, *wrap, *old;
    char s[32], topic[96];

    frame = json_object_new_object();
    put_str(frame, "command", "push_status");
    put_int(frame, "msg", full ? 0 : 1);
    snprintf(s, sizeof(s), "%lu", ++p->seq);
    put_str(frame, "sequence_id", s);
    json_object_object_foreach(body, key, val)
    {
        if (!full && p->last != NULL &&
            json_object_object_get_ex(p->last, key, &old)) {
            if (json_object_equal(old, val))
                continue;
            if (strcmp(key, "ams") == 0) {
                json_object *part = json_object_new_object(), *o2;
                json_object_object_foreach(val, k2, v2)
                {
                    if (json_object_object_get_ex(old, k2, &o2) &&
                        json_object_equal(o2, v2))
                        continue;
                    json_object_object_add(part, k2, json_object_get(v2));
                }
                json_object_object_add(frame, key, part);
                continue;
            }
        }
        json_object_object_add(frame, key, json_object_get(val));
    }
    wrap = json_object_new_object();
    json_object_object_add(wrap, "print", frame);
    report_topic(p, topic, sizeof(topic));
    publish(p->mosq, topic, wrap, 0, 0);
    json_object_put(wrap);
    json_object_put(p->last);
    p->last = body;
    p->st_seen = 1;
}

static void
publish_state(struct printer *p)
{
    json_object *o = json_object_new_object(), *a;
    char topic[96], s[16];

    put_str(o, "serial", p->serial);
    put_str(o, "model", p->model->name);
    put_bool(o, "online", p->connected);
    put_bool(o, "offline", p->offline);
    put_bool(o, "silent", p->silent);
    put_bool(o, "locked", p->locked);
    put_bool(o, "pushing", !p->pushing_off);
    put_str(o, "gcode_state", state_names[p->st]);
    put_str(o, "file", p->file);
    put_str(o, "subtask_name", p->name);
    put_str(o, "task_id", p->has_job ? p->task_id : "");
    put_int(o, "progress", percent(p));
    put_int(o, "layer_num", layer(p));
    put_int(o, "remaining_minutes", remaining_minutes(p));
    put_int(o, "print_error", p->print_error);
    json_object_object_add(o, "hms", hms_json(p->hms, p->nhms));
    put_bool(o, "fail_armed", p->fail_armed);
    put_int(o, "spd_lvl", p->spd_lvl);
    put_temp(o, "nozzle_temper", p->nozzle);
    put_temp(o, "bed_temper", p->bed);
    snprintf(s, sizeof(s), "%d", p->tray_now);
    put_str(o, "tray_now", s);
    a = json_object_new_array();
    for (int i = 0; i < p->units * 4; i++) {
        const struct tray *t = &p->tray[i];
        json_object *e = json_object_new_object();
        put_int(e, "slot", i);
        put_bool(e, "empty", !t->present);
        if (t->present) {
            put_str(e, "type", t->type);
            put_str(e, "color", t->color);
            put_int(e, "remain", remain_pct(t));
            put_temp(e, "remain_exact", t->remain);
            put_str(e, "uuid", t->uuid);
        }
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "trays", a);
    put_int(o, "pushalls", p->pushalls);
    put_int(o, "pushall_fast", p->pushall_fast);
    put_int(o, "requests", p->requests);
    put_int(o, "jobs_started", p->started);
    put_int(o, "jobs_finished", p->finished);
    put_int(o, "jobs_failed", p->failed);
    put_int(o, "jobs_cancelled", p->cancelled);
    put_int(o, "refusals", p->refused);
    put_str(o, "last_refusal", p->last_refusal);
    put_int(o, "flood_left", p->flood_left);
    put_int(o, "flood_sent", p->flood_sent);
    put_int(o, "flood_frames", p->flood_frames);
    put_int(o, "flood_big", p->flood_big);
    put_int(o, "time", (int64_t)time(NULL));
    snprintf(topic, sizeof(topic), "sim/%s/state", p->serial);
    publish(ctl, topic, o, 1, 1);
    json_object_put(o);
}

/* --------------------------------------------------------------- requests */

/* Answers a request on the report topic in the printer's shape: the
 * request's fields echoed (class, command, sequence_id included), plus
 * result and reason, plus err_code on a refusal. */
static void
answer(struct printer *p, const char *cls, json_object *req, const char *result,
       const char *reason, int64_t err_code)
{
    json_object *o, *wrap;
    char topic[96];

    if (!can_report(p))
        return;
    o = json_object_new_object();
    json_object_object_foreach(req, k, v)
    {
        json_object_object_add(o, k, json_object_get(v));
    }
    put_str(o, "result", result);
    put_str(o, "reason", reason);
    if (err_code != 0)
        put_int(o, "err_code", err_code);
    wrap = json_object_new_object();
    json_object_object_add(wrap, cls, o);
    report_topic(p, topic, sizeof(topic));
    publish(p->mosq, topic, wrap, 0, 0);
    json_object_put(wrap);
}

static void
refuse(struct printer *p, const char *cls, json_object *req, const char *what,
       const char *reason, int64_t err_code, int64_t print_error)
{
    p->refused++;
    str_copy(p->last_refusal, sizeof(p->last_refusal), what);
    p->state_dirty = 1;
    log_info("%s: refused %s: %s", p->serial,
             get_str(req, "command") ? get_str(req, "command") : "?", reason);
    answer(p, cls, req, "failed", reason, err_code);
    if (print_error != 0)
        error_brief(p, print_error,
                    p->err_until > 0 ? p->err_restore : p->print_error);
}

/* The file a project_file url names, relative to --ftp-dir, or NULL. */
static const char *
url_file(const char *url)
{
    static const char *const prefixes[] = {"file:///sdcard/", "ftp:///",
                                           "ftp://"};
    const char *name = NULL;

    if (url == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
        if (strncmp(url, prefixes[i], strlen(prefixes[i])) == 0) {
            name = url + strlen(prefixes[i]);
            break;
        }
    if (name == NULL)
        return NULL;
    while (*name == '/')
        name++;
    if (*name == '\0' || strlen(name) > 200)
        return NULL;
    for (const char *s = name; *s;
         s = strchr(s, '/') ? strchr(s, '/') + 1 : s + strlen(s)) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') ||
            (n == 2 && s[0] == '.' && s[1] == '.'))
            return NULL;
    }
    return name;
}

static const unsigned char *
find(const unsigned char *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);

    for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
        if (h[i] == (unsigned char)needle[0] && memcmp(h + i, needle, nn) == 0)
            return h + i;
    return NULL;
}

static double
number_after(const unsigned char *p, const unsigned char *end)
{
    char s[32];
    size_t n = 0;

    while (p + n < end && n < sizeof(s) - 1 &&
           (strchr("0123456789.", p[n]) != NULL))
        n++;
    memcpy(s, p, n);
    s[n] = '\0';
    return n ? strtod(s, NULL) : -1;
}

/* Reads the slicer's estimate (seconds) and weight (grams) from the
 * Metadata/slice_info.config of a sliced 3MF when that entry is stored
 * uncompressed (zip "stored", as Python's zipfile writes by default);
 * leaves them untouched otherwise. */
static void
scan_estimate(int fd, double *seconds, double *grams)
{
    static const char *const keys[] = {"key=\"prediction\" value=\"",
                                       "key=\"weight\" value=\""};
    unsigned char buf[65536 + 256];
    size_t keep = 0, total = 0;
    int found[2] = {0, 0};

    for (;;) {
        ssize_t r = read(fd, buf + keep, sizeof(buf) - keep);
        size_t len;
        if (r <= 0)
            break;
        len = keep + (size_t)r;
        total += (size_t)r;
        for (int k = 0; k < 2; k++) {
            const unsigned char *hit;
            double v;
            if (found[k] || (hit = find(buf, len, keys[k])) == NULL)
                continue;
            v = number_after(hit + strlen(keys[k]), buf + len);
            if (v > 0) {
                *(k == 0 ? seconds : grams) = v;
                found[k] = 1;
            }
        }
        if ((found[0] && found[1]) || total > (256u << 20))
            break;
        keep = len < 256 ? len : 256;
        memmove(buf, buf + len - keep, keep);
    }
}

static int
map_parse(struct printer *p, json_object *req, int use_ams, int *bad)
{
    json_object *a;

    *bad = 0;
    p->nmap = 0;
    if (!json_object_object_get_ex(req, "ams_mapping", &a))
        return 0;
    if (!json_object_is_type(a, json_type_array))
        return -1;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        int64_t v;
        struct tray *t;
        if (!json_object_is_type(e, json_type_int))
            return -1;
        v = json_object_get_int64(e);
        if (v == -1)
            continue;
        t = use_ams && v >= 0 && v < p->units * 4 ? &p->tray[v] : NULL;
        if (use_ams && (t == NULL || !t->present)) {
            *bad = 1;
            continue;
        }
        if (p->nmap < MAX_MAP)
            p->map[p->nmap++] = (int)v;
    }
    return 0;
}

static void
cmd_project_file(struct printer *p, json_object *req)
{
    const char *url = get_str(req, "url"), *param = get_str(req, "param");
    const char *rel = url_file(url), *sub = get_str(req, "subtask_name");
    char path[4096];
    struct stat sb;
    double seconds = opt.job_seconds, grams = opt.grams;
    int use_ams, bad_map, fd, plate = 1;
    const struct material *mat;
    struct tray *first;

    if (is_busy(p->st)) {
        refuse(p, "print", req, "busy",
               "device is busy, cannot start a new task", ERR_BUSY, ERR_BUSY);
        return;
    }
    if (param == NULL || strncmp(param, "Metadata/plate_", 15) != 0 ||
        sscanf(param + 15, "%d", &plate) != 1 || plate < 1 ||
        strlen(param) < 6 || strcmp(param + strlen(param) - 6, ".gcode") != 0) {
        refuse(p, "print", req, "param",
               "invalid param: want Metadata/plate_<N>.gcode", 0, 0);
        return;
    }
    use_ams = get_bool(req, "use_ams");
    if (use_ams < 0 && json_object_object_get_ex(req, "use_ams", NULL)) {
        refuse(p, "print", req, "param", "invalid param: use_ams", 0, 0);
        return;
    }
    if (use_ams < 0)
        use_ams = p->units > 0;
    if (map_parse(p, req, use_ams, &bad_map) < 0) {
        refuse(p, "print", req, "param", "invalid param: ams_mapping", 0, 0);
        return;
    }
    if ((use_ams && p->units == 0) || bad_map) {
        refuse(p, "print", req, "ams", "failed to get AMS mapping table",
               ERR_AMS_MAP, ERR_AMS_MAP);
        return;
    }
    fd = -1;
    if (rel != NULL && opt.ftp_dir != NULL &&
        (size_t)snprintf(path, sizeof(path), "%s/%s", opt.ftp_dir, rel) <
            sizeof(path))
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size <= 0) {
        if (fd >= 0)
            close(fd);
        refuse(p, "print", req, "file", "microSD card read/write exception",
               ERR_SDCARD, ERR_SDCARD);
        return;
    }
    scan_estimate(fd, &seconds, &grams);
    close(fd);

    answer(p, "print", req, "success", "", 0);
    str_copy(p->file, sizeof(p->file), rel);
    if (sub != NULL && *sub != '\0') {
        str_copy(p->name, sizeof(p->name), sub);
    } else {
        const char *b = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
        size_t n = strcspn(b, ".");
        snprintf(p->name, sizeof(p->name), "%.*s", (int)n, b);
    }
    if (p->model->full_frames)
        snprintf(p->gcode_file, sizeof(p->gcode_file),
                 "/data/Metadata/plate_%d.gcode", plate);
    else
        str_copy(p->gcode_file, sizeof(p->gcode_file), rel);
    get_id(req, "task_id", p->task_id, sizeof(p->task_id));
    get_id(req, "subtask_id", p->subtask_id, sizeof(p->subtask_id));
    get_id(req, "project_id", p->project_id, sizeof(p->project_id));
    get_id(req, "profile_id", p->profile_id, sizeof(p->profile_id));
    if (!use_ams)
        p->nmap = 0;
    first = p->nmap > 0 ? tray_at(p, p->map[0]) : NULL;
    mat = material_of(first ? first->type : p->vt.present ? p->vt.type : "");
    p->tray_pre = p->tray_now;
    p->tray_now = p->nmap > 0 ? p->map[0] : VT_SLOT;
    p->tray_tar = p->tray_now;
    p->ams_version++;
    p->has_job = 1;
    p->job_len = seconds > 1 ? seconds : 1;
    p->job_done = 0;
    p->grams = grams;
    p->total_layers = (int)(p->job_len / 20);
    if (p->total_layers < 10)
        p->total_layers = 10;
    if (p->total_layers > 2000)
        p->total_layers = 2000;
    p->prep_total = p->prep_left = opt.prepare > 0 ? opt.prepare : 0.001;
    p->start_time = (int64_t)time(NULL);
    p->err_until = 0;
    p->print_error = 0;
    p->nhms = 0;
    p->spd_lvl = 2;
    p->nozzle_target = mat->nozzle;
    p->bed_target = mat->bed;
    p->started++;
    log_info("%s: job %s (%s) accepted: %.0f s, %.1f g", p->serial, p->name,
             p->file, p->job_len, p->grams);
    set_state(p, ST_PREPARE);
}

static void
cmd_version(struct printer *p, json_object *req)
{
    json_object *mods = json_object_new_array(), *e, *o;
    char topic[96];

    e = json_object_new_object();
    put_str(e, "name", "ota");
    put_str(e, "product_name", p->model->product);
    put_str(e, "project_name", p->model->project);
    put_str(e, "sw_ver", p->model->sw_ver);
    put_str(e, "hw_ver", "");
    put_str(e, "sn", p->serial);
    json_object_array_add(mods, e);
    e = json_object_new_object();
    put_str(e, "name", "mc");
    put_str(e, "product_name", p->model->product);
    put_str(e, "project_name", p->model->project);
    put_str(e, "sw_ver", "00.00.30.00");
    put_str(e, "hw_ver", p->model->hw_ver);
    put_str(e, "sn", p->serial);
    json_object_array_add(mods, e);
    for (int u = 0; u < p->units; u++) {
        char name[16], sn[80];
        snprintf(name, sizeof(name), "ams/%d", u);
        snprintf(sn, sizeof(sn), "%sA%d", p->serial, u);
        e = json_object_new_object();
        put_str(e, "name", name);
        put_str(e, "sw_ver", "00.00.06.40");
        put_str(e, "hw_ver", "AMS08");
        put_str(e, "sn", sn);
        json_object_array_add(mods, e);
    }
    if (!can_report(p)) {
        json_object_put(mods);
        return;
    }
    o = json_object_new_object();
    json_object_object_foreach(req, k, v)
    {
        json_object_object_add(o, k, json_object_get(v));
    }
    json_object_object_add(o, "module", mods);
    put_str(o, "result", "success");
    put_str(o, "reason", "");
    e = json_object_new_object();
    json_object_object_add(e, "info", o);
    report_topic(p, topic, sizeof(topic));
    publish(p->mosq, topic, e, 0, 0);
    json_object_put(e);
}

static void
cmd_pushing(struct printer *p, json_object *req, const char *cmd)
{
    double now = mono();

    if (strcmp(cmd, "pushall") == 0) {
        if (p->last_pushall > 0 && now - p->last_pushall < 3) {
            p->pushall_fast++;
            log_info("%s: pushall %.1f s after the previous one (a real "
                     "printer lags when polled this often)",
                     p->serial, now - p->last_pushall);
        }
        p->last_pushall = now;
        p->pushalls++;
        p->want_full = 1;
        p->state_dirty = 1;
    } else if (strcmp(cmd, "start") == 0) {
        p->pushing_off = 0;
        p->want_full = 1;
        p->state_dirty = 1;
    } else if (strcmp(cmd, "stop") == 0) {
        p->pushing_off = 1;
        p->state_dirty = 1;
    } else {
        answer(p, "pushing", req, "failed", "unsupported command", 0);
    }
}

static void
cmd_ams_setting(struct printer *p, json_object *req)
{
    int64_t ams_id = -1, tray_id = -1, v;
    const char *type = get_str(req, "tray_type");
    const char *color = get_str(req, "tray_color");
    struct tray *t;
    int slot;

    get_int(req, "ams_id", &ams_id);
    if (get_int(req, "tray_id", &tray_id) < 0)
        get_int(req, "slot_id", &tray_id);
    slot = ams_id == 255 ? VT_SLOT : (int)(ams_id * 4 + (tray_id & 3));
    t = ams_id >= 0 && tray_id >= 0 ? tray_at(p, slot) : NULL;
    if (t == NULL || type == NULL || color == NULL || strlen(color) != 8) {
        answer(p, "print", req, "failed", "invalid param", 0);
        return;
    }
    if (!t->present)
        tray_fill(p, slot, t, type, color, -1);
    str_copy(t->type, sizeof(t->type), type);
    str_copy(t->color, sizeof(t->color), color);
    if (get_str(req, "tray_info_idx"))
        str_copy(t->idx, sizeof(t->idx), get_str(req, "tray_info_idx"));
    if (get_str(req, "tray_sub_brands"))
        str_copy(t->sub, sizeof(t->sub), get_str(req, "tray_sub_brands"));
    if (get_int(req, "nozzle_temp_min", &v) == 0)
        t->tmin = (int)v;
    if (get_int(req, "nozzle_temp_max", &v) == 0)
        t->tmax = (int)v;
    p->ams_version++;
    p->kick = p->state_dirty = 1;
    answer(p, "print", req, "success", "", 0);
}

static void
cmd_print(struct printer *p, json_object *req, const char *cmd)
{
    static const char *const noops[] = {
        "gcode_line",         "print_option",       "calibration",
        "unload_filament",    "skip_objects",       "ams_control",
        "ams_get_rfid",       "extrusion_cali_get", "extrusion_cali_sel",
        "extrusion_cali_set", "ams_user_setting",   NULL};
    const char *param = get_str(req, "param");
    int64_t target;

    if (strcmp(cmd, "project_file") == 0) {
        cmd_project_file(p, req);
    } else if (strcmp(cmd, "pause") == 0) {
        if (p->st != ST_RUNNING) {
            answer(p, "print", req, "failed", "not printing", 0);
            return;
        }
        answer(p, "print", req, "success", "", 0);
        set_state(p, ST_PAUSE);
    } else if (strcmp(cmd, "resume") == 0) {
        if (p->st != ST_PAUSE) {
            answer(p, "print", req, "failed", "not paused", 0);
            return;
        }
        answer(p, "print", req, "success", "", 0);
        set_state(p, ST_RUNNING);
    } else if (strcmp(cmd, "stop") == 0) {
        answer(p, "print", req, "success", "", 0);
        if (is_busy(p->st))
            cancel_job(p);
    } else if (strcmp(cmd, "print_speed") == 0) {
        if (param == NULL || strlen(param) != 1 || param[0] < '1' ||
            param[0] > '4') {
            answer(p, "print", req, "failed", "invalid param", 0);
            return;
        }
        p->spd_lvl = param[0] - '0';
        p->kick = p->state_dirty = 1;
        answer(p, "print", req, "success", "", 0);
    } else if (strcmp(cmd, "ams_change_filament") == 0) {
        if (get_int(req, "target", &target) < 0 ||
            (target != NO_TRAY && target != VT_SLOT &&
             (tray_at(p, (int)target) == NULL ||
              !tray_at(p, (int)target)->present))) {
            answer(p, "print", req, "failed", "invalid param", 0);
            return;
        }
        p->tray_pre = p->tray_now;
        p->tray_now = p->tray_tar = (int)target;
        p->ams_version++;
        p->kick = p->state_dirty = 1;
        answer(p, "print", req, "success", "", 0);
    } else if (strcmp(cmd, "ams_filament_setting") == 0) {
        cmd_ams_setting(p, req);
    } else {
        for (int i = 0; noops[i] != NULL; i++)
            if (strcmp(cmd, noops[i]) == 0) {
                answer(p, "print", req, "success", "", 0);
                return;
            }
        log_info("%s: unsupported print.%s", p->serial, cmd);
        answer(p, "print", req, "failed", "unsupported command", 0);
    }
}

static void
cmd_system(struct printer *p, json_object *req, const char *cmd)
{
    const char *node = get_str(req, "led_node");
    const char *mode = get_str(req, "led_mode");
    json_object *o;

    if (strcmp(cmd, "ledctrl") == 0) {
        if (node == NULL || mode == NULL) {
            answer(p, "system", req, "failed", "invalid param", 0);
            return;
        }
        if (strcmp(node, "chamber_light") == 0)
            p->light_on = strcmp(mode, "off") != 0;
        p->kick = 1;
        answer(p, "system", req, "success", "", 0);
    } else if (strcmp(cmd, "get_access_code") == 0) {
        o = json_object_get(req);
        put_str(o, "access_code", opt.password);
        answer(p, "system", o, "success", "", 0);
        json_object_put(o);
    } else {
        answer(p, "system", req, "failed", "unsupported command", 0);
    }
}

/* Commands the authorization firmware lets through without a signature. */
static int
needs_signature(const char *cls, const char *cmd)
{
    if (strcmp(cls, "pushing") == 0 || strcmp(cls, "info") == 0)
        return 0;
    if (strcmp(cls, "system") == 0)
        return strcmp(cmd, "ledctrl") != 0 &&
               strcmp(cmd, "get_access_code") != 0;
    return 1;
}

static int
has_verify_hms(const struct printer *p)
{
    for (int i = 0; i < p->nhms; i++)
        if (p->hms[i].attr == HMS_VERIFY_ATTR &&
            p->hms[i].code == HMS_VERIFY_CODE)
            return 1;
    return 0;
}

static void
handle_request(struct printer *p, const void *payload, int len)
{
    json_object *root = parse_json(payload, len);

    if (root == NULL) {
        log_info("%s: dropped a request that is not a JSON object (%d "
                 "bytes)",
                 p->serial, len);
        return;
    }
    p->requests++;
    p->state_dirty = 1;
    json_object_object_foreach(root, cls, req)
    {
        const char *cmd;
        if (!json_object_is_type(req, json_type_object) ||
            (cmd = get_str(req, "command")) == NULL) {
            log_info("%s: dropped %s request without a command", p->serial,
                     cls);
            continue;
        }
        if (strcmp(cls, "print") != 0 && strcmp(cls, "pushing") != 0 &&
            strcmp(cls, "info") != 0 && strcmp(cls, "system") != 0 &&
            strcmp(cls, "upgrade") != 0 && strcmp(cls, "camera") != 0 &&
            strcmp(cls, "xcam") != 0 && strcmp(cls, "security") != 0) {
            log_info("%s: ignored unknown class %s", p->serial, cls);
            continue;
        }
        if (p->locked && needs_signature(cls, cmd)) {
            refuse(p, cls, req, "locked", "mqtt message verify failed",
                   ERR_VERIFY, 0);
            if (p->nhms < MAX_HMS && !has_verify_hms(p)) {
                p->hms[p->nhms].attr = HMS_VERIFY_ATTR;
                p->hms[p->nhms].code = HMS_VERIFY_CODE;
                p->nhms++;
                p->kick = 1;
            }
            continue;
        }
        if (strcmp(cls, "pushing") == 0)
            cmd_pushing(p, req, cmd);
        else if (strcmp(cls, "print") == 0)
            cmd_print(p, req, cmd);
        else if (strcmp(cls, "system") == 0)
            cmd_system(p, req, cmd);
        else if (strcmp(cls, "info") == 0 && strcmp(cmd, "get_version") == 0)
            cmd_version(p, req);
        else
            answer(p, cls, req, "failed", "unsupported command", 0);
    }
    json_object_put(root);
}

/* ---------------------------------------------------------------- control */

static struct printer *
printer_find(const char *serial, size_t n)
{
    for (int i = 0; i < nprinters; i++)
        if (strlen(printers[i].serial) == n &&
            memcmp(printers[i].serial, serial, n) == 0)
            return &printers[i];
    return NULL;
}

static int
hms_parse(json_object *a, struct hms *out, int *n)
{
    *n = 0;
    if (!json_object_is_type(a, json_type_array))
        return -1;
    for (size_t i = 0; i < json_object_array_length(a) && *n < MAX_HMS; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_object) ||
            get_int(e, "attr", &out[*n].attr) < 0 ||
            get_int(e, "code", &out[*n].code) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

static void
ctl_fail(struct printer *p, json_object *f)
{
    json_object *a;
    int64_t v;

    if (!json_object_is_type(f, json_type_object)) {
        log_error("%s: control fail: want an object", p->serial);
        return;
    }
    p->fail_error = get_int(f, "print_error", &v) == 0 ? v : ERR_DEFAULT_FAIL;
    p->fail_nhms = 1;
    p->fail_hms[0].attr = HMS_DEFAULT_ATTR;
    p->fail_hms[0].code = HMS_DEFAULT_CODE;
    if (json_object_object_get_ex(f, "hms", &a) &&
        hms_parse(a, p->fail_hms, &p->fail_nhms) < 0) {
        log_error("%s: control fail: bad hms", p->serial);
        p->fail_nhms = 0;
    }
    p->fail_pct = get_int(f, "at_percent", &v) == 0 ? (int)v : 0;
    if (is_busy(p->st) && p->fail_pct <= percent(p)) {
        fail_job(p, p->fail_error, p->fail_hms, p->fail_nhms);
    } else {
        p->fail_armed = 1;
        p->state_dirty = 1;
        log_info("%s: failure armed at %d %%", p->serial, p->fail_pct);
    }
}

static void
ctl_ams(struct printer *p, json_object *a)
{
    int64_t slot, remain;
    const char *type = get_str(a, "type"), *color = get_str(a, "color");
    const char *uuid = get_str(a, "uuid");
    struct tray *t;
    char col[9];

    if (!json_object_is_type(a, json_type_object) ||
        get_int(a, "slot", &slot) < 0 ||
        (t = tray_at(p, slot > 9999 || slot < 0 ? -1 : (int)slot)) == NULL) {
        log_error("%s: control ams: bad or missing slot", p->serial);
        return;
    }
    if (color != NULL) {
        size_t n = strlen(color);
        if ((n != 6 && n != 8) ||
            strspn(color, "0123456789abcdefABCDEF") != n) {
            log_error("%s: control ams: bad color", p->serial);
            return;
        }
        memcpy(col, color, n);
        memcpy(col + n, "FF", 8 - n);
        col[8] = '\0';
        for (char *c = col; *c; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 'a' + 'A');
    }
    if (get_bool(a, "empty") == 1) {
        memset(t, 0, sizeof(*t));
        if (p->tray_now == slot)
            p->tray_now = NO_TRAY;
    } else {
        if (!t->present)
            tray_fill(p, (int)slot, t, type ? type : "PLA",
                      color ? col : "FFFFFFFF", 100);
        else if (type != NULL) {
            const struct material *m = material_of(type);
            str_copy(t->type, sizeof(t->type), type);
            str_copy(t->sub, sizeof(t->sub), m->type ? m->sub : type);
            str_copy(t->idx, sizeof(t->idx), m->idx);
            t->tmin = m->tmin;
            t->tmax = m->tmax;
        }
        if (color != NULL)
            str_copy(t->color, sizeof(t->color), col);
        if (get_int(a, "remain", &remain) == 0)
            t->remain = remain < 0 ? -1 : remain > 100 ? 100 : (double)remain;
        if (get_int(a, "weight", &remain) == 0 && remain >= 0)
            t->weight = (int)remain;
        if (uuid != NULL && strlen(uuid) == 32)
            str_copy(t->uuid, sizeof(t->uuid), uuid);
    }
    p->ams_version++;
    p->kick = p->state_dirty = 1;
    log_info("%s: tray %d changed", p->serial, (int)slot);
}

/* {"flood": {"mb", "frame_kb", "big_kb", "big_every"}}: see the top. */
static void
ctl_flood(struct printer *p, json_object *f)
{
    int64_t mb, kb = 64, big_kb = 512, every = 20;

    if (!json_object_is_type(f, json_type_object) ||
        get_int(f, "mb", &mb) < 0 || mb < 0 || mb > 4096 ||
        (json_object_object_get_ex(f, "frame_kb", NULL) &&
         (get_int(f, "frame_kb", &kb) < 0 || kb < 1 || kb > 16384)) ||
        (json_object_object_get_ex(f, "big_kb", NULL) &&
         (get_int(f, "big_kb", &big_kb) < 0 || big_kb < 1 || big_kb > 16384)) ||
        (json_object_object_get_ex(f, "big_every", NULL) &&
         (get_int(f, "big_every", &every) < 0 || every < 0))) {
        log_error("%s: control flood: want {\"mb\": 0-4096, \"frame_kb\": "
                  "1-16384, \"big_kb\": 1-16384, \"big_every\": >= 0}",
                  p->serial);
        return;
    }
    p->flood_left = mb * 1024 * 1024;
    p->flood_kb = kb;
    p->flood_big_kb = big_kb;
    p->flood_big_every = every;
    log_info("%s: flood of %" PRId64 " MB in %" PRId64 " KB frames, every "
             "%" PRId64 "th %" PRId64 " KB",
             p->serial, mb, kb, every, big_kb);
}

static void
ctl_apply(struct printer *p, json_object *o)
{
    json_object_object_foreach(o, key, val)
    {
        int on = json_object_get_boolean(val);
        if (strcmp(key, "fail") == 0) {
            ctl_fail(p, val);
        } else if (strcmp(key, "cancel") == 0) {
            if (on && is_busy(p->st))
                cancel_job(p);
            else if (on)
                log_info("%s: cancel while %s ignored", p->serial,
                         state_names[p->st]);
        } else if (strcmp(key, "silent") == 0) {
            p->silent = on;
            log_info("%s: silent %s", p->serial, on ? "on" : "off");
        } else if (strcmp(key, "offline") == 0) {
            p->offline = on;
            log_info("%s: offline %s", p->serial, on ? "on" : "off");
            if (on && mosquitto_socket(p->mosq) >= 0)
                mosquitto_disconnect(p->mosq);
            if (!on) {
                p->reconnect_at = mono();
                p->backoff = 0;
            }
        } else if (strcmp(key, "locked") == 0) {
            p->locked = on;
            log_info("%s: locked %s", p->serial, on ? "on" : "off");
            if (!on) {
                int j = 0;
                for (int i = 0; i < p->nhms; i++)
                    if (p->hms[i].attr != HMS_VERIFY_ATTR)
                        p->hms[j++] = p->hms[i];
                p->nhms = j;
            }
            p->kick = 1;
        } else if (strcmp(key, "ams") == 0) {
            ctl_ams(p, val);
        } else if (strcmp(key, "flood") == 0) {
            ctl_flood(p, val);
        } else if (strcmp(key, "finish_now") == 0) {
            if (on && is_busy(p->st))
                finish_job(p);
        } else if (strcmp(key, "hms") == 0) {
            if (hms_parse(val, p->hms, &p->nhms) < 0)
                log_error("%s: control hms: bad list", p->serial);
            p->kick = 1;
        } else if (strcmp(key, "reset") == 0) {
            if (on && !is_busy(p->st)) {
                p->err_until = 0;
                p->print_error = 0;
                p->nhms = 0;
                p->fail_armed = 0;
                set_state(p, ST_IDLE);
            }
        } else {
            log_info("%s: unknown control key %s", p->serial, key);
        }
    }
    p->state_dirty = 1;
}

/* -------------------------------------------------------------- transport */

static void
on_printer_connect(struct mosquitto *m, void *ud, int rc)
{
    struct printer *p = ud;
    char topic[96];

    if (rc != 0) {
        log_error("%s: broker refused: %s", p->serial,
                  mosquitto_connack_string(rc));
        return;
    }
    snprintf(topic, sizeof(topic), "device/%s/request", p->serial);
    mosquitto_subscribe(m, NULL, topic, 1);
    p->connected = 1;
    p->backoff = 0;
    p->want_full = 1;
    p->state_dirty = 1;
    log_info("%s: connected", p->serial);
}

static void
on_printer_disconnect(struct mosquitto *m, void *ud, int rc)
{
    struct printer *p = ud;

    (void)m;
    if (p->connected)
        log_info("%s: disconnected (%s)", p->serial,
                 rc == 0 ? "on purpose" : mosquitto_strerror(rc));
    p->connected = 0;
    p->state_dirty = 1;
}

static void
on_printer_message(struct mosquitto *m, void *ud,
                   const struct mosquitto_message *msg)
{
    (void)m;
    handle_request(ud, msg->payload, msg->payloadlen);
}

static void
on_ctl_connect(struct mosquitto *m, void *ud, int rc)
{
    (void)ud;
    if (rc != 0) {
        log_error("control: broker refused: %s", mosquitto_connack_string(rc));
        return;
    }
    mosquitto_subscribe(m, NULL, "sim/+/control", 1);
    ctl_connected = 1;
    ctl_backoff = 0;
    for (int i = 0; i < nprinters; i++)
        printers[i].state_dirty = 1;
}

static void
on_ctl_disconnect(struct mosquitto *m, void *ud, int rc)
{
    (void)m;
    (void)ud;
    (void)rc;
    ctl_connected = 0;
}

static void
on_ctl_message(struct mosquitto *m, void *ud,
               const struct mosquitto_message *msg)
{
    const char *t = msg->topic, *end;
    struct printer *p;
    json_object *o;

    (void)m;
    (void)ud;
    if (strncmp(t, "sim/", 4) != 0 || (end = strchr(t + 4, '/')) == NULL ||
        strcmp(end, "/control") != 0)
        return;
    p = printer_find(t + 4, (size_t)(end - t - 4));
    if (p == NULL)
        return; /* another simulator's printer */
    o = parse_json(msg->payload, msg->payloadlen);
    if (o == NULL) {
        log_error("%s: control message is not a JSON object", p->serial);
        return;
    }
    ctl_apply(p, o);
    json_object_put(o);
}

static struct mosquitto *
client_new(const char *id, void *ud)
{
    struct mosquitto *m = mosquitto_new(id, true, ud);
    int rc;

    if (m == NULL) {
        log_error("mosquitto_new: %s", strerror(errno));
        exit(1);
    }
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(m, 0);
    mosquitto_username_pw_set(m, opt.user, opt.password);
    if (opt.cafile != NULL) {
        rc = mosquitto_tls_set(m, opt.cafile, NULL, NULL, NULL, NULL);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_tls_opts_set(m, 1, "tlsv1.2", NULL);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_tls_insecure_set(m, true); /* chain only */
        if (rc != MOSQ_ERR_SUCCESS) {
            log_error("TLS setup with %s: %s", opt.cafile,
                      mosquitto_strerror(rc));
            exit(1);
        }
    }
    return m;
}

/* Starts a connection (TCP connect blocks, on loopback briefly; the TLS
 * handshake and CONNACK complete in the poll loop). */
static int
client_connect(struct mosquitto *m, const char *who, double *backoff,
               double *at)
{
    int rc = mosquitto_connect(m, opt.host, opt.port, opt.keepalive);

    if (rc == MOSQ_ERR_SUCCESS) {
        *at = 0;
        return 0;
    }
    *backoff = *backoff < 0.25 ? 0.25 : *backoff * 2 > 5 ? 5 : *backoff * 2;
    *at = mono() + *backoff;
    if (*backoff >= 1)
        log_error("%s: connect to %s:%d: %s", who, opt.host, opt.port,
                  rc == MOSQ_ERR_ERRNO ? strerror(errno)
                                       : mosquitto_strerror(rc));
    return -1;
}

/* Reconnects clients whose socket is gone, after their backoff. */
static void
reconnect_due(double now)
{
    for (int i = 0; i < nprinters; i++) {
        struct printer *p = &printers[i];
        if (mosquitto_socket(p->mosq) >= 0 || p->offline || stopping)
            continue;
        if (p->connected) {
            p->connected = 0;
            p->state_dirty = 1;
        }
        if (p->reconnect_at == 0) {
            p->backoff = p->backoff < 0.25 ? 0.25 : p->backoff * 2;
            if (p->backoff > 5)
                p->backoff = 5;
            p->reconnect_at = now + p->backoff;
        }
        if (now >= p->reconnect_at)
            client_connect(p->mosq, p->serial, &p->backoff, &p->reconnect_at);
    }
    if (mosquitto_socket(ctl) < 0 && !stopping) {
        ctl_connected = 0;
        if (ctl_reconnect_at == 0) {
            ctl_backoff = ctl_backoff < 0.25 ? 0.25 : ctl_backoff * 2;
            if (ctl_backoff > 5)
                ctl_backoff = 5;
            ctl_reconnect_at = now + ctl_backoff;
        }
        if (now >= ctl_reconnect_at)
            client_connect(ctl, "control", &ctl_backoff, &ctl_reconnect_at);
    }
}

/* One poll() over every open socket, then reads, writes and keepalives. */
static void
pump(struct pollfd *fds, struct mosquitto **ms, int timeout_ms)
{
    int n = 0;

    for (int i = 0; i <= nprinters; i++) {
        struct mosquitto *m = i < nprinters ? printers[i].mosq : ctl;
        int fd = mosquitto_socket(m);
        if (fd < 0)
            continue;
        fds[n].fd = fd;
        fds[n].events = POLLIN | (mosquitto_want_write(m) ? POLLOUT : 0);
        fds[n].revents = 0;
        ms[n++] = m;
    }
    if (poll(fds, (nfds_t)n, timeout_ms) < 0 && errno != EINTR) {
        log_error("poll: %s", strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
            mosquitto_loop_read(ms[i], 1);
        if ((fds[i].revents & POLLOUT) && mosquitto_socket(ms[i]) >= 0)
            mosquitto_loop_write(ms[i], 1);
        if (mosquitto_socket(ms[i]) >= 0)
            mosquitto_loop_misc(ms[i]);
    }
}

/* Sends what is due: pushes, then the simulator's own state. */
static void
publish_due(double now)
{
    for (int i = 0; i < nprinters; i++) {
        struct printer *p = &printers[i];
        double every = is_busy(p->st) ? opt.busy_push : opt.idle_push;
        if (can_report(p)) {
            if (p->want_full) {
                report(p, 1);
                p->want_full = p->kick = 0;
                p->next_push = now + every;
            } else if (!p->pushing_off && (p->kick || now >= p->next_push)) {
                report(p, p->model->full_frames);
                p->kick = 0;
                p->next_push = now + every;
            }
        }
        if (ctl_connected && (p->state_dirty || now >= p->next_state)) {
            publish_state(p);
            p->state_dirty = 0;
            p->next_state = now + every;
        }
    }
}

/* One flood frame of about bytes: a status delta ("msg": 1) whose keys
 * no frame had before (the sequence id is in each), into b. */
static void
flood_frame(struct printer *p, struct buf *b, size_t bytes)
{
    unsigned long seq = ++p->seq;

    buf_clear(b);
    buf_printf(b,
               "{\"print\":{\"command\":\"push_status\",\"msg\":1,"
               "\"sequence_id\":\"%lu\"",
               seq);
    for (unsigned i = 0; b->len + 48 < bytes; i++)
        buf_printf(b, ",\"flood_%lu_%u\":\"%016x\"", seq, i, i);
    buf_puts(b, "}}");
}

/* Queues up to FLOOD_BATCH bytes of p's flood once the socket took the
 * last batch, so the simulator's memory stays small however big the
 * flood. */
static void
flood_due(struct printer *p, struct buf *b)
{
    char topic[96];
    int64_t queued = 0;

    if (p->flood_left <= 0 || !can_report(p) || mosquitto_want_write(p->mosq))
        return;
    report_topic(p, topic, sizeof(topic));
    while (p->flood_left > 0 && queued < FLOOD_BATCH) {
        int big = p->flood_big_every > 0 &&
                  (p->flood_frames + 1) % p->flood_big_every == 0;
        size_t bytes = (size_t)(big ? p->flood_big_kb : p->flood_kb) * 1024;
        int rc;

        flood_frame(p, b, bytes);
        rc = mosquitto_publish(p->mosq, NULL, topic, (int)b->len, b->data, 0,
                               false);
        if (rc != MOSQ_ERR_SUCCESS) {
            log_error("%s: flood: %s", p->serial, mosquitto_strerror(rc));
            return; /* the connection is gone: go on after the reconnect */
        }
        queued += (int64_t)b->len;
        p->flood_sent += (int64_t)b->len;
        p->flood_left -= (int64_t)b->len;
        p->flood_frames++;
        p->flood_big += big;
    }
    if (p->flood_left <= 0) {
        p->flood_left = 0;
        p->state_dirty = 1;
        log_info("%s: flood sent: %" PRId64 " bytes in %ld frames (%ld big)",
                 p->serial, p->flood_sent, p->flood_frames, p->flood_big);
    }
}

/* Lets queued packets (DISCONNECT included) go out for up to a second. */
static void
flush_all(struct pollfd *fds, struct mosquitto **ms)
{
    double end = mono() + 1;

    while (mono() < end) {
        int pending = 0;
        for (int i = 0; i < nprinters; i++)
            pending |= mosquitto_socket(printers[i].mosq) >= 0;
        pending |= mosquitto_socket(ctl) >= 0;
        if (!pending)
            break;
        pump(fds, ms, 20);
    }
}

/* -------------------------------------------------------------------- cli */

static void
on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static int
usage(void)
{
    fprintf(stderr, "usage: bambu-sim [--host H] [--port P] [--cafile CA.pem]\n"
                    "         [--user bblp] [--password CODE] --ftp-dir DIR\n"
                    "         [--time-scale N] [--job-seconds S] "
                    "[--grams-per-job G]\n"
                    "         [--prepare-seconds S] [--error-hold S] "
                    "[--busy-push S] [--idle-push S]\n"
                    "         --printer SERIAL:MODEL[:AMS_UNITS] ... |\n"
                    "         --count N --model MODEL [--serial-prefix PFX] "
                    "[--ams UNITS]\n"
                    "models: X1C P1S P1P A1 A1M; AMS units 0-2 (X1C), 0-1 "
                    "otherwise\n");
    return 2;
}

static int
num(const char *s, double lo, double hi, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

static const struct model *
model_find(const char *name)
{
    for (size_t i = 0; i < sizeof(models) / sizeof(*models); i++)
        if (strcasecmp(models[i].name, name) == 0)
            return &models[i];
    if (strcasecmp(name, "A1MINI") == 0 || strcasecmp(name, "A1-mini") == 0)
        return model_find("A1M");
    return NULL;
}

static int
printer_add(const char *serial, size_t slen, const struct model *m, int units)
{
    struct printer *p, *np;

    if (slen == 0 || slen >= sizeof(p->serial) ||
        strspn(serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_-") < slen) {
        fprintf(stderr, "bambu-sim: bad serial %.*s\n", (int)slen, serial);
        return -1;
    }
    if (units < 0 || units > m->max_units) {
        fprintf(stderr, "bambu-sim: %s takes 0-%d AMS units\n", m->name,
                m->max_units);
        return -1;
    }
    if (printer_find(serial, slen) != NULL) {
        fprintf(stderr, "bambu-sim: serial %.*s given twice\n", (int)slen,
                serial);
        return -1;
    }
    np = realloc(printers, (size_t)(nprinters + 1) * sizeof(*printers));
    if (np == NULL) {
        fprintf(stderr, "bambu-sim: out of memory\n");
        return -1;
    }
    printers = np;
    p = &printers[nprinters++];
    memset(p, 0, sizeof(*p));
    snprintf(p->serial, sizeof(p->serial), "%.*s", (int)slen, serial);
    p->model = m;
    p->units = units;
    return 0;
}

static int
parse_printer(const char *arg)
{
    const char *c1 = strchr(arg, ':'), *c2;
    char mname[16];
    const struct model *m;
    double units = 1;

    if (c1 == NULL)
        return -1;
    c2 = strchr(c1 + 1, ':');
    snprintf(mname, sizeof(mname), "%.*s",
             (int)(c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)), c1 + 1);
    if ((m = model_find(mname)) == NULL) {
        fprintf(stderr, "bambu-sim: unknown model %s\n", mname);
        return -1;
    }
    if (c2 != NULL && num(c2 + 1, 0, MAX_UNITS, &units) < 0)
        return -1;
    return printer_add(arg, (size_t)(c1 - arg), m, (int)units);
}

static int
parse_args(int argc, char **argv)
{
    double v;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return -1;
        if (val == NULL) {
            fprintf(stderr, "bambu-sim: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--host") == 0)
            opt.host = val;
        else if (strcmp(a, "--port") == 0 && num(val, 1, 65535, &v) == 0)
            opt.port = (int)v;
        else if (strcmp(a, "--cafile") == 0)
            opt.cafile = val;
        else if (strcmp(a, "--user") == 0)
            opt.user = val;
        else if (strcmp(a, "--password") == 0)
            opt.password = val;
        else if (strcmp(a, "--ftp-dir") == 0)
            opt.ftp_dir = val;
        else if (strcmp(a, "--time-scale") == 0 &&
                 num(val, 0.001, 1e6, &opt.scale) == 0)
            ;
        else if (strcmp(a, "--job-seconds") == 0 &&
                 num(val, 1, 1e7, &opt.job_seconds) == 0)
            ;
        else if (strcmp(a, "--grams-per-job") == 0 &&
                 num(val, 0, 1e5, &opt.grams) == 0)
            ;
        else if (strcmp(a, "--prepare-seconds") == 0 &&
                 num(val, 0, 1e5, &opt.prepare) == 0)
            ;
        else if (strcmp(a, "--error-hold") == 0 &&
                 num(val, 0, 3600, &opt.hold) == 0)
            ;
        else if (strcmp(a, "--busy-push") == 0 &&
                 num(val, 0.05, 600, &opt.busy_push) == 0)
            ;
        else if (strcmp(a, "--idle-push") == 0 &&
                 num(val, 0.05, 600, &opt.idle_push) == 0)
            ;
        else if (strcmp(a, "--keepalive") == 0 && num(val, 5, 3600, &v) == 0)
            opt.keepalive = (int)v;
        else if (strcmp(a, "--printer") == 0) {
            if (parse_printer(val) < 0) {
                fprintf(stderr, "bambu-sim: bad --printer %s\n", val);
                return -1;
            }
        } else if (strcmp(a, "--count") == 0 && num(val, 1, 5000, &v) == 0)
            opt.count = (int)v;
        else if (strcmp(a, "--model") == 0)
            opt.count_model = val;
        else if (strcmp(a, "--serial-prefix") == 0)
            opt.serial_prefix = val;
        else if (strcmp(a, "--ams") == 0 && num(val, 0, MAX_UNITS, &v) == 0)
            opt.count_units = (int)v;
        else {
            fprintf(stderr, "bambu-sim: bad option %s %s\n", a, val);
            return -1;
        }
    }
    if (opt.count > 0) {
        const struct model *m =
            model_find(opt.count_model ? opt.count_model : "P1S");
        if (m == NULL) {
            fprintf(stderr, "bambu-sim: unknown model %s\n", opt.count_model);
            return -1;
        }
        for (int i = 0; i < opt.count; i++) {
            char s[80];
            int units =
                opt.count_units > m->max_units ? m->max_units : opt.count_units;
            snprintf(s, sizeof(s), "%s%05d", opt.serial_prefix, i);
            if (printer_add(s, strlen(s), m, units) < 0)
                return -1;
        }
    }
    if (nprinters == 0) {
        fprintf(stderr, "bambu-sim: no printers (--printer or --count)\n");
        return -1;
    }
    if (opt.ftp_dir == NULL)
        log_info("no --ftp-dir: every project_file will be refused");
    return 0;
}

int
main(int argc, char **argv)
{
    struct sigaction sa;
    struct pollfd *fds;
    struct mosquitto **ms;
    double last, now;
    char id[96];
    struct buf flood;

    log_init("bambu-sim");
    if (parse_args(argc, argv) < 0) {
        free(printers);
        return usage();
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)getpid());
    mosquitto_lib_init();

    now = mono();
    for (int i = 0; i < nprinters; i++) {
        struct printer *p = &printers[i];
        snprintf(id, sizeof(id), "sim-%s", p->serial);
        p->mosq = client_new(id, p);
        mosquitto_connect_callback_set(p->mosq, on_printer_connect);
        mosquitto_disconnect_callback_set(p->mosq, on_printer_disconnect);
        mosquitto_message_callback_set(p->mosq, on_printer_message);
        p->st = ST_IDLE;
        p->spd_lvl = 2;
        p->nozzle = 25;
        p->bed = 24;
        p->chamber = 26;
        p->seq = 1000 + (unsigned long)(rand() % 9000);
        p->light_on = 1;
        trays_init(p);
        p->reconnect_at = now;
        /* spread the periodic pushes of many printers over the interval */
        p->next_push = now + opt.idle_push * (double)i / nprinters;
        p->next_state = p->next_push;
    }
    snprintf(id, sizeof(id), "sim-ctl-%d", (int)getpid());
    ctl = client_new(id, NULL);
    mosquitto_connect_callback_set(ctl, on_ctl_connect);
    mosquitto_disconnect_callback_set(ctl, on_ctl_disconnect);
    mosquitto_message_callback_set(ctl, on_ctl_message);
    ctl_reconnect_at = now;
    fds = calloc((size_t)nprinters + 1, sizeof(*fds));
    ms = calloc((size_t)nprinters + 1, sizeof(*ms));
    if (fds == NULL || ms == NULL) {
        log_error("out of memory");
        return 1;
    }
    log_info("%d printer(s), broker %s:%d, time scale %g", nprinters, opt.host,
             opt.port, opt.scale);

    last = mono();
    buf_init(&flood, 0);
    while (!stopping) {
        int flooding = 0;

        for (int i = 0; i < nprinters; i++)
            flooding |= printers[i].flood_left > 0;
        reconnect_due(mono());
        /* a flood queues the next batch as soon as the socket took one */
        pump(fds, ms, flooding ? 5 : 100);
        now = mono();
        for (int i = 0; i < nprinters; i++)
            step(&printers[i], (now - last) * opt.scale, now);
        last = now;
        publish_due(now);
        for (int i = 0; i < nprinters; i++)
            flood_due(&printers[i], &flood);
    }
    buf_release(&flood);

    log_info("stopping");
    for (int i = 0; i < nprinters; i++) {
        struct printer *p = &printers[i];
        p->connected = 0;
        if (ctl_connected)
            publish_state(p);
        if (mosquitto_socket(p->mosq) >= 0)
            mosquitto_disconnect(p->mosq);
    }
    if (mosquitto_socket(ctl) >= 0)
        mosquitto_disconnect(ctl);
    flush_all(fds, ms);
    for (int i = 0; i < nprinters; i++) {
        mosquitto_destroy(printers[i].mosq);
        json_object_put(printers[i].last);
    }
    mosquitto_destroy(ctl);
    mosquitto_lib_cleanup();
    free(fds);
    free(ms);
    free(printers);
    return 0;
}
