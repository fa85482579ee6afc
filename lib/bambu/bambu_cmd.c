/* bambu_cmd — the command builders of bambu.h (§3): JSON text for
 * device/<SERIAL>/request, built with json-c so every value is escaped. */
#include "bambu/bambu.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/err.h"

#include "base/banned.h"

/* ---- commands ------------------------------------------------------- */

static int
bad(struct err *e, const char *field, const char *msg)
{
    struct err scratch;

    if (!e) {
        err_clear(&scratch);
        e = &scratch;
    }
    return err_field(e, field, "%s", msg);
}

/* Printable ASCII without quotes or backslash: ids are echoed back and
 * compared byte for byte. */
static int
seq_ok(const char *seq, struct err *e)
{
    size_t n = seq ? strlen(seq) : 0;

    if (n == 0 || n > 47)
        return bad(e, "sequence_id", "must be 1-47 characters");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)seq[i];
        if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\')
            return bad(e, "sequence_id", "must be printable ASCII");
    }
    return 0;
}

static struct json_object *
envelope(const char *cls, const char *seq, const char *command,
         struct json_object **inner)
{
    struct json_object *root = json_object_new_object();

    *inner = json_object_new_object();
    json_object_object_add(*inner, "sequence_id", json_object_new_string(seq));
    json_object_object_add(*inner, "command", json_object_new_string(command));
    json_object_object_add(root, cls, *inner);
    return root;
}

/* Serializes root into the arena and releases it. No "\/" escapes: the
 * printer gets "file:///sdcard/..." verbatim. */
static char *
finish(struct arena *a, struct json_object *root)
{
    char *s = arena_strdup(
        a, json_object_to_json_string_ext(
               root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

    json_object_put(root);
    return s;
}

static void
add_str(struct json_object *o, const char *key, const char *val)
{
    json_object_object_add(o, key, json_object_new_string(val));
}

static void
add_int(struct json_object *o, const char *key, int64_t val)
{
    json_object_object_add(o, key, json_object_new_int64(val));
}

static void
add_bool(struct json_object *o, const char *key, int val)
{
    json_object_object_add(o, key, json_object_new_boolean(val != 0));
}

static char *
simple(struct arena *a, const char *cls, const char *seq, const char *command,
       int empty_param, struct err *e)
{
    struct json_object *inner, *root;

    if (seq_ok(seq, e))
        return NULL;
    root = envelope(cls, seq, command, &inner);
    if (empty_param)
        add_str(inner, "param", "");
    return finish(a, root);
}

char *
bambu_cmd_pushall(struct arena *a, const char *seq, struct err *e)
{
    struct json_object *inner, *root;

    if (seq_ok(seq, e))
        return NULL;
    root = envelope("pushing", seq, "pushall", &inner);
    add_int(inner, "version", 1);
    add_int(inner, "push_target", 1);
    return finish(a, root);
}

char *
bambu_cmd_pushing_start(struct arena *a, const char *seq, struct err *e)
{
    return simple(a, "pushing", seq, "start", 0, e);
}

char *
bambu_cmd_get_version(struct arena *a, const char *seq, struct err *e)
{
    return simple(a, "info", seq, "get_version", 0, e);
}

char *
bambu_cmd_pause(struct arena *a, const char *seq, struct err *e)
{
    return simple(a, "print", seq, "pause", 1, e);
}

char *
bambu_cmd_resume(struct arena *a, const char *seq, struct err *e)
{
    return simple(a, "print", seq, "resume", 1, e);
}

char *
bambu_cmd_stop(struct arena *a, const char *seq, struct err *e)
{
    return simple(a, "print", seq, "stop", 1, e);
}

char *
bambu_cmd_print_speed(struct arena *a, const char *seq, int level,
                      struct err *e)
{
    struct json_object *inner, *root;
    char param[2];

    if (seq_ok(seq, e))
        return NULL;
    if (level < 1 || level > 4) {
        bad(e, "level", "must be 1-4");
        return NULL;
    }
    param[0] = (char)('0' + level);
    param[1] = '\0';
    root = envelope("print", seq, "print_speed", &inner);
    add_str(inner, "param", param); /* a string on the wire (§3.4) */
    return finish(a, root);
}

/* A file path relative to the FTPS root: no control bytes, no quotes or
 * backslashes, no ".." component. */
static int
path_ok(const char *p)
{
    size_t n = strlen(p);

    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
            return 0;
    }
    for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
            return 0;
    return 1;
}

static int
text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int
ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "dir/hinge.gcode.3mf" -> "hinge" */
static char *
default_subtask(struct arena *a, const char *file)
{
    const char *base = strrchr(file, '/');
    size_t n;

    base = base ? base + 1 : file;
    n = strlen(base);
    if (ends_with(base, n, ".gcode.3mf"))
        n -= strlen(".gcode.3mf");
    else if (ends_with(base, n, ".3mf"))
        n -= strlen(".3mf");
    if (n == 0)
        return arena_strdup(a, base);
    return arena_strndup(a, base, n);
}

static int
job_ok(const struct bambu_job *job, struct err *e)
{
    int any_ams = 0;

    if (!job->file || !path_ok(job->file[0] == '/' ? job->file + 1 : job->file))
        return bad(e, "file", "must be a path on the printer, 1-255 bytes");
    if (job->url && (!text_ok(job->url, 512) || !*job->url))
        return bad(e, "url", "must be 1-512 printable bytes");
    if (job->plate < 1 || job->plate > 999)
        return bad(e, "plate", "must be 1-999");
    if (job->subtask_name && !text_ok(job->subtask_name, 127))
        return bad(e, "subtask_name", "must be at most 127 printable bytes");
    if (job->task_id < 0 || job->task_id > INT32_MAX)
        return bad(e, "task_id", "must be 0-2147483647");
    if (job->md5 && !text_ok(job->md5, 32))
        return bad(e, "md5", "must be at most 32 bytes");
    if (job->bed_type && (!text_ok(job->bed_type, 31) || !*job->bed_type))
        return bad(e, "bed_type", "must be 1-31 printable bytes");
    if (job->n_ams_mapping < 0 || job->n_ams_mapping > 64 ||
        (job->n_ams_mapping > 0 && !job->ams_mapping))
        return bad(e, "ams_mapping", "must have 0-64 entries");
    for (int i = 0; i < job->n_ams_mapping; i++) {
        int t = job->ams_mapping[i];
        if (t >= 0 && t <= 15)
            any_ams = 1;
        else if (t != -1 && t != BAMBU_EXTERNAL_TRAY)
            return bad(e, "ams_mapping", "entries must be 0-15, -1 or 254");
    }
    /* A flat 254 or use_ams without an AMS tray gives 07FF_8012 (§3.3). */
    if (job->n_ams_mapping > 0 && !!job->use_ams != any_ams)
        return bad(e, "use_ams",
                   job->use_ams ? "is set but no filament maps to an "
                                  "AMS tray"
                                : "is off but a filament maps to an "
                                  "AMS tray");
    return 0;
}

char *
bambu_cmd_project_file(struct arena *a, const char *seq,
                       const struct bambu_job *job, struct err *e)
{
    struct json_object *inner, *root;
    const char *file;
    char id[24];

    if (seq_ok(seq, e))
        return NULL;
    if (!job) {
        bad(e, "job", "is required");
        return NULL;
    }
    if (job_ok(job, e))
        return NULL;
    file = job->file[0] == '/' ? job->file + 1 : job->file;
    snprintf(id, sizeof id, "%lld", (long long)job->task_id);

    root = envelope("print", seq, "project_file", &inner);
    add_str(inner, "param",
            arena_printf(a, "Metadata/plate_%d.gcode", job->plate));
    add_str(inner, "url",
            job->url ? job->url : arena_printf(a, "file:///sdcard/%s", file));
    add_str(inner, "file", file);
    add_str(inner, "md5", job->md5 ? job->md5 : "");
    add_str(inner, "subtask_name",
            job->subtask_name ? job->subtask_name : default_subtask(a, file));
    add_str(inner, "project_id", id);
    add_str(inner, "profile_id", "0");
    add_str(inner, "task_id", id);
    add_str(inner, "subtask_id", id);
    add_str(inner, "bed_type", job->bed_type ? job->bed_type : "auto");
    add_bool(inner, "timelapse", job->timelapse);
    add_bool(inner, "bed_leveling", job->bed_leveling);
    add_bool(inner, "flow_cali", job->flow_cali);
    add_bool(inner, "vibration_cali", job->vibration_cali);
    add_bool(inner, "layer_inspect", job->layer_inspect);
    add_bool(inner, "use_ams", job->use_ams);
    if (job->n_ams_mapping > 0) {
        struct json_object *flat = json_object_new_array();
        struct json_object *map2 = json_object_new_array();
        for (int i = 0; i < job->n_ams_mapping; i++) {
            int t = job->ams_mapping[i];
            struct json_object *m = json_object_new_object();
            int ams_id = 255, slot_id = 255; /* unused */
            if (t == BAMBU_EXTERNAL_TRAY) {
                slot_id = 0;
                t = -1; /* never 254 in the flat array (§3.3) */
            } else if (t >= 0) {
                ams_id = t / 4;
                slot_id = t % 4;
            }
            json_object_array_add(flat, json_object_new_int(t));
            add_int(m, "ams_id", ams_id);
            add_int(m, "slot_id", slot_id);
            json_object_array_add(map2, m);
        }
        json_object_object_add(inner, "ams_mapping", flat);
        json_object_object_add(inner, "ams_mapping2", map2);
    }
    return finish(a, root);
}

static const char *const ams_actions[BAMBU_AMS_ACTION__MAX] = {
    [BAMBU_AMS_RESUME] = "resume",
    [BAMBU_AMS_RESET] = "reset",
    [BAMBU_AMS_PAUSE] = "pause",
};

char *
bambu_cmd_ams_control(struct arena *a, const char *seq,
                      enum bambu_ams_action action, struct err *e)
{
    struct json_object *inner, *root;

    if (seq_ok(seq, e))
        return NULL;
    if ((unsigned)action >= BAMBU_AMS_ACTION__MAX) {
        bad(e, "action", "must be resume, reset or pause");
        return NULL;
    }
    root = envelope("print", seq, "ams_control", &inner);
    add_str(inner, "param", ams_actions[action]);
    return finish(a, root);
}

/* "#RRGGBB" -> "RRGGBBFF"; "" -> "00000000" (unset). 0 or -1. */
static int
wire_color(const char *c, char out[9])
{
    size_t n = strlen(c);

    if (n == 0) {
        memcpy(out, "00000000", 9);
        return 0;
    }
    if (n != 7 || c[0] != '#')
        return -1;
    for (int i = 0; i < 6; i++) {
        char ch = c[i + 1];
        if (ch >= 'a' && ch <= 'f')
            ch = (char)(ch - 'a' + 'A');
        else if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
            return -1;
        out[i] = ch;
    }
    memcpy(out + 6, "FF", 3);
    return 0;
}

char *
bambu_cmd_ams_filament_setting(struct arena *a, const char *seq, int tray,
                               const struct bambu_tray *t, struct err *e)
{
    struct json_object *inner, *root;
    char color[9];

    if (seq_ok(seq, e))
        return NULL;
    if (!((tray >= 0 && tray <= 15) || tray == BAMBU_EXTERNAL_TRAY)) {
        bad(e, "tray", "must be 0-15 or 254");
        return NULL;
    }
    if (!t || !text_ok(t->info_idx, sizeof t->info_idx - 1) ||
        !text_ok(t->type, sizeof t->type - 1)) {
        bad(e, "tray", "needs a filament preset and type");
        return NULL;
    }
    if (wire_color(t->color, color)) {
        bad(e, "color", "must be #RRGGBB");
        return NULL;
    }
    if (t->nozzle_temp_min < 0 || t->nozzle_temp_max < t->nozzle_temp_min ||
        t->nozzle_temp_max > 400) {
        bad(e, "nozzle_temp_max", "must be 0-400 and not below the minimum");
        return NULL;
    }
    root = envelope("print", seq, "ams_filament_setting", &inner);
    if (tray == BAMBU_EXTERNAL_TRAY) {
        add_int(inner, "ams_id", 255);
        add_int(inner, "tray_id", BAMBU_EXTERNAL_TRAY);
    } else {
        add_int(inner, "ams_id", tray / 4);
        add_int(inner, "tray_id", tray % 4);
        add_int(inner, "slot_id", tray % 4);
    }
    add_str(inner, "tray_info_idx", t->info_idx);
    add_str(inner, "tray_type", t->type);
    add_str(inner, "tray_color", color);
    add_int(inner, "nozzle_temp_min", t->nozzle_temp_min);
    add_int(inner, "nozzle_temp_max", t->nozzle_temp_max);
    return finish(a, root);
}
