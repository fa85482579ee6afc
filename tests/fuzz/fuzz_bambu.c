/*
 * fuzz_bambu — libFuzzer target for lib/bambu: report parsing, merging
 * (twice, so deltas land on a state), the report accessors, error decoding
 * and the command builders fed with input-derived strings. An input with a
 * NUL byte is two frames: the bytes before it, then the bytes after it;
 * otherwise the same frame is merged twice. Must never crash or leak.
 */
#include "bambu/bambu.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/err.h"

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise_report(struct arena *a, const struct bambu_report *r)
{
    char buf[256];
    struct bambu_job job;
    int mapping[BAMBU_SLOTS + 1];

    bambu_status_name(r->status);
    bambu_gcode_state_name(r->gcode_state);
    bambu_gcode_state_can_start(r->gcode_state);
    bambu_stage_name(r->stage);
    bambu_error_describe(r->print_error, buf, sizeof buf);
    bambu_error_module(r->print_error);
    for (int i = 0; i < r->nhms; i++) {
        bambu_hms_describe(r->hms[i].attr, r->hms[i].code, buf, sizeof buf);
        bambu_module_name(r->hms[i].module);
        bambu_severity_name(r->hms[i].severity);
    }
    /* The dispatcher re-sends what it read: the builders must accept or
     * cleanly refuse whatever the report holds. */
    bambu_cmd_ams_filament_setting(a, "fz-1", BAMBU_EXTERNAL_TRAY, &r->external,
                                   NULL);
    for (int i = 0; i < BAMBU_SLOTS; i++) {
        mapping[i] = r->trays[i].present ? i : -1;
        if (r->trays[i].present)
            bambu_cmd_ams_filament_setting(a, "fz-2", i, &r->trays[i], NULL);
    }
    mapping[BAMBU_SLOTS] = r->tray_now;
    memset(&job, 0, sizeof job);
    job.file = r->subtask_name[0] ? r->subtask_name : r->gcode_file;
    job.subtask_name = r->subtask_name;
    job.plate = r->percent;
    job.task_id = r->layer_num;
    job.use_ams = r->ams_units != 0;
    job.ams_mapping = mapping;
    job.n_ams_mapping = BAMBU_SLOTS + 1;
    bambu_cmd_project_file(a, r->task_id[0] ? r->task_id : "fz-3", &job, NULL);
    bambu_cmd_print_speed(a, "fz-4", r->speed_level, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const uint8_t *nul = size ? memchr(data, 0, size) : NULL;
    size_t n1 = nul ? (size_t)(nul - data) : size;
    struct bambu_state *s = bambu_state_new();
    struct arena *a = arena_new();
    struct bambu_frame f;
    struct bambu_report r;
    struct err e;

    err_clear(&e);
    bambu_state_merge(s, text, n1, &f, &e);
    bambu_frame_matches(&f, f.cls, f.command, f.sequence_id);
    bambu_frame_verify_failed(&f);
    err_clear(&e);
    if (nul)
        bambu_state_merge(s, (const char *)nul + 1, size - n1 - 1, &f, &e);
    else
        bambu_state_merge(s, text, size, &f, &e);
    bambu_frame_verify_failed(&f);
    bambu_state_report(s, &r);
    exercise_report(a, &r);
    json_object_to_json_string(bambu_state_json(s));

    /* Raw input as builder arguments. */
    {
        char *str = arena_strndup(a, text, n1 < 300 ? n1 : 300);
        struct bambu_job job;
        struct bambu_tray t;
        memset(&job, 0, sizeof job);
        job.file = str;
        job.url = size & 1 ? str : NULL;
        job.plate = 1;
        job.md5 = size & 2 ? str : NULL;
        job.bed_type = size & 4 ? str : NULL;
        bambu_cmd_project_file(a, str, &job, NULL);
        bambu_cmd_pushall(a, str, NULL);
        memset(&t, 0, sizeof t);
        snprintf(t.color, sizeof t.color, "%s", str);
        snprintf(t.type, sizeof t.type, "%s", str);
        bambu_cmd_ams_filament_setting(a, "fz-5", 3, &t, NULL);
    }
    if (size >= 8) {
        uint32_t x, y;
        char buf[64];
        memcpy(&x, data, 4);
        memcpy(&y, data + 4, 4);
        bambu_hms_describe(x, y, buf, sizeof buf);
        bambu_error_describe(x, buf, sizeof buf);
        bambu_error_describe(y, buf, 3);
        bambu_is_user_cancel(x);
    }
    arena_free(a);
    bambu_state_free(s);
    return 0;
}
