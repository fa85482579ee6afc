/* bambu_report — the report side of bambu.h: parse a frame, classify it,
 * merge status pushes into the cached print object, read it back as a
 * struct bambu_report. */
#include "bambu/bambu.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "base/err.h"
#include "base/str.h"

#include "base/banned.h"

struct size {
    size_t bytes;  /* an upper bound of the JSON text's length */
    size_t values; /* every value: members, array entries, the root */
};

struct bambu_state {
    struct json_object *print;
    int has_full;
    long frames;
    /* At least print's size: measured when the cache is rebuilt, then
     * raised by each delta merged in place by the delta's whole size (a
     * merge adds no more than the frame holds). */
    struct size bound;
};

struct bambu_state *
bambu_state_new(void)
{
    struct bambu_state *s = calloc(1, sizeof *s);

    if (!s)
        abort();
    s->print = json_object_new_object();
    if (!s->print)
        abort();
    return s;
}

void
bambu_state_free(struct bambu_state *s)
{
    if (!s)
        return;
    json_object_put(s->print);
    free(s);
}

void
bambu_state_clear(struct bambu_state *s)
{
    json_object_put(s->print);
    s->print = json_object_new_object();
    if (!s->print)
        abort();
    s->has_full = 0;
    s->frames = 0;
    memset(&s->bound, 0, sizeof s->bound);
}

int
bambu_state_has_full(const struct bambu_state *s)
{
    return s->has_full;
}

long
bambu_state_frames(const struct bambu_state *s)
{
    return s->frames;
}

struct json_object *
bambu_state_json(const struct bambu_state *s)
{
    return s->print;
}

/* ---- small readers -------------------------------------------------- */

/* Copies src into dst (n bytes) without cutting a UTF-8 sequence. */
static void
copy_text(char *dst, size_t n, const char *src)
{
    size_t len = src ? strlen(src) : 0, k = len;

    if (k >= n) {
        k = n - 1;
        while (k > 0 && ((unsigned char)src[k] & 0xC0) == 0x80)
            k--;
    }
    if (k)
        memcpy(dst, src, k);
    dst[k] = '\0';
}

static struct json_object *
member(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static struct json_object *
member_of_type(struct json_object *o, const char *key, enum json_type t)
{
    struct json_object *v = member(o, key);

    return v && json_object_is_type(v, t) ? v : NULL;
}

/* A string member, or NULL. */
static const char *
str_of(struct json_object *o, const char *key)
{
    struct json_object *v = member_of_type(o, key, json_type_string);

    return v ? json_object_get_string(v) : NULL;
}

/* Numbers arrive as ints, floats or numeric strings (§2.2). */
static int
num_value(struct json_object *v, double *out)
{
    const char *s;
    char *end;

    if (!v)
        return -1;
    switch (json_object_get_type(v)) {
    case json_type_int:
        *out = (double)json_object_get_int64(v);
        return 0;
    case json_type_double:
        *out = json_object_get_double(v);
        return isfinite(*out) ? 0 : -1;
    case json_type_string:
        s = json_object_get_string(v);
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            return -1;
        errno = 0;
        *out = strtod(s, &end);
        if (errno || end == s || !isfinite(*out))
            return -1;
        while (isspace((unsigned char)*end))
            end++;
        return *end ? -1 : 0;
    default:
        return -1;
    }
}

/* A rounded int within [lo, hi], or fallback. */
static int
int_of(struct json_object *o, const char *key, int lo, int hi, int fallback)
{
    double d;

    if (num_value(member(o, key), &d) || d < lo - 0.5 || d > hi + 0.5)
        return fallback;
    /* Round half away from zero, clamped: no libm needed. */
    d = d < 0 ? d - 0.5 : d + 0.5;
    if (d <= (double)lo)
        return lo;
    if (d >= (double)hi)
        return hi;
    return (int)d;
}

/* attr / code / print_error: 0..2^32-1; negative int32 read as unsigned. */
static int
u32_value(struct json_object *v, uint32_t *out)
{
    double d;

    if (num_value(v, &d) || d < (double)INT32_MIN || d > 4294967295.0)
        return -1;
    *out = (uint32_t)(int64_t)d;
    return 0;
}

/* Hex bitmask strings ("f", "11830F9CFB"); longer than 16 digits keeps the
 * low 64 bits. */
static int
hex_of(struct json_object *o, const char *key, uint64_t *out)
{
    const char *s = str_of(o, key);
    size_t n;
    uint64_t v = 0;

    if (!s)
        return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    n = strlen(s);
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (str_hexval((unsigned char)s[i]) < 0)
            return -1;
    if (n > 16)
        s += n - 16;
    for (; *s; s++)
        v = v << 4 | (uint64_t)str_hexval((unsigned char)*s);
    *out = v;
    return 0;
}

/* An id as text: "0", 0 -> "0". 0, or -1 when absent or odd. */
static int
id_text(struct json_object *o, char out[24])
{
    struct json_object *v = member(o, "id");

    if (!v)
        return -1;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (strlen(s) >= 24)
            return -1;
        copy_text(out, 24, s);
        return 0;
    }
    if (json_object_is_type(v, json_type_int)) {
        snprintf(out, 24, "%lld", (long long)json_object_get_int64(v));
        return 0;
    }
    return -1;
}

/* ---- known keys ----------------------------------------------------- */

enum shape {
    K_VALUE,  /* string (at most BAMBU_STRING_MAX bytes), number, bool, null */
    K_OBJECT, /* object of the keys in sub */
    K_ITEMS,  /* array of objects of the keys in sub */
    K_LIST,   /* array of values */
};

enum by_id {
    BY_INDEX,   /* a delta's array replaces the cached one */
    BY_ID,      /* entries merged by "id" (§1.7) */
    BY_ID_SLOT, /* the same, and an entry that is only {"id":N} is an
                   empty slot: it replaces the cached entry (§2.6) */
};

struct key {
    const char *name;
    enum shape shape;
    const struct table *sub; /* K_OBJECT, K_ITEMS */
    int max;                 /* K_ITEMS, K_LIST: entries kept */
    enum by_id by_id;        /* K_ITEMS */
};

struct table {
    const struct key *keys;
    size_t n;
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* Each table lists the keys the protocol notes name (§2.2, §2.6), sorted
 * by strcmp() for bsearch(). The product reads fewer; the rest stays in
 * printers.state_json for troubleshooting. */
static const struct key tray_keys[] = {
    {"cali_idx", K_VALUE, NULL, 0, 0},
    {"cols", K_LIST, NULL, 8, 0},
    {"drying_temp", K_VALUE, NULL, 0, 0},
    {"drying_time", K_VALUE, NULL, 0, 0},
    {"id", K_VALUE, NULL, 0, 0},
    {"k", K_VALUE, NULL, 0, 0},
    {"nozzle_temp_max", K_VALUE, NULL, 0, 0},
    {"nozzle_temp_min", K_VALUE, NULL, 0, 0},
    {"remain", K_VALUE, NULL, 0, 0},
    {"state", K_VALUE, NULL, 0, 0},
    {"tag_uid", K_VALUE, NULL, 0, 0},
    {"total_len", K_VALUE, NULL, 0, 0},
    {"tray_color", K_VALUE, NULL, 0, 0},
    {"tray_diameter", K_VALUE, NULL, 0, 0},
    {"tray_id_name", K_VALUE, NULL, 0, 0},
    {"tray_info_idx", K_VALUE, NULL, 0, 0},
    {"tray_sub_brands", K_VALUE, NULL, 0, 0},
    {"tray_type", K_VALUE, NULL, 0, 0},
    {"tray_uuid", K_VALUE, NULL, 0, 0},
    {"tray_weight", K_VALUE, NULL, 0, 0},
};
static const struct table tray_table = {tray_keys, NKEYS(tray_keys)};

static const struct key unit_keys[] = {
    {"humidity", K_VALUE, NULL, 0, 0},
    {"humidity_raw", K_VALUE, NULL, 0, 0},
    {"id", K_VALUE, NULL, 0, 0},
    {"temp", K_VALUE, NULL, 0, 0},
    {"tray", K_ITEMS, &tray_table, BAMBU_AMS_TRAYS_MAX, BY_ID_SLOT},
};
static const struct table unit_table = {unit_keys, NKEYS(unit_keys)};

static const struct key ams_keys[] = {
    {"ams", K_ITEMS, &unit_table, BAMBU_AMS_UNITS_MAX, BY_ID},
    {"ams_exist_bits", K_VALUE, NULL, 0, 0},
    {"insert_flag", K_VALUE, NULL, 0, 0},
    {"power_on_flag", K_VALUE, NULL, 0, 0},
    {"tray_exist_bits", K_VALUE, NULL, 0, 0},
    {"tray_is_bbl_bits", K_VALUE, NULL, 0, 0},
    {"tray_now", K_VALUE, NULL, 0, 0},
    {"tray_pre", K_VALUE, NULL, 0, 0},
    {"tray_read_done_bits", K_VALUE, NULL, 0, 0},
    {"tray_reading_bits", K_VALUE, NULL, 0, 0},
    {"tray_tar", K_VALUE, NULL, 0, 0},
    {"version", K_VALUE, NULL, 0, 0},
};
static const struct table ams_table = {ams_keys, NKEYS(ams_keys)};

static const struct key hms_keys[] = {
    {"attr", K_VALUE, NULL, 0, 0},
    {"code", K_VALUE, NULL, 0, 0},
};
static const struct table hms_table = {hms_keys, NKEYS(hms_keys)};

static const struct key light_keys[] = {
    {"mode", K_VALUE, NULL, 0, 0},
    {"node", K_VALUE, NULL, 0, 0},
};
static const struct table light_table = {light_keys, NKEYS(light_keys)};

static const struct key ipcam_keys[] = {
    {"ipcam_dev", K_VALUE, NULL, 0, 0},  {"ipcam_record", K_VALUE, NULL, 0, 0},
    {"resolution", K_VALUE, NULL, 0, 0}, {"rtsp_url", K_VALUE, NULL, 0, 0},
    {"timelapse", K_VALUE, NULL, 0, 0},
};
static const struct table ipcam_table = {ipcam_keys, NKEYS(ipcam_keys)};

static const struct key upload_keys[] = {
    {"message", K_VALUE, NULL, 0, 0},
    {"progress", K_VALUE, NULL, 0, 0},
    {"status", K_VALUE, NULL, 0, 0},
};
static const struct table upload_table = {upload_keys, NKEYS(upload_keys)};

static const struct key xcam_keys[] = {
    {"first_layer_inspector", K_VALUE, NULL, 0, 0},
    {"print_halt", K_VALUE, NULL, 0, 0},
    {"spaghetti_detector", K_VALUE, NULL, 0, 0},
};
static const struct table xcam_table = {xcam_keys, NKEYS(xcam_keys)};

static const struct key print_keys[] = {
    {"ams", K_OBJECT, &ams_table, 0, 0},
    {"ams_rfid_status", K_VALUE, NULL, 0, 0},
    {"ams_status", K_VALUE, NULL, 0, 0},
    {"bed_target_temper", K_VALUE, NULL, 0, 0},
    {"bed_temper", K_VALUE, NULL, 0, 0},
    {"big_fan1_speed", K_VALUE, NULL, 0, 0},
    {"big_fan2_speed", K_VALUE, NULL, 0, 0},
    {"chamber_temper", K_VALUE, NULL, 0, 0},
    {"command", K_VALUE, NULL, 0, 0},
    {"cooling_fan_speed", K_VALUE, NULL, 0, 0},
    {"fail_reason", K_VALUE, NULL, 0, 0},
    {"fun", K_VALUE, NULL, 0, 0},
    {"gcode_file", K_VALUE, NULL, 0, 0},
    {"gcode_file_prepare_percent", K_VALUE, NULL, 0, 0},
    {"gcode_start_time", K_VALUE, NULL, 0, 0},
    {"gcode_state", K_VALUE, NULL, 0, 0},
    {"heatbreak_fan_speed", K_VALUE, NULL, 0, 0},
    {"hms", K_ITEMS, &hms_table, 2 * BAMBU_HMS_MAX, BY_INDEX},
    {"home_flag", K_VALUE, NULL, 0, 0},
    {"hw_switch_state", K_VALUE, NULL, 0, 0},
    {"ipcam", K_OBJECT, &ipcam_table, 0, 0},
    {"k", K_VALUE, NULL, 0, 0},
    {"layer_num", K_VALUE, NULL, 0, 0},
    {"lifecycle", K_VALUE, NULL, 0, 0},
    {"lights_report", K_ITEMS, &light_table, 8, BY_INDEX},
    {"mc_percent", K_VALUE, NULL, 0, 0},
    {"mc_print_error_code", K_VALUE, NULL, 0, 0},
    {"mc_print_stage", K_VALUE, NULL, 0, 0},
    {"mc_remaining_time", K_VALUE, NULL, 0, 0},
    {"mess_production_state", K_VALUE, NULL, 0, 0},
    {"msg", K_VALUE, NULL, 0, 0},
    {"nozzle_diameter", K_VALUE, NULL, 0, 0},
    {"nozzle_target_temper", K_VALUE, NULL, 0, 0},
    {"nozzle_temper", K_VALUE, NULL, 0, 0},
    {"nozzle_type", K_VALUE, NULL, 0, 0},
    {"print_error", K_VALUE, NULL, 0, 0},
    {"print_type", K_VALUE, NULL, 0, 0},
    {"profile_id", K_VALUE, NULL, 0, 0},
    {"project_id", K_VALUE, NULL, 0, 0},
    {"sdcard", K_VALUE, NULL, 0, 0},
    {"sequence_id", K_VALUE, NULL, 0, 0},
    {"spd_lvl", K_VALUE, NULL, 0, 0},
    {"spd_mag", K_VALUE, NULL, 0, 0},
    {"stg", K_LIST, NULL, 64, 0},
    {"stg_cur", K_VALUE, NULL, 0, 0},
    {"subtask_id", K_VALUE, NULL, 0, 0},
    {"subtask_name", K_VALUE, NULL, 0, 0},
    {"task_id", K_VALUE, NULL, 0, 0},
    {"total_layer_num", K_VALUE, NULL, 0, 0},
    {"upload", K_OBJECT, &upload_table, 0, 0},
    {"vt_tray", K_OBJECT, &tray_table, 0, 0},
    {"wifi_signal", K_VALUE, NULL, 0, 0},
    {"xcam", K_OBJECT, &xcam_table, 0, 0},
};
static const struct table print_table = {print_keys, NKEYS(print_keys)};

static int
key_cmp(const void *name, const void *k)
{
    return strcmp(name, ((const struct key *)k)->name);
}

/* The entry for name in t, or NULL. bsearch: a flood of unknown keys costs
 * a few comparisons each. */
static const struct key *
key_find(const struct table *t, const char *name)
{
    return bsearch(name, t->keys, t->n, sizeof *t->keys, key_cmp);
}

/* ---- size ------------------------------------------------------------ */

/* Length of s as a JSON string body the way json-c writes it (slashes
 * escaped, controls as \uXXXX). */
static size_t
text_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\' || ch == '/' || ch == '\b' || ch == '\f' ||
            ch == '\n' || ch == '\r' || ch == '\t')
            n += 2;
        else if (ch < 0x20)
            n += 6;
        else
            n++;
    }
    return n;
}

static void
measure(struct json_object *v, struct size *sz)
{
    sz->values++;
    switch (json_object_get_type(v)) {
    case json_type_object:
        sz->bytes += 2;
        json_object_object_foreach(v, key, val)
        {
            sz->bytes += text_len(key) + 4; /* "": , */
            measure(val, sz);
        }
        break;
    case json_type_array:
        sz->bytes += 2;
        for (size_t i = 0, n = json_object_array_length(v); i < n; i++) {
            sz->bytes++;
            measure(json_object_array_get_idx(v, i), sz);
        }
        break;
    case json_type_string:
        sz->bytes += text_len(json_object_get_string(v)) + 2;
        break;
    case json_type_null:
    case json_type_boolean:
        sz->bytes += 5;
        break;
    default: /* numbers: %.17g and int64 fit */
        sz->bytes += 24;
        break;
    }
}

static int
size_fits(const struct size *sz)
{
    return sz->bytes <= BAMBU_STATE_MAX && sz->values <= BAMBU_STATE_VALUES_MAX;
}

/* ---- merge ---------------------------------------------------------- */

static void merge_object(struct json_object *dst, struct json_object *src,
                         const struct table *t);

/* A value the cache takes for a K_VALUE key or a K_LIST entry. */
static int
value_ok(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_object:
    case json_type_array:
        return 0;
    case json_type_string:
        return json_object_get_string_len(v) <= BAMBU_STRING_MAX;
    default:
        return 1;
    }
}

/* A new object with src's keys that t knows. */
static struct json_object *
object_copy(struct json_object *src, const struct table *t)
{
    struct json_object *o = json_object_new_object();

    if (!o)
        abort();
    merge_object(o, src, t);
    return o;
}

/* A new array with src's entries that fit k, at most k->max of them. */
static struct json_object *
array_copy(struct json_object *src, const struct key *k)
{
    struct json_object *a = json_object_new_array();
    size_t n = json_object_array_length(src);
    int kept = 0;

    if (!a)
        abort();
    for (size_t i = 0; i < n && kept < k->max; i++) {
        struct json_object *el = json_object_array_get_idx(src, i);
        if (k->shape == K_ITEMS && json_object_is_type(el, json_type_object))
            json_object_array_add(a, object_copy(el, k->sub));
        else if (k->shape == K_LIST && value_ok(el))
            json_object_array_add(a, json_object_get(el));
        else
            continue;
        kept++;
    }
    return a;
}

/* {"id":"2"} alone is an empty slot (§2.6), not a delta. */
static int
id_only(struct json_object *o)
{
    return json_object_object_length(o) == 1;
}

/* Merges src[] into dst[] by "id"; new ids beyond k->max are ignored. -1
 * (dst untouched) when an element of src is not an object with an id: the
 * caller replaces the array. */
static int
merge_by_id(struct json_object *dst, struct json_object *src,
            const struct key *k)
{
    size_t ns = json_object_array_length(src);
    char id[24], did[24];

    for (size_t i = 0; i < ns; i++) {
        struct json_object *el = json_object_array_get_idx(src, i);
        if (!el || !json_object_is_type(el, json_type_object) ||
            id_text(el, id))
            return -1;
    }
    for (size_t i = 0; i < ns; i++) {
        struct json_object *el = json_object_array_get_idx(src, i);
        size_t nd = json_object_array_length(dst), j;
        id_text(el, id);
        for (j = 0; j < nd; j++) {
            struct json_object *d = json_object_array_get_idx(dst, j);
            if (id_text(d, did) == 0 && strcmp(id, did) == 0)
                break;
        }
        if (j == nd) {
            if (nd < (size_t)k->max)
                json_object_array_add(dst, object_copy(el, k->sub));
        } else if (k->by_id == BY_ID_SLOT && id_only(el)) {
            json_object_array_put_idx(dst, j, object_copy(el, k->sub));
        } else {
            merge_object(json_object_array_get_idx(dst, j), el, k->sub);
        }
    }
    return 0;
}

/* Merges src's keys that t knows into dst (an object of t's keys); the
 * other keys, and values not of their key's shape, are ignored. */
static void
merge_object(struct json_object *dst, struct json_object *src,
             const struct table *t)
{
    json_object_object_foreach(src, key, sv)
    {
        const struct key *k = key_find(t, key);
        struct json_object *dv;

        if (!k)
            continue;
        dv = member(dst, key);
        switch (k->shape) {
        case K_VALUE:
            if (value_ok(sv))
                json_object_object_add(dst, key, json_object_get(sv));
            break;
        case K_OBJECT:
            if (!json_object_is_type(sv, json_type_object))
                break;
            if (dv && json_object_is_type(dv, json_type_object))
                merge_object(dv, sv, k->sub);
            else
                json_object_object_add(dst, key, object_copy(sv, k->sub));
            break;
        case K_ITEMS:
        case K_LIST:
            if (!json_object_is_type(sv, json_type_array))
                break;
            if (k->by_id != BY_INDEX && dv &&
                json_object_is_type(dv, json_type_array) &&
                merge_by_id(dv, sv, k) == 0)
                break;
            json_object_object_add(dst, key, array_copy(sv, k));
            break;
        }
    }
}

/* ---- frames --------------------------------------------------------- */

static int
fail(struct err *e, const char *msg)
{
    struct err scratch;

    if (!e) {
        err_clear(&scratch);
        e = &scratch;
    }
    return err_set(e, ERR_BAD_JSON, "report frame: %s", msg);
}

static struct json_object *
parse(const char *text, size_t len, struct err *e)
{
    struct json_tokener *tok;
    struct json_object *root;
    enum json_tokener_error jerr;
    size_t end;

    if (len > BAMBU_FRAME_MAX)
        return fail(e, "too large"), NULL;
    if (len == 0 || !text)
        return fail(e, "empty"), NULL;
    if (memchr(text, '\0', len))
        return fail(e, "NUL byte"), NULL;
    /* json-c counts the values inside the deepest container as a level */
    tok = json_tokener_new_ex(BAMBU_DEPTH_MAX + 1);
    if (!tok)
        abort();
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    root = json_tokener_parse_ex(tok, text, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(root);
        return fail(e, jerr == json_tokener_continue
                           ? "truncated JSON"
                           : json_tokener_error_desc(jerr)),
               NULL;
    }
    for (; end < len; end++)
        if (!isspace((unsigned char)text[end])) {
            json_object_put(root);
            return fail(e, "trailing bytes after the JSON value"), NULL;
        }
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return fail(e, "not a JSON object"), NULL;
    }
    return root;
}

static void
ack_fields(struct json_object *o, struct bambu_frame *f)
{
    struct json_object *seq = member(o, "sequence_id");
    const char *result = str_of(o, "result");

    copy_text(f->command, sizeof f->command, str_of(o, "command"));
    if (seq && json_object_is_type(seq, json_type_string))
        copy_text(f->sequence_id, sizeof f->sequence_id,
                  json_object_get_string(seq));
    else if (seq && json_object_is_type(seq, json_type_int))
        snprintf(f->sequence_id, sizeof f->sequence_id, "%lld",
                 (long long)json_object_get_int64(seq));
    if (!result)
        f->result = BAMBU_RESULT_NONE;
    else if (strcasecmp(result, "success") == 0)
        f->result = BAMBU_RESULT_SUCCESS;
    else if (strcasecmp(result, "failed") == 0 ||
             strcasecmp(result, "fail") == 0)
        f->result = BAMBU_RESULT_FAILED;
    else
        f->result = BAMBU_RESULT_OTHER;
    copy_text(f->reason, sizeof f->reason, str_of(o, "reason"));
}

/* info.get_version: module[] {name:"ota", sw_ver} is the firmware. */
static void
firmware_of(struct json_object *o, struct bambu_frame *f)
{
    struct json_object *mods = member_of_type(o, "module", json_type_array);
    size_t n = mods ? json_object_array_length(mods) : 0;

    for (size_t i = 0; i < n; i++) {
        struct json_object *m = json_object_array_get_idx(mods, i);
        const char *name = str_of(m, "name");
        if (name && strcmp(name, "ota") == 0) {
            copy_text(f->firmware, sizeof f->firmware, str_of(m, "sw_ver"));
            return;
        }
    }
}

/* Merges a status push's print object into the cache: a delta in place
 * while the bound says it cannot outgrow the caps, else (and for a full
 * frame) into a rebuilt copy that is measured first. 0, or -1 with s
 * untouched when the result would be too big. */
static int
merge_status(struct bambu_state *s, struct json_object *obj, int full)
{
    struct size add = {0, 0}, grown, got = {0, 0};
    struct json_object *next;

    measure(obj, &add);
    grown.bytes = s->bound.bytes + add.bytes;
    grown.values = s->bound.values + add.values;
    if (!full && size_fits(&grown)) {
        merge_object(s->print, obj, &print_table);
        s->bound = grown;
        return 0;
    }
    next =
        full ? json_object_new_object() : object_copy(s->print, &print_table);
    if (!next)
        abort();
    merge_object(next, obj, &print_table);
    measure(next, &got);
    if (!size_fits(&got)) {
        json_object_put(next);
        return -1;
    }
    json_object_put(s->print);
    s->print = next;
    s->bound = got;
    return 0;
}

int
bambu_state_merge(struct bambu_state *s, const char *text, size_t len,
                  struct bambu_frame *f, struct err *e)
{
    struct bambu_frame scratch;
    struct json_object *root, *obj = NULL;
    const char *cls = NULL;

    if (!f)
        f = &scratch;
    memset(f, 0, sizeof *f);
    f->kind = BAMBU_FRAME_OTHER;
    root = parse(text, len, e);
    if (!root)
        return -1;
    if (json_object_object_get_ex(root, "print", &obj)) {
        cls = "print";
        if (!json_object_is_type(obj, json_type_object)) {
            json_object_put(root);
            return fail(e, "\"print\" is not an object");
        }
    } else {
        json_object_object_foreach(root, key, val)
        {
            if (!cls)
                cls = key;
            if (json_object_is_type(val, json_type_object)) {
                cls = key;
                obj = val;
                break;
            }
        }
    }
    copy_text(f->cls, sizeof f->cls, cls);
    if (obj)
        ack_fields(obj, f);

    if (obj && strcmp(cls, "print") == 0 &&
        (!f->command[0] || strcmp(f->command, "push_status") == 0)) {
        f->full = int_of(obj, "msg", INT_MIN, INT_MAX, 1) == 0;
        if (merge_status(s, obj, f->full) < 0) {
            json_object_put(root);
            return fail(e, "the cached state would outgrow its cap");
        }
        f->kind = BAMBU_FRAME_STATUS;
        s->has_full |= f->full;
        s->frames++;
    } else if (obj && f->command[0] && strcmp(cls, "mc_print") != 0 &&
               strcmp(cls, "event") != 0 &&
               strcmp(f->command, "push_info") != 0) {
        f->kind = BAMBU_FRAME_ACK;
        if (strcmp(cls, "info") == 0)
            firmware_of(obj, f);
    }
    json_object_put(root);
    return 0;
}

int
bambu_frame_matches(const struct bambu_frame *f, const char *cls,
                    const char *command, const char *seq)
{
    return f->kind == BAMBU_FRAME_ACK && cls && command && seq &&
           strcmp(f->cls, cls) == 0 && strcmp(f->command, command) == 0 &&
           strcmp(f->sequence_id, seq) == 0;
}

/* Case-insensitive substring. */
static int
contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

int
bambu_reason_verify_failed(const char *reason)
{
    return reason != NULL && contains(reason, "verify failed");
}

int
bambu_frame_verify_failed(const struct bambu_frame *f)
{
    return f->kind == BAMBU_FRAME_ACK && f->result == BAMBU_RESULT_FAILED &&
           bambu_reason_verify_failed(f->reason);
}

/* ---- report --------------------------------------------------------- */

static void
blank_tray(struct bambu_tray *t)
{
    memset(t, 0, sizeof *t);
    t->remain = t->weight_grams = -1;
    t->nozzle_temp_min = t->nozzle_temp_max = -1;
}

/* Exactly len hex digits, not all zeros, upper-cased into out. */
static void
hex_id(const char *s, size_t len, char *out)
{
    int nonzero = 0;

    out[0] = '\0';
    if (!s || strlen(s) != len)
        return;
    for (size_t i = 0; i < len; i++) {
        if (str_hexval((unsigned char)s[i]) < 0)
            return;
        nonzero |= s[i] != '0';
    }
    if (!nonzero)
        return;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)toupper((unsigned char)s[i]);
    out[len] = '\0';
}

/* "F4F4F0FF" (or "F4F4F0") -> "#F4F4F0"; "00000000" unset -> "". */
static void
color_of(const char *s, char out[8])
{
    char hex[9];
    size_t n = s ? strlen(s) : 0;

    out[0] = '\0';
    if (n != 8 && n != 6)
        return;
    hex_id(s, n, hex);
    if (!hex[0])
        return;
    out[0] = '#';
    memcpy(out + 1, hex, 6);
    out[7] = '\0';
}

static void
fill_tray(struct json_object *o, struct bambu_tray *t)
{
    int w;

    blank_tray(t);
    copy_text(t->type, sizeof t->type, str_of(o, "tray_type"));
    if (!t->type[0])
        return; /* empty slot: {"id":"N"} or type "" */
    t->present = 1;
    copy_text(t->sub_brand, sizeof t->sub_brand, str_of(o, "tray_sub_brands"));
    copy_text(t->info_idx, sizeof t->info_idx, str_of(o, "tray_info_idx"));
    color_of(str_of(o, "tray_color"), t->color);
    t->remain = int_of(o, "remain", 0, 100, -1);
    w = int_of(o, "tray_weight", 0, 100000, -1);
    t->weight_grams = w > 0 ? w : -1;
    t->nozzle_temp_min = int_of(o, "nozzle_temp_min", 1, 500, -1);
    t->nozzle_temp_max = int_of(o, "nozzle_temp_max", 1, 500, -1);
    hex_id(str_of(o, "tray_uuid"), 32, t->tray_uuid);
    hex_id(str_of(o, "tag_uid"), 16, t->tag_uid);
}

static void
report_ams(struct json_object *p, struct bambu_report *r)
{
    struct json_object *ams = member_of_type(p, "ams", json_type_object);
    struct json_object *units = member_of_type(ams, "ams", json_type_array);
    size_t nu = units ? json_object_array_length(units) : 0;
    uint64_t bits;

    for (int i = 0; i < BAMBU_SLOTS; i++)
        blank_tray(&r->trays[i]);
    r->tray_now = -1;
    if (!ams)
        return;
    for (size_t i = 0; i < nu; i++) {
        struct json_object *u = json_object_array_get_idx(units, i);
        struct json_object *trays = member_of_type(u, "tray", json_type_array);
        size_t nt = trays ? json_object_array_length(trays) : 0;
        int uid = int_of(u, "id", 0, 3, -1);
        if (uid < 0)
            continue; /* AMS HT (128+) has no API slot */
        r->ams_units |= 1u << uid;
        for (size_t j = 0; uid < BAMBU_SLOTS / 4 && j < nt; j++) {
            struct json_object *t = json_object_array_get_idx(trays, j);
            int tid = int_of(t, "id", 0, 3, -1);
            if (tid >= 0)
                fill_tray(t, &r->trays[uid * 4 + tid]);
        }
    }
    if (hex_of(ams, "ams_exist_bits", &bits) == 0)
        r->ams_units = (unsigned)(bits & 0xF);
    for (int i = 0; i < BAMBU_SLOTS; i++)
        if (!(r->ams_units & 1u << (i / 4)))
            blank_tray(&r->trays[i]);
    if (hex_of(ams, "tray_exist_bits", &bits) == 0)
        for (int i = 0; i < BAMBU_SLOTS; i++)
            if (!(bits >> i & 1))
                blank_tray(&r->trays[i]);
    int now = int_of(ams, "tray_now", INT_MIN, INT_MAX, -1);
    if ((now >= 0 && now <= 15) || now == BAMBU_EXTERNAL_TRAY)
        r->tray_now = now;
}

static void
report_hms(struct json_object *p, struct bambu_report *r)
{
    struct json_object *hms = member_of_type(p, "hms", json_type_array);
    size_t n = hms ? json_object_array_length(hms) : 0;

    for (size_t i = 0; i < n; i++) {
        struct json_object *h = json_object_array_get_idx(hms, i);
        uint32_t attr, code;
        if (u32_value(member(h, "attr"), &attr) ||
            u32_value(member(h, "code"), &code))
            continue;
        if (attr == BAMBU_VERIFY_HMS_ATTR && code == BAMBU_VERIFY_HMS_CODE)
            r->verify_failed_hms = 1;
        if (r->nhms == BAMBU_HMS_MAX) {
            r->hms_truncated = 1;
            continue;
        }
        struct bambu_hms *out = &r->hms[r->nhms++];
        out->attr = attr;
        out->code = code;
        bambu_hms_format(attr, code, out->id);
        out->module = bambu_hms_module(attr);
        out->severity = bambu_hms_severity(code);
    }
}

/* sdcard is a bool, or a string on some firmware; else home_flag bits
 * 0x100 present / 0x200 abnormal (§2.2). */
static int
sdcard_of(struct json_object *p)
{
    struct json_object *v = member(p, "sdcard");
    double flag;

    if (v && json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v);
    if (v && json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (strcasecmp(s, "true") == 0 || strcmp(s, "HAS_SDCARD_NORMAL") == 0)
            return 1;
        if (strcasecmp(s, "false") == 0 || strcmp(s, "NO_SDCARD") == 0 ||
            strcmp(s, "HAS_SDCARD_ABNORMAL") == 0)
            return 0;
    }
    if (v && json_object_is_type(v, json_type_int))
        return json_object_get_int64(v) != 0;
    if (num_value(member(p, "home_flag"), &flag) == 0 && flag >= 0 &&
        flag <= 4294967295.0) {
        uint32_t h = (uint32_t)flag;
        return (h & 0x100) && !(h & 0x200);
    }
    return -1;
}

void
bambu_state_report(const struct bambu_state *s, struct bambu_report *r)
{
    struct json_object *p = s->print, *v;
    uint64_t fun;

    memset(r, 0, sizeof *r);
    r->gcode_state = bambu_gcode_state_parse(str_of(p, "gcode_state"));
    r->status = bambu_status_from_gcode_state(r->gcode_state);
    r->percent = int_of(p, "mc_percent", 0, 100, -1);
    r->remaining_minutes = int_of(p, "mc_remaining_time", 0, INT_MAX, -1);
    r->layer_num = int_of(p, "layer_num", 0, INT_MAX, -1);
    r->total_layer_num = int_of(p, "total_layer_num", 0, INT_MAX, -1);
    r->stage = int_of(p, "stg_cur", -1, 255, -1);
    r->nozzle_temp = int_of(p, "nozzle_temper", -100, 1000, -1);
    r->nozzle_target = int_of(p, "nozzle_target_temper", -100, 1000, -1);
    r->bed_temp = int_of(p, "bed_temper", -100, 1000, -1);
    r->bed_target = int_of(p, "bed_target_temper", -100, 1000, -1);
    r->speed_level = int_of(p, "spd_lvl", 1, 4, -1);
    copy_text(r->subtask_name, sizeof r->subtask_name,
              str_of(p, "subtask_name"));
    copy_text(r->gcode_file, sizeof r->gcode_file, str_of(p, "gcode_file"));
    v = member(p, "task_id");
    if (v && json_object_is_type(v, json_type_string))
        copy_text(r->task_id, sizeof r->task_id, json_object_get_string(v));
    else if (v && json_object_is_type(v, json_type_int))
        snprintf(r->task_id, sizeof r->task_id, "%lld",
                 (long long)json_object_get_int64(v));
    if (u32_value(member(p, "print_error"), &r->print_error))
        r->print_error = 0;
    if (r->print_error)
        bambu_error_format(r->print_error, r->print_error_id);
    r->cancelled = r->gcode_state == BAMBU_GS_FAILED &&
                   bambu_is_user_cancel(r->print_error);
    report_hms(p, r);
    r->signature_required = -1;
    if (hex_of(p, "fun", &fun) == 0)
        r->signature_required = (fun & 0x20000000) != 0;
    r->sdcard = sdcard_of(p);
    report_ams(p, r);
    blank_tray(&r->external);
    v = member_of_type(p, "vt_tray", json_type_object);
    if (v) {
        r->has_external = 1;
        fill_tray(v, &r->external);
    }
}
