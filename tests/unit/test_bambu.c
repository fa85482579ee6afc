/*
 * test_bambu — the pure protocol module: full X1 frames, P1 deltas on top,
 * AMS trays merged by id (partial trays, trays becoming empty), arrays
 * replaced, bad frames rejected with the state untouched, ack/echo
 * recognition, print_error/HMS formatting and decoding, user cancel,
 * gcode_state mapping and the command builders (parsed back with json-c).
 */
#include "bambu/bambu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

#include "base/banned.h"

/* Composed for this test from the field lists of BAMBU-PROTOCOL.md §2. */
static const char X1_FULL[] =
    "{\"print\":{\"command\":\"push_status\",\"msg\":0,\"sequence_id\":"
    "\"5102\","
    "\"gcode_state\":\"RUNNING\",\"stg\":[2,13,1,0],\"stg_cur\":0,"
    "\"mc_percent\":61,\"mc_remaining_time\":47,\"layer_num\":152,"
    "\"total_layer_num\":240,\"subtask_name\":\"gear_housing_b\","
    "\"gcode_file\":\"/data/Metadata/plate_1.gcode\",\"task_id\":\"771204\","
    "\"nozzle_temper\":229.5,\"nozzle_target_temper\":230.0,"
    "\"bed_temper\":64.4,\"bed_target_temper\":65,\"spd_lvl\":3,"
    "\"print_error\":0,\"hms\":[{\"attr\":50331904,\"code\":65543}],"
    "\"sdcard\":true,\"fun\":\"3A1C0F9CFB\","
    "\"lights_report\":[{\"node\":\"chamber_light\",\"mode\":\"on\"},"
    "{\"node\":\"work_light\",\"mode\":\"off\"}],"
    "\"ams\":{\"ams_exist_bits\":\"3\",\"tray_exist_bits\":\"7f\","
    "\"tray_now\":\"5\",\"ams\":["
    "{\"id\":\"0\",\"humidity\":\"3\",\"tray\":["
    "{\"id\":\"0\",\"tray_type\":\"PLA\",\"tray_sub_brands\":\"PLA Basic\","
    "\"tray_info_idx\":\"GFA00\",\"tray_color\":\"F4f4F0FF\","
    "\"tray_weight\":\"1000\",\"remain\":88,\"tag_uid\":\"1A2B3C4D00000100\","
    "\"tray_uuid\":\"a1b2c3d4e5f60718293a4b5c6d7e8f90\","
    "\"nozzle_temp_min\":\"190\",\"nozzle_temp_max\":\"230\",\"k\":0.02},"
    "{\"id\":\"1\",\"tray_type\":\"PLA\",\"tray_color\":\"000000FF\","
    "\"tray_weight\":\"1000\",\"remain\":40},"
    "{\"id\":\"2\",\"tray_type\":\"PETG\",\"tray_color\":\"F2A900FF\","
    "\"tray_weight\":\"1000\",\"remain\":97},"
    "{\"id\":\"3\",\"tray_type\":\"ABS\",\"tray_color\":\"2850E0FF\","
    "\"remain\":5}]},"
    "{\"id\":\"1\",\"tray\":["
    "{\"id\":\"0\",\"tray_type\":\"PLA\",\"tray_color\":\"7A3E9DFF\","
    "\"tray_weight\":\"0\",\"remain\":-1,\"tag_uid\":\"0000000000000000\","
    "\"tray_uuid\":\"00000000000000000000000000000000\"},"
    "{\"id\":\"1\",\"tray_type\":\"TPU\",\"tray_color\":\"DDDDDDFF\","
    "\"remain\":63},"
    "{\"id\":\"2\",\"tray_type\":\"PLA\",\"tray_color\":\"C0C0C0FF\","
    "\"remain\":100},"
    "{\"id\":\"3\"}]}]},"
    "\"vt_tray\":{\"id\":\"254\",\"tray_type\":\"\","
    "\"tray_color\":\"00000000\",\"remain\":0}}}";

static const char P1_FULL[] =
    "{\"print\":{\"command\":\"push_status\",\"msg\":0,\"sequence_id\":\"880\","
    "\"gcode_state\":\"IDLE\",\"stg_cur\":255,\"mc_percent\":0,"
    "\"mc_remaining_time\":0,\"subtask_name\":\"\",\"nozzle_temper\":\"24.8\","
    "\"bed_temper\":23.4,\"print_error\":0,\"hms\":[],\"home_flag\":256,"
    "\"ams\":{\"ams\":[],\"ams_exist_bits\":\"0\",\"tray_exist_bits\":\"0\","
    "\"tray_now\":\"254\"},"
    "\"vt_tray\":{\"id\":\"254\",\"tray_type\":\"PETG\","
    "\"tray_info_idx\":\"GFG99\",\"tray_color\":\"2F9E44FF\","
    "\"tray_weight\":\"0\",\"remain\":0,\"nozzle_temp_min\":\"230\","
    "\"nozzle_temp_max\":\"260\"}}}";

static struct bambu_state *
state_with(const char *frame)
{
    struct bambu_state *s = bambu_state_new();
    struct err e;

    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, frame, strlen(frame), NULL, &e), 0);
    return s;
}

static void
merge_ok(struct bambu_state *s, const char *frame, struct bambu_frame *f)
{
    struct err e;

    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, frame, strlen(frame), f, &e), 0);
    assert_false(err_is_set(&e));
}

static void
test_full_x1(void **unused)
{
    struct bambu_state *s = bambu_state_new();
    struct bambu_frame f;
    struct bambu_report r;

    (void)unused;
    assert_false(bambu_state_has_full(s));
    merge_ok(s, X1_FULL, &f);
    assert_int_equal(f.kind, BAMBU_FRAME_STATUS);
    assert_true(f.full);
    assert_string_equal(f.cls, "print");
    assert_string_equal(f.sequence_id, "5102");
    assert_true(bambu_state_has_full(s));
    assert_int_equal(bambu_state_frames(s), 1);

    bambu_state_report(s, &r);
    assert_int_equal(r.gcode_state, BAMBU_GS_RUNNING);
    assert_int_equal(r.status, BAMBU_PRINTING);
    assert_string_equal(bambu_status_name(r.status), "printing");
    assert_int_equal(r.percent, 61);
    assert_int_equal(r.remaining_minutes, 47);
    assert_int_equal(r.layer_num, 152);
    assert_int_equal(r.total_layer_num, 240);
    assert_int_equal(r.stage, 0);
    assert_int_equal(r.nozzle_temp, 230); /* 229.5 rounds up */
    assert_int_equal(r.bed_temp, 64);     /* 64.4 rounds down */
    assert_int_equal(r.bed_target, 65);
    assert_int_equal(r.speed_level, 3);
    assert_string_equal(r.subtask_name, "gear_housing_b");
    assert_string_equal(r.gcode_file, "/data/Metadata/plate_1.gcode");
    assert_string_equal(r.task_id, "771204");
    assert_int_equal(r.print_error, 0);
    assert_string_equal(r.print_error_id, "");
    assert_false(r.cancelled);
    assert_int_equal(r.sdcard, 1);
    assert_int_equal(r.signature_required, 0); /* bit 0x20000000 clear */
    assert_int_equal(r.nhms, 1);
    assert_string_equal(r.hms[0].id, "0300_0100_0001_0007");
    assert_int_equal(r.hms[0].module, BAMBU_MOD_MC);
    assert_int_equal(r.hms[0].severity, BAMBU_SEV_FATAL);
    assert_false(r.verify_failed_hms);

    assert_int_equal(r.ams_units, 3);
    assert_int_equal(r.tray_now, 5);
    assert_true(r.trays[0].present);
    assert_string_equal(r.trays[0].type, "PLA");
    assert_string_equal(r.trays[0].sub_brand, "PLA Basic");
    assert_string_equal(r.trays[0].info_idx, "GFA00");
    assert_string_equal(r.trays[0].color, "#F4F4F0");
    assert_int_equal(r.trays[0].remain, 88);
    assert_int_equal(r.trays[0].weight_grams, 1000);
    assert_int_equal(r.trays[0].nozzle_temp_min, 190);
    assert_int_equal(r.trays[0].nozzle_temp_max, 230);
    assert_string_equal(r.trays[0].tray_uuid,
                        "A1B2C3D4E5F60718293A4B5C6D7E8F90");
    assert_string_equal(r.trays[0].tag_uid, "1A2B3C4D00000100");
    assert_string_equal(r.trays[1].color, "#000000");
    assert_string_equal(r.trays[3].type, "ABS");
    assert_int_equal(r.trays[3].weight_grams, -1); /* absent */
    /* Unit 1 slot 0: non-RFID spool, unknowns as -1 / "". */
    assert_true(r.trays[4].present);
    assert_int_equal(r.trays[4].remain, -1);
    assert_int_equal(r.trays[4].weight_grams, -1);
    assert_string_equal(r.trays[4].tray_uuid, "");
    assert_string_equal(r.trays[4].tag_uid, "");
    assert_string_equal(r.trays[5].type, "TPU");
    assert_false(r.trays[7].present); /* {"id":"3"} */
    assert_string_equal(r.trays[7].type, "");
    assert_int_equal(r.trays[7].remain, -1);
    assert_true(r.has_external);
    assert_false(r.external.present);
    bambu_state_free(s);
}

static void
test_p1_delta_on_full(void **unused)
{
    struct bambu_state *s = state_with(P1_FULL);
    struct bambu_frame f;
    struct bambu_report r;

    (void)unused;
    bambu_state_report(s, &r);
    assert_int_equal(r.status, BAMBU_IDLE);
    assert_int_equal(r.nozzle_temp, 25); /* numeric string */
    assert_int_equal(r.stage, 255);
    assert_int_equal(r.tray_now, BAMBU_EXTERNAL_TRAY);
    assert_int_equal(r.sdcard, 1);              /* home_flag 0x100 */
    assert_int_equal(r.signature_required, -1); /* P1: no fun */
    assert_int_equal(r.ams_units, 0);
    assert_true(r.external.present);
    assert_string_equal(r.external.type, "PETG");
    assert_string_equal(r.external.color, "#2F9E44");
    assert_int_equal(r.external.nozzle_temp_max, 260);

    merge_ok(s,
             "{\"print\":{\"command\":\"push_status\",\"msg\":1,"
             "\"sequence_id\":\"881\",\"gcode_state\":\"RUNNING\","
             "\"subtask_name\":\"spool_holder\",\"mc_percent\":55,"
             "\"mc_remaining_time\":41,\"nozzle_temper\":219.9}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_STATUS);
    assert_false(f.full);
    assert_int_equal(bambu_state_frames(s), 2);
    bambu_state_report(s, &r);
    assert_int_equal(r.status, BAMBU_PRINTING);
    assert_int_equal(r.percent, 55);
    assert_int_equal(r.remaining_minutes, 41);
    assert_int_equal(r.nozzle_temp, 220);
    assert_string_equal(r.subtask_name, "spool_holder");
    /* Keys the delta did not carry keep their values. */
    assert_int_equal(r.bed_temp, 23);
    assert_int_equal(r.stage, 255);
    assert_string_equal(r.external.type, "PETG");

    /* A delta without "msg" is a delta too. */
    merge_ok(s, "{\"print\":{\"command\":\"push_status\",\"mc_percent\":56}}",
             &f);
    assert_false(f.full);
    bambu_state_report(s, &r);
    assert_int_equal(r.percent, 56);
    assert_int_equal(r.remaining_minutes, 41);
    bambu_state_free(s);
}

static void
test_ams_partial_tray_delta(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    struct bambu_report r;
    struct json_object *units, *u0;

    (void)unused;
    /* Tray 0: only remain changes. Tray 2 becomes empty ({"id":"2"} and
     * its tray_exist_bits bit cleared). Unit 1 is not mentioned. */
    merge_ok(s,
             "{\"print\":{\"command\":\"push_status\",\"msg\":1,"
             "\"ams\":{\"tray_exist_bits\":\"7b\",\"ams\":[{\"id\":\"0\","
             "\"tray\":[{\"id\":\"0\",\"remain\":87},{\"id\":\"2\"}]}]}}}",
             NULL);
    bambu_state_report(s, &r);
    assert_true(r.trays[0].present);
    assert_int_equal(r.trays[0].remain, 87);
    assert_string_equal(r.trays[0].type, "PLA");
    assert_string_equal(r.trays[0].color, "#F4F4F0");
    assert_string_equal(r.trays[0].tray_uuid,
                        "A1B2C3D4E5F60718293A4B5C6D7E8F90");
    assert_int_equal(r.trays[1].remain, 40);
    assert_false(r.trays[2].present);
    assert_string_equal(r.trays[2].type, "");
    assert_int_equal(r.trays[3].remain, 5);
    assert_string_equal(r.trays[5].type, "TPU");
    assert_int_equal(r.trays[6].remain, 100);
    assert_int_equal(r.tray_now, 5);
    /* The cache kept both units and four trays in unit 0; tray 2 is now
     * the bare id. */
    assert_true(json_object_object_get_ex(
        json_object_object_get(bambu_state_json(s), "ams"), "ams", &units));
    assert_int_equal(json_object_array_length(units), 2);
    u0 = json_object_array_get_idx(units, 0);
    assert_string_equal(
        json_object_get_string(json_object_object_get(u0, "humidity")), "3");
    assert_int_equal(
        json_object_array_length(json_object_object_get(u0, "tray")), 4);
    assert_int_equal(json_object_object_length(json_object_array_get_idx(
                         json_object_object_get(u0, "tray"), 2)),
                     1);

    /* A spool inserted later: delta with the full tray. */
    merge_ok(s,
             "{\"print\":{\"msg\":1,\"ams\":{\"tray_exist_bits\":\"ff\","
             "\"ams\":[{\"id\":\"1\",\"tray\":[{\"id\":\"3\","
             "\"tray_type\":\"PETG\",\"tray_color\":\"112233FF\","
             "\"remain\":50}]}]}}}",
             NULL);
    bambu_state_report(s, &r);
    assert_true(r.trays[7].present);
    assert_string_equal(r.trays[7].color, "#112233");
    assert_int_equal(r.trays[7].remain, 50);
    assert_false(r.trays[2].present); /* bit set, but no data: empty */

    /* Only tray_exist_bits changes: the slot reads empty at once. */
    merge_ok(s, "{\"print\":{\"msg\":1,\"ams\":{\"tray_exist_bits\":\"7a\"}}}",
             NULL);
    bambu_state_report(s, &r);
    assert_false(r.trays[0].present);
    assert_false(r.trays[7].present);
    assert_true(r.trays[1].present);
    bambu_state_free(s);
}

static void
test_full_frame_replaces(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    struct bambu_report r;

    (void)unused;
    /* A full frame is the truth: AMS gone, keys not in it are dropped. */
    merge_ok(s, P1_FULL, NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.ams_units, 0);
    for (int i = 0; i < BAMBU_SLOTS; i++)
        assert_false(r.trays[i].present);
    assert_int_equal(r.speed_level, -1);
    assert_string_equal(r.gcode_file, "");
    assert_null(json_object_object_get(bambu_state_json(s), "fun"));

    bambu_state_clear(s);
    assert_false(bambu_state_has_full(s));
    bambu_state_report(s, &r);
    assert_int_equal(r.status, BAMBU_UNKNOWN);
    assert_int_equal(r.percent, -1);
    assert_int_equal(r.nozzle_temp, -1);
    assert_int_equal(r.tray_now, -1);
    assert_int_equal(r.sdcard, -1);
    assert_false(r.has_external);
    bambu_state_free(s);
}

static void
test_arrays_replaced(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    struct bambu_report r;
    struct json_object *lights;

    (void)unused;
    merge_ok(s,
             "{\"print\":{\"msg\":1,\"hms\":[{\"attr\":117441280,"
             "\"code\":131075},{\"attr\":83887360,\"code\":65543}],"
             "\"lights_report\":[{\"node\":\"chamber_light\","
             "\"mode\":\"off\"}],\"stg\":[1]}}",
             NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.nhms, 2);
    assert_string_equal(r.hms[0].id, "0700_0300_0002_0003");
    assert_true(r.verify_failed_hms);
    lights = json_object_object_get(bambu_state_json(s), "lights_report");
    assert_int_equal(json_object_array_length(lights), 1);
    assert_int_equal(json_object_array_length(
                         json_object_object_get(bambu_state_json(s), "stg")),
                     1);

    merge_ok(s, "{\"print\":{\"msg\":1,\"hms\":[]}}", NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.nhms, 0);
    assert_false(r.verify_failed_hms);

    /* AMS units without ids cannot merge by id: the array is replaced. */
    merge_ok(s, "{\"print\":{\"msg\":1,\"ams\":{\"ams\":[{\"x\":1}]}}}", NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.trays[0].present, 0);
    bambu_state_free(s);
}

static void
test_bad_frames_rejected(void **unused)
{
    static const char *const bad[] = {
        "",
        "{\"print\":{\"mc_percent\":",
        "[1,2,3]",
        "\"print\"",
        "42",
        "{\"print\":\"RUNNING\"}",
        "{\"print\":[1]}",
        "{\"print\":{}} trailing",
        "{\"print\":{\"subtask_name\":\"\xff\xfe\"}}",
        "{print:{}}",
    };
    struct bambu_state *s = state_with(X1_FULL);
    char *before = strdup(json_object_to_json_string(bambu_state_json(s)));
    char big[64];
    struct bambu_frame f;
    struct err e;

    (void)unused;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&e);
        assert_int_equal(bambu_state_merge(s, bad[i], strlen(bad[i]), &f, &e),
                         -1);
        assert_int_equal(e.kind, ERR_BAD_JSON);
        assert_int_not_equal(f.kind, BAMBU_FRAME_STATUS);
    }
    /* Embedded NUL, and a length past the cap. */
    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, "{\"print\":{}}\0{}", 15, &f, &e),
                     -1);
    memset(big, ' ', sizeof big);
    err_clear(&e);
    assert_int_equal(
        bambu_state_merge(s, big, (size_t)BAMBU_FRAME_MAX + 1, &f, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_JSON);
    /* NULL err is allowed. */
    assert_int_equal(bambu_state_merge(s, "[", 1, NULL, NULL), -1);

    assert_string_equal(json_object_to_json_string(bambu_state_json(s)),
                        before);
    assert_int_equal(bambu_state_frames(s), 1);
    /* Whitespace around a frame is fine. */
    merge_ok(s, " \n{\"print\":{\"msg\":1,\"mc_percent\":62}}\r\n", NULL);
    free(before);
    bambu_state_free(s);
}

static void
test_acks(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    struct bambu_frame f;
    struct bambu_report r;

    (void)unused;
    merge_ok(s,
             "{\"print\":{\"command\":\"project_file\","
             "\"sequence_id\":\"fd-17\",\"result\":\"SUCCESS\","
             "\"reason\":\"\",\"subtask_name\":\"other_job\","
             "\"param\":\"Metadata/plate_1.gcode\"}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_ACK);
    assert_string_equal(f.cls, "print");
    assert_string_equal(f.command, "project_file");
    assert_string_equal(f.sequence_id, "fd-17");
    assert_int_equal(f.result, BAMBU_RESULT_SUCCESS);
    assert_true(bambu_frame_matches(&f, "print", "project_file", "fd-17"));
    assert_false(bambu_frame_matches(&f, "print", "project_file", "fd-18"));
    assert_false(bambu_frame_matches(&f, "print", "stop", "fd-17"));
    assert_false(bambu_frame_matches(&f, "system", "project_file", "fd-17"));
    assert_false(bambu_frame_verify_failed(&f));
    /* The echo does not touch the cache. */
    bambu_state_report(s, &r);
    assert_string_equal(r.subtask_name, "gear_housing_b");
    assert_int_equal(bambu_state_frames(s), 1);

    merge_ok(s,
             "{\"print\":{\"command\":\"pause\",\"sequence_id\":\"fd-18\","
             "\"result\":\"failed\","
             "\"reason\":\"MQTT message verify failed\"}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_ACK);
    assert_int_equal(f.result, BAMBU_RESULT_FAILED);
    assert_string_equal(f.reason, "MQTT message verify failed");
    assert_true(bambu_frame_verify_failed(&f));
    /* the same test on a bare reason (a command's echo, as the transport
     * hands it over) */
    assert_true(bambu_reason_verify_failed(BAMBU_REASON_VERIFY_FAILED));
    assert_true(bambu_reason_verify_failed(f.reason));
    assert_false(bambu_reason_verify_failed("busy"));
    assert_false(bambu_reason_verify_failed(""));
    assert_false(bambu_reason_verify_failed(NULL));

    merge_ok(s,
             "{\"print\":{\"command\":\"stop\",\"sequence_id\":\"fd-19\","
             "\"result\":\"failed\",\"reason\":\"busy\"}}",
             &f);
    assert_false(bambu_frame_verify_failed(&f));

    /* Firmware without sequence_id/result in the answer; numeric id. */
    merge_ok(s, "{\"print\":{\"command\":\"print_speed\",\"param\":\"3\"}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_ACK);
    assert_string_equal(f.sequence_id, "");
    assert_int_equal(f.result, BAMBU_RESULT_NONE);
    merge_ok(s,
             "{\"system\":{\"command\":\"ledctrl\",\"sequence_id\":2001,"
             "\"result\":\"success\"}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_ACK);
    assert_true(bambu_frame_matches(&f, "system", "ledctrl", "2001"));

    merge_ok(s,
             "{\"info\":{\"command\":\"get_version\",\"sequence_id\":\"fd-1\","
             "\"module\":[{\"name\":\"mc\",\"sw_ver\":\"00.00.31.33\"},"
             "{\"name\":\"ota\",\"sw_ver\":\"01.08.02.00\"}]}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_ACK);
    assert_string_equal(f.firmware, "01.08.02.00");

    merge_ok(s,
             "{\"mc_print\":{\"command\":\"push_info\",\"sequence_id\":\"9\","
             "\"param\":\"[BMC] M620\"}}",
             &f);
    assert_int_equal(f.kind, BAMBU_FRAME_OTHER);
    assert_string_equal(f.cls, "mc_print");
    merge_ok(s, "{\"event\":{\"event\":\"client.connected\"}}", &f);
    assert_int_equal(f.kind, BAMBU_FRAME_OTHER);
    merge_ok(s, "{}", &f);
    assert_int_equal(f.kind, BAMBU_FRAME_OTHER);
    assert_string_equal(f.cls, "");
    assert_int_equal(bambu_state_frames(s), 1);
    bambu_state_free(s);
}

static void
test_print_error(void **unused)
{
    char id[BAMBU_ERROR_ID_LEN], text[128];

    (void)unused;
    bambu_error_format(117473286, id);
    assert_string_equal(id, "0700_8006");
    bambu_error_format(50348044, id);
    assert_string_equal(id, "0300_400C");
    bambu_error_format(0xFFFFFFFFu, id);
    assert_string_equal(id, "FFFF_FFFF");
    bambu_error_format(0, id);
    assert_string_equal(id, "0000_0000");
    assert_int_equal(bambu_error_module(117473286), BAMBU_MOD_AMS);
    assert_int_equal(bambu_error_module(0x0500C010), BAMBU_MOD_MAINBOARD);
    assert_int_equal(bambu_error_module(0x07FF8012), BAMBU_MOD_AMS);
    assert_int_equal(bambu_error_module(0x11000000), BAMBU_MOD_UNKNOWN);

    assert_string_equal(bambu_error_text(0x05004004),
                        "Printer busy: cannot start a new task");
    assert_non_null(bambu_error_text(0x07FF8012));
    assert_null(bambu_error_text(0x07008099));
    assert_string_equal(bambu_error_describe(117473286, text, sizeof text),
                        "AMS cannot feed filament (0700_8006)");
    assert_string_equal(bambu_error_describe(0x07008099, text, sizeof text),
                        "AMS error 0700_8099");
    assert_string_equal(bambu_error_describe(0x0C00403D, text, sizeof text),
                        "Camera error 0C00_403D");
    bambu_error_describe(0x0300400C, text, 5);
    assert_string_equal(text, "Task");

    assert_true(bambu_is_user_cancel(50348044));
    assert_true(bambu_is_user_cancel(0x0500400E));
    assert_false(bambu_is_user_cancel(0));
    assert_false(bambu_is_user_cancel(117473286));
}

static void
test_hms(void **unused)
{
    char id[BAMBU_HMS_ID_LEN], text[160];

    (void)unused;
    bambu_hms_format(0x07002000, 0x00020001, id);
    assert_string_equal(id, "0700_2000_0002_0001");
    bambu_hms_format(50331904, 65543, id);
    assert_string_equal(id, "0300_0100_0001_0007");
    bambu_hms_format(0xFFFFFFFFu, 0xFFFFFFFFu, id);
    assert_string_equal(id, "FFFF_FFFF_FFFF_FFFF");

    assert_int_equal(bambu_hms_module(0x03000100), BAMBU_MOD_MC);
    assert_int_equal(bambu_hms_module(0x05000500), BAMBU_MOD_MAINBOARD);
    assert_int_equal(bambu_hms_module(0x07000300), BAMBU_MOD_AMS);
    assert_int_equal(bambu_hms_module(0x08001000), BAMBU_MOD_TOOLHEAD);
    assert_int_equal(bambu_hms_module(0x0C000300), BAMBU_MOD_XCAM);
    assert_int_equal(bambu_hms_module(0x12000000), BAMBU_MOD_UNKNOWN);
    assert_string_equal(bambu_module_name(BAMBU_MOD_AMS), "ams");
    assert_string_equal(bambu_module_name((enum bambu_module)99), "unknown");

    assert_int_equal(bambu_hms_severity(0x00010007), BAMBU_SEV_FATAL);
    assert_int_equal(bambu_hms_severity(0x00020003), BAMBU_SEV_SERIOUS);
    assert_int_equal(bambu_hms_severity(0x00030001), BAMBU_SEV_COMMON);
    assert_int_equal(bambu_hms_severity(0x00040001), BAMBU_SEV_INFO);
    assert_int_equal(bambu_hms_severity(0x00050001), BAMBU_SEV_UNKNOWN);
    assert_int_equal(bambu_hms_severity(0x00000001), BAMBU_SEV_UNKNOWN);
    assert_string_equal(bambu_severity_name(BAMBU_SEV_COMMON), "common");

    assert_non_null(bambu_hms_text(0x05000500, 0x00010007));
    assert_null(bambu_hms_text(0x07000300, 0x00020003));
    assert_string_equal(
        bambu_hms_describe(0x03000100, 0x00010007, text, sizeof text),
        "fatal Motion controller alert: Heatbed temperature sensor fault "
        "(0300_0100_0001_0007)");
    assert_string_equal(
        bambu_hms_describe(0x07000300, 0x00020003, text, sizeof text),
        "serious AMS alert 0700_0300_0002_0003");
}

static void
test_gcode_states(void **unused)
{
    static const struct {
        const char *wire;
        enum bambu_gcode_state gs;
        enum bambu_status status;
        const char *name;
        int can_start;
    } cases[] = {
        {"IDLE", BAMBU_GS_IDLE, BAMBU_IDLE, "idle", 1},
        {"PREPARE", BAMBU_GS_PREPARE, BAMBU_PREPARING, "preparing", 0},
        {"SLICING", BAMBU_GS_SLICING, BAMBU_PREPARING, "preparing", 0},
        {"INIT", BAMBU_GS_INIT, BAMBU_UNKNOWN, "unknown", 0},
        {"RUNNING", BAMBU_GS_RUNNING, BAMBU_PRINTING, "printing", 0},
        {"PAUSE", BAMBU_GS_PAUSE, BAMBU_PAUSED, "paused", 0},
        {"FINISH", BAMBU_GS_FINISH, BAMBU_FINISHED, "finished", 1},
        {"FAILED", BAMBU_GS_FAILED, BAMBU_FAILED, "failed", 1},
        {"running", BAMBU_GS_UNKNOWN, BAMBU_UNKNOWN, "unknown", 0},
        {"", BAMBU_GS_UNKNOWN, BAMBU_UNKNOWN, "unknown", 0},
    };
    char frame[128];

    (void)unused;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bambu_state *s;
        struct bambu_report r;
        enum bambu_gcode_state gs = bambu_gcode_state_parse(cases[i].wire);
        assert_int_equal(gs, cases[i].gs);
        assert_int_equal(bambu_status_from_gcode_state(gs), cases[i].status);
        assert_string_equal(bambu_status_name(cases[i].status), cases[i].name);
        assert_int_equal(bambu_gcode_state_can_start(gs), cases[i].can_start);
        if (gs != BAMBU_GS_UNKNOWN)
            assert_string_equal(bambu_gcode_state_name(gs), cases[i].wire);
        snprintf(frame, sizeof frame,
                 "{\"print\":{\"msg\":0,\"gcode_state\":\"%s\"}}",
                 cases[i].wire);
        s = state_with(frame);
        bambu_state_report(s, &r);
        assert_int_equal(r.status, cases[i].status);
        bambu_state_free(s);
    }
    assert_null(bambu_gcode_state_parse(NULL) ? "x" : NULL);
    assert_string_equal(bambu_status_name(BAMBU_OFFLINE), "offline");
    assert_string_equal(bambu_status_name(BAMBU_STATUS__MAX), "unknown");
    assert_string_equal(bambu_stage_name(35), "paused: nozzle clog");
    assert_string_equal(bambu_stage_name(255), "idle");
    assert_null(bambu_stage_name(99));
}

static void
test_cancel_and_failure(void **unused)
{
    struct bambu_state *s =
        state_with("{\"print\":{\"command\":\"push_status\",\"msg\":0,"
                   "\"gcode_state\":\"FAILED\",\"mc_percent\":27,"
                   "\"print_error\":117473286,\"hms\":[{\"attr\":117441280,"
                   "\"code\":131075}],\"sdcard\":\"HAS_SDCARD_NORMAL\"}}");
    struct bambu_report r;

    (void)unused;
    bambu_state_report(s, &r);
    assert_int_equal(r.status, BAMBU_FAILED);
    assert_int_equal(r.print_error, 117473286);
    assert_string_equal(r.print_error_id, "0700_8006");
    assert_false(r.cancelled);
    assert_int_equal(r.sdcard, 1);
    assert_int_equal(r.hms[0].severity, BAMBU_SEV_SERIOUS);

    merge_ok(s, "{\"print\":{\"msg\":1,\"print_error\":\"50348044\"}}", NULL);
    bambu_state_report(s, &r);
    assert_true(r.cancelled);
    assert_string_equal(r.print_error_id, "0300_400C");

    merge_ok(s, "{\"print\":{\"msg\":1,\"gcode_state\":\"IDLE\"}}", NULL);
    bambu_state_report(s, &r);
    assert_false(r.cancelled); /* only a FAILED job is cancelled */
    bambu_state_free(s);
}

static void
test_lenient_values(void **unused)
{
    struct bambu_state *s = state_with(
        "{\"print\":{\"msg\":0,\"mc_percent\":\"1e999\",\"bed_temper\":"
        "\"nan\",\"nozzle_temper\":1e308,\"mc_remaining_time\":\" 12 \","
        "\"layer_num\":\"12abc\",\"print_error\":-1,\"task_id\":123,"
        "\"hms\":[{\"attr\":\"x\"},5,{\"attr\":4294967295,"
        "\"code\":\"65543\"}],\"fun\":\"0x20000000\",\"sdcard\":1,"
        "\"stg_cur\":-1,\"subtask_name\":\"\xc3\xa9t\xc3\xa9\","
        "\"ams\":{\"ams\":[{\"id\":7,\"tray\":[{\"id\":1}]},{\"id\":0,"
        "\"tray\":[{\"id\":1,\"tray_type\":\"PLA\",\"tray_color\":\"zz\","
        "\"remain\":101}]}],\"tray_now\":254}}}");
    struct bambu_report r;

    (void)unused;
    bambu_state_report(s, &r);
    assert_int_equal(r.percent, -1);
    assert_int_equal(r.bed_temp, -1);
    assert_int_equal(r.nozzle_temp, -1);
    assert_int_equal(r.remaining_minutes, 12);
    assert_int_equal(r.layer_num, -1);
    assert_int_equal(r.print_error, 0xFFFFFFFFu);
    assert_string_equal(r.task_id, "123");
    assert_int_equal(r.nhms, 1);
    assert_string_equal(r.hms[0].id, "FFFF_FFFF_0001_0007");
    assert_int_equal(r.signature_required, 1);
    assert_int_equal(r.sdcard, 1);
    assert_int_equal(r.stage, -1);
    assert_string_equal(r.subtask_name, "\xc3\xa9t\xc3\xa9");
    assert_int_equal(r.ams_units, 1); /* unit 7 ignored */
    assert_true(r.trays[1].present);
    assert_string_equal(r.trays[1].color, "");
    assert_int_equal(r.trays[1].remain, -1);
    assert_int_equal(r.tray_now, BAMBU_EXTERNAL_TRAY);
    bambu_state_free(s);
}

static void
test_truncation_keeps_utf8(void **unused)
{
    char frame[512];
    struct bambu_state *s;
    struct bambu_report r;
    size_t n;

    (void)unused;
    /* 126 ASCII bytes, then a 2-byte character across the 127-byte cut. */
    n = (size_t)snprintf(frame, sizeof frame,
                         "{\"print\":{\"msg\":0,\"subtask_name\":\"%0126d"
                         "\xc3\xa9xyz\"}}",
                         0);
    assert_true(n < sizeof frame);
    s = state_with(frame);
    bambu_state_report(s, &r);
    assert_int_equal(strlen(r.subtask_name), 126);
    bambu_state_free(s);
}

static void
test_merge_caps(void **unused)
{
    struct bambu_state *s = state_with("{\"print\":{\"msg\":0,\"ams\":"
                                       "{\"ams\":[]}}}");
    char frame[128];
    struct json_object *units;

    (void)unused;
    for (int i = 0; i < 100; i++) {
        snprintf(frame, sizeof frame,
                 "{\"print\":{\"msg\":1,\"ams\":{\"ams\":[{\"id\":\"%d\"}]}}}",
                 i);
        merge_ok(s, frame, NULL);
    }
    json_object_object_get_ex(
        json_object_object_get(bambu_state_json(s), "ams"), "ams", &units);
    assert_int_equal(json_object_array_length(units), BAMBU_AMS_UNITS_MAX);
    bambu_state_free(s);
}

/* ---- caps: one printer cannot grow the cache without bound ---------- */

static const char *
cached_str(struct bambu_state *s, const char *key)
{
    struct json_object *v = json_object_object_get(bambu_state_json(s), key);

    return v ? json_object_get_string(v) : NULL;
}

static size_t
cached_len(struct bambu_state *s)
{
    return strlen(json_object_to_json_string_ext(bambu_state_json(s),
                                                 JSON_C_TO_STRING_PLAIN));
}

static void
test_unknown_keys_dropped(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    struct json_object *p, *ams, *u0, *t0, *vt;
    struct bambu_report r;
    char *frame, *long_name;
    struct buf b;

    (void)unused;
    /* Junk at every level; known keys in the same frame still merge. */
    merge_ok(
        s,
        "{\"print\":{\"msg\":1,\"junk_top\":\"x\",\"mc_percent\":63,"
        "\"upgrade_state\":{\"a\":[1,2,3]},"
        "\"ams\":{\"junk_ams\":1,\"tray_now\":\"6\",\"ams\":[{\"id\":\"0\","
        "\"junk_unit\":{},\"tray\":[{\"id\":\"0\",\"junk_tray\":[],"
        "\"remain\":80},{\"id\":\"1\",\"junk_only\":true}]}]},"
        "\"vt_tray\":{\"junk_vt\":\"y\",\"tray_type\":\"PLA\"},"
        "\"hms\":[{\"attr\":1,\"code\":2,\"junk_hms\":3}]}}",
        NULL);
    p = bambu_state_json(s);
    assert_null(json_object_object_get(p, "junk_top"));
    assert_null(json_object_object_get(p, "upgrade_state"));
    ams = json_object_object_get(p, "ams");
    assert_null(json_object_object_get(ams, "junk_ams"));
    u0 = json_object_array_get_idx(json_object_object_get(ams, "ams"), 0);
    assert_null(json_object_object_get(u0, "junk_unit"));
    t0 = json_object_array_get_idx(json_object_object_get(u0, "tray"), 0);
    assert_null(json_object_object_get(t0, "junk_tray"));
    vt = json_object_object_get(p, "vt_tray");
    assert_null(json_object_object_get(vt, "junk_vt"));
    assert_int_equal(json_object_object_length(json_object_array_get_idx(
                         json_object_object_get(p, "hms"), 0)),
                     2);
    bambu_state_report(s, &r);
    assert_int_equal(r.percent, 63);
    assert_int_equal(r.tray_now, 6);
    assert_int_equal(r.trays[0].remain, 80);
    assert_string_equal(r.trays[0].type, "PLA"); /* merged, not replaced */
    /* A tray delta with nothing known is no delta, not an empty slot. */
    assert_true(r.trays[1].present);
    assert_int_equal(r.trays[1].remain, 40);
    assert_string_equal(r.external.type, "PLA");
    assert_int_equal(r.nhms, 1);

    /* A known key in the wrong shape, or with too long a string, is
     * ignored: the cached value stays. */
    merge_ok(s,
             "{\"print\":{\"msg\":1,\"gcode_state\":{\"x\":1},"
             "\"subtask_name\":[\"a\"],\"ams\":\"none\",\"hms\":{},"
             "\"stg\":[1,{\"x\":2},3]}}",
             NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.gcode_state, BAMBU_GS_RUNNING);
    assert_string_equal(r.subtask_name, "gear_housing_b");
    assert_int_equal(r.ams_units, 3);
    assert_int_equal(r.nhms, 1);
    assert_int_equal(json_object_array_length(
                         json_object_object_get(bambu_state_json(s), "stg")),
                     2);

    long_name = calloc(1, BAMBU_STRING_MAX + 2);
    assert_non_null(long_name);
    memset(long_name, 'n', BAMBU_STRING_MAX + 1);
    buf_init(&b, 0);
    buf_printf(&b, "{\"print\":{\"msg\":1,\"subtask_name\":\"%s\"}}",
               long_name);
    frame = b.data;
    merge_ok(s, frame, NULL);
    assert_string_equal(cached_str(s, "subtask_name"), "gear_housing_b");
    long_name[BAMBU_STRING_MAX] = '\0'; /* exactly the cap: kept */
    buf_clear(&b);
    buf_printf(&b, "{\"print\":{\"msg\":1,\"subtask_name\":\"%s\"}}",
               long_name);
    merge_ok(s, b.data, NULL);
    assert_string_equal(cached_str(s, "subtask_name"), long_name);
    buf_release(&b);
    free(long_name);

    /* A full frame keeps only known keys too. */
    merge_ok(s,
             "{\"print\":{\"msg\":0,\"gcode_state\":\"IDLE\",\"junk\":1,"
             "\"net\":{\"info\":[{\"ip\":1}]}}}",
             NULL);
    assert_int_equal(json_object_object_length(bambu_state_json(s)), 2);
    assert_string_equal(cached_str(s, "gcode_state"), "IDLE");
    bambu_state_free(s);
}

/* Every key the protocol notes list (§2.2, §2.6) is kept: this also
 * proves each table is sorted for bsearch. */
static void
test_documented_keys_kept(void **unused)
{
    static const char *const print_keys[] = {
        "ams_rfid_status",
        "ams_status",
        "bed_target_temper",
        "bed_temper",
        "big_fan1_speed",
        "big_fan2_speed",
        "chamber_temper",
        "cooling_fan_speed",
        "fail_reason",
        "fun",
        "gcode_file",
        "gcode_file_prepare_percent",
        "gcode_start_time",
        "gcode_state",
        "heatbreak_fan_speed",
        "home_flag",
        "hw_switch_state",
        "k",
        "layer_num",
        "lifecycle",
        "mc_percent",
        "mc_print_error_code",
        "mc_print_stage",
        "mc_remaining_time",
        "mess_production_state",
        "nozzle_diameter",
        "nozzle_target_temper",
        "nozzle_temper",
        "nozzle_type",
        "print_error",
        "print_type",
        "profile_id",
        "project_id",
        "sdcard",
        "sequence_id",
        "spd_lvl",
        "spd_mag",
        "stg_cur",
        "subtask_id",
        "subtask_name",
        "task_id",
        "total_layer_num",
        "wifi_signal",
    };
    static const char *const ams_keys[] = {
        "ams_exist_bits",    "insert_flag",
        "power_on_flag",     "tray_exist_bits",
        "tray_is_bbl_bits",  "tray_now",
        "tray_pre",          "tray_read_done_bits",
        "tray_reading_bits", "tray_tar",
        "version",
    };
    static const char *const unit_keys[] = {"humidity", "humidity_raw", "temp"};
    static const char *const tray_keys[] = {
        "cali_idx",        "drying_temp",
        "drying_time",     "k",
        "nozzle_temp_max", "nozzle_temp_min",
        "remain",          "state",
        "tag_uid",         "total_len",
        "tray_color",      "tray_diameter",
        "tray_id_name",    "tray_info_idx",
        "tray_sub_brands", "tray_type",
        "tray_uuid",       "tray_weight",
    };
    static const struct {
        const char *obj;
        const char *keys[5];
    } objects[] = {
        {"ipcam",
         {"ipcam_dev", "ipcam_record", "resolution", "rtsp_url", "timelapse"}},
        {"upload", {"message", "progress", "status"}},
        {"xcam", {"first_layer_inspector", "print_halt", "spaghetti_detector"}},
    };
    struct bambu_state *s = bambu_state_new();
    struct json_object *p, *ams, *unit, *tray, *vt, *o;
    struct buf b;
    struct err e;
    size_t n;

    (void)unused;
    buf_init(&b, 0);
    buf_puts(&b, "{\"print\":{\"msg\":0,\"command\":\"push_status\",");
    for (n = 0; n < sizeof print_keys / sizeof *print_keys; n++)
        buf_printf(&b, "\"%s\":\"1\",", print_keys[n]);
    buf_puts(&b, "\"stg\":[1,2],\"hms\":[{\"attr\":1,\"code\":2}],"
                 "\"lights_report\":[{\"node\":\"a\",\"mode\":\"on\"}],");
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
        buf_printf(&b, "\"%s\":{", objects[i].obj);
        for (int j = 0; j < 5 && objects[i].keys[j]; j++)
            buf_printf(&b, "%s\"%s\":1", j ? "," : "", objects[i].keys[j]);
        buf_puts(&b, "},");
    }
    buf_puts(&b, "\"vt_tray\":{\"id\":\"254\",\"cols\":[\"A\"]");
    for (n = 0; n < sizeof tray_keys / sizeof *tray_keys; n++)
        buf_printf(&b, ",\"%s\":1", tray_keys[n]);
    buf_puts(&b, "},\"ams\":{");
    for (n = 0; n < sizeof ams_keys / sizeof *ams_keys; n++)
        buf_printf(&b, "\"%s\":1,", ams_keys[n]);
    buf_puts(&b, "\"ams\":[{\"id\":\"0\"");
    for (n = 0; n < sizeof unit_keys / sizeof *unit_keys; n++)
        buf_printf(&b, ",\"%s\":1", unit_keys[n]);
    buf_puts(&b, ",\"tray\":[{\"id\":\"0\",\"cols\":[\"A\"]");
    for (n = 0; n < sizeof tray_keys / sizeof *tray_keys; n++)
        buf_printf(&b, ",\"%s\":1", tray_keys[n]);
    buf_puts(&b, "}]}]}}}");
    assert_false(buf_failed(&b));
    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, b.data, b.len, NULL, &e), 0);

    p = bambu_state_json(s);
    for (n = 0; n < sizeof print_keys / sizeof *print_keys; n++)
        assert_non_null(json_object_object_get(p, print_keys[n]));
    assert_non_null(json_object_object_get(p, "msg"));
    assert_non_null(json_object_object_get(p, "command"));
    assert_int_equal(json_object_array_length(json_object_object_get(p, "stg")),
                     2);
    assert_int_equal(json_object_array_length(json_object_object_get(p, "hms")),
                     1);
    assert_int_equal(
        json_object_array_length(json_object_object_get(p, "lights_report")),
        1);
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
        o = json_object_object_get(p, objects[i].obj);
        for (int j = 0; j < 5 && objects[i].keys[j]; j++)
            assert_non_null(json_object_object_get(o, objects[i].keys[j]));
    }
    ams = json_object_object_get(p, "ams");
    for (n = 0; n < sizeof ams_keys / sizeof *ams_keys; n++)
        assert_non_null(json_object_object_get(ams, ams_keys[n]));
    unit = json_object_array_get_idx(json_object_object_get(ams, "ams"), 0);
    for (n = 0; n < sizeof unit_keys / sizeof *unit_keys; n++)
        assert_non_null(json_object_object_get(unit, unit_keys[n]));
    tray = json_object_array_get_idx(json_object_object_get(unit, "tray"), 0);
    vt = json_object_object_get(p, "vt_tray");
    for (n = 0; n < sizeof tray_keys / sizeof *tray_keys; n++) {
        assert_non_null(json_object_object_get(tray, tray_keys[n]));
        assert_non_null(json_object_object_get(vt, tray_keys[n]));
    }
    assert_non_null(json_object_object_get(tray, "cols"));
    assert_non_null(json_object_object_get(vt, "id"));
    buf_release(&b);
    bambu_state_free(s);
}

/* A frame padded to size with unique unknown keys, like a flooding
 * printer's. */
static void
junk_frame(struct buf *b, size_t bytes, int salt)
{
    buf_clear(b);
    buf_puts(b, "{\"print\":{\"command\":\"push_status\",\"msg\":1");
    for (int i = 0; b->len + 40 < bytes; i++)
        buf_printf(b, ",\"junk_%d_%06d\":\"%08d\"", salt, i, i);
    buf_puts(b, "}}");
    while (b->len < bytes)
        buf_putc(b, ' ');
}

static void
test_oversize_frame_refused(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    char *before = strdup(json_object_to_json_string(bambu_state_json(s)));
    struct bambu_frame f;
    struct buf b;
    struct err e;

    (void)unused;
    buf_init(&b, 0);
    /* Valid JSON one byte over the cap: refused before parsing. */
    junk_frame(&b, BAMBU_FRAME_MAX + 1, 1);
    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, b.data, b.len, &f, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_JSON);
    assert_non_null(strstr(e.msg, "too large"));
    assert_int_not_equal(f.kind, BAMBU_FRAME_STATUS);
    assert_string_equal(json_object_to_json_string(bambu_state_json(s)),
                        before);
    /* At the cap: parsed, and none of its 6,000 unknown keys is kept. */
    junk_frame(&b, BAMBU_FRAME_MAX, 2);
    merge_ok(s, b.data, &f);
    assert_int_equal(f.kind, BAMBU_FRAME_STATUS);
    assert_null(json_object_object_get(bambu_state_json(s), "junk_2_000000"));
    assert_int_equal(bambu_state_frames(s), 2);
    buf_release(&b);
    free(before);
    bambu_state_free(s);
}

static void
test_deep_nesting_refused(void **unused)
{
    static const char too_deep[] =
        "{\"print\":{\"msg\":1,\"mc_percent\":1,\"ams\":{\"ams\":[{"
        "\"id\":\"0\",\"tray\":[{\"id\":\"0\",\"cols\":[[\"x\"]]}]}]}}}";
    struct bambu_state *s = state_with(X1_FULL);
    struct bambu_report r;
    struct buf b;
    struct err e;

    (void)unused;
    /* The deepest path the protocol has, print.ams.ams[].tray[].cols[],
     * is BAMBU_DEPTH_MAX containers deep counting the frame's own. */
    merge_ok(s,
             "{\"print\":{\"msg\":1,\"ams\":{\"ams\":[{\"id\":\"0\","
             "\"tray\":[{\"id\":\"0\",\"cols\":[\"FF0000FF\"],"
             "\"remain\":11}]}]}}}",
             NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.trays[0].remain, 11);

    /* One more level anywhere is refused whole. */
    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, too_deep, strlen(too_deep), NULL, &e),
                     -1);
    buf_init(&b, 0);
    buf_puts(&b, "{\"print\":{\"msg\":1,\"mc_percent\":2,\"x\":");
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, ']');
    buf_puts(&b, "}}");
    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, b.data, b.len, NULL, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_JSON);
    bambu_state_report(s, &r);
    assert_int_equal(r.percent, 61);
    buf_release(&b);
    bambu_state_free(s);
}

static void
test_state_cap(void **unused)
{
    struct bambu_state *s = state_with(X1_FULL);
    struct bambu_report r;
    char name[BAMBU_STRING_MAX + 1];
    struct buf b;
    struct err e;
    int refused = 0;

    (void)unused;
    memset(name, 'b', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    buf_init(&b, 0);
    /* Units of known keys with long strings, one unit per delta: the cache
     * takes them until the next would pass BAMBU_STATE_MAX bytes. */
    for (int u = 2; u < BAMBU_AMS_UNITS_MAX; u++) {
        buf_clear(&b);
        buf_printf(&b,
                   "{\"print\":{\"msg\":1,\"ams\":{\"ams\":[{\"id\":\"%d\","
                   "\"tray\":[",
                   u);
        for (int t = 0; t < 4; t++)
            buf_printf(&b,
                       "%s{\"id\":\"%d\",\"tray_sub_brands\":\"%s\","
                       "\"tray_id_name\":\"%s\"}",
                       t ? "," : "", t, name, name);
        buf_puts(&b, "]}]}}}");
        err_clear(&e);
        if (bambu_state_merge(s, b.data, b.len, NULL, &e) < 0) {
            assert_int_equal(e.kind, ERR_BAD_JSON);
            refused++;
        }
        assert_true(cached_len(s) <= BAMBU_STATE_MAX);
    }
    assert_true(refused > 0);
    /* The known keys of an ordinary delta still merge. */
    merge_ok(s, "{\"print\":{\"msg\":1,\"mc_percent\":70}}", NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.percent, 70);
    assert_int_equal(r.trays[0].remain, 88);

    /* Too many values: a full frame with 2,000 hms entries keeps 32, and
     * one whose values pass BAMBU_STATE_VALUES_MAX is refused. */
    buf_clear(&b);
    buf_puts(&b, "{\"print\":{\"msg\":0,\"gcode_state\":\"IDLE\",\"hms\":[");
    for (int i = 0; i < 2000; i++)
        buf_printf(&b, "%s{\"attr\":%d,\"code\":1}", i ? "," : "", i);
    buf_puts(&b, "]}}");
    merge_ok(s, b.data, NULL);
    bambu_state_report(s, &r);
    assert_int_equal(r.gcode_state, BAMBU_GS_IDLE);
    assert_int_equal(r.nhms, BAMBU_HMS_MAX);
    assert_true(r.hms_truncated);
    buf_clear(&b);
    buf_puts(&b, "{\"print\":{\"msg\":0,\"gcode_state\":\"RUNNING\",\"ams\":"
                 "{\"ams\":[");
    for (int u = 0; u < BAMBU_AMS_UNITS_MAX; u++) {
        buf_printf(&b, "%s{\"id\":\"%d\",\"tray\":[", u ? "," : "", u);
        for (int t = 0; t < BAMBU_AMS_TRAYS_MAX; t++)
            buf_printf(&b, "%s{\"id\":\"%d\",\"cols\":[1,2,3,4,5,6,7,8]}",
                       t ? "," : "", t);
        buf_puts(&b, "]}");
    }
    buf_puts(&b, "]}}}");
    err_clear(&e);
    assert_int_equal(bambu_state_merge(s, b.data, b.len, NULL, &e), -1);
    bambu_state_report(s, &r);
    assert_int_equal(r.gcode_state, BAMBU_GS_IDLE);

    /* Many small deltas: the cache is re-measured as they add up, and
     * keeps the last value. */
    for (int i = 0; i < 5000; i++) {
        char frame[96];
        snprintf(frame, sizeof frame,
                 "{\"print\":{\"msg\":1,\"mc_percent\":%d,\"junk_%d\":1}}",
                 i % 101, i);
        merge_ok(s, frame, NULL);
    }
    bambu_state_report(s, &r);
    assert_int_equal(r.percent, 4999 % 101);
    assert_true(cached_len(s) < 4096);
    buf_release(&b);
    bambu_state_free(s);
}

/* ---- builders ------------------------------------------------------- */

static struct json_object *
parse_cmd(const char *text, const char *cls)
{
    struct json_object *root, *inner;

    assert_non_null(text);
    root = json_tokener_parse(text);
    assert_non_null(root);
    assert_int_equal(json_object_object_length(root), 1);
    assert_true(json_object_object_get_ex(root, cls, &inner));
    assert_true(json_object_is_type(inner, json_type_object));
    return root;
}

static const char *
cmd_str(struct json_object *root, const char *cls, const char *key)
{
    struct json_object *v =
        json_object_object_get(json_object_object_get(root, cls), key);

    assert_non_null(v);
    assert_true(json_object_is_type(v, json_type_string));
    return json_object_get_string(v);
}

static struct json_object *
cmd_val(struct json_object *root, const char *cls, const char *key,
        enum json_type t)
{
    struct json_object *v =
        json_object_object_get(json_object_object_get(root, cls), key);

    assert_non_null(v);
    assert_int_equal(json_object_get_type(v), t);
    return v;
}

static void
test_simple_commands(void **unused)
{
    struct arena *a = arena_new();
    struct json_object *j;
    struct err e;
    static const struct {
        char *(*fn)(struct arena *, const char *, struct err *);
        const char *cls, *command;
        int param;
    } simple[] = {
        {bambu_cmd_pause, "print", "pause", 1},
        {bambu_cmd_resume, "print", "resume", 1},
        {bambu_cmd_stop, "print", "stop", 1},
        {bambu_cmd_pushing_start, "pushing", "start", 0},
        {bambu_cmd_get_version, "info", "get_version", 0},
    };

    (void)unused;
    err_clear(&e);
    j = parse_cmd(bambu_cmd_pushall(a, "fd-1", &e), "pushing");
    assert_string_equal(cmd_str(j, "pushing", "sequence_id"), "fd-1");
    assert_string_equal(cmd_str(j, "pushing", "command"), "pushall");
    assert_int_equal(
        json_object_get_int(cmd_val(j, "pushing", "version", json_type_int)),
        1);
    assert_int_equal(json_object_get_int(
                         cmd_val(j, "pushing", "push_target", json_type_int)),
                     1);
    json_object_put(j);

    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        j = parse_cmd(simple[i].fn(a, "77", &e), simple[i].cls);
        assert_string_equal(cmd_str(j, simple[i].cls, "command"),
                            simple[i].command);
        assert_string_equal(cmd_str(j, simple[i].cls, "sequence_id"), "77");
        if (simple[i].param)
            assert_string_equal(cmd_str(j, simple[i].cls, "param"), "");
        json_object_put(j);
    }

    j = parse_cmd(bambu_cmd_print_speed(a, "fd-2", 4, &e), "print");
    assert_string_equal(cmd_str(j, "print", "command"), "print_speed");
    assert_string_equal(cmd_str(j, "print", "param"), "4");
    json_object_put(j);
    assert_false(err_is_set(&e));
    assert_null(bambu_cmd_print_speed(a, "fd-3", 0, &e));
    assert_string_equal(e.fields[0].name, "level");
    err_clear(&e);
    assert_null(bambu_cmd_print_speed(a, "fd-3", 5, NULL));

    j = parse_cmd(bambu_cmd_ams_control(a, "fd-4", BAMBU_AMS_RESUME, &e),
                  "print");
    assert_string_equal(cmd_str(j, "print", "command"), "ams_control");
    assert_string_equal(cmd_str(j, "print", "param"), "resume");
    json_object_put(j);
    assert_null(bambu_cmd_ams_control(a, "fd-4", BAMBU_AMS_ACTION__MAX, &e));
    err_clear(&e);

    /* Bad sequence ids. */
    assert_null(bambu_cmd_pushall(a, "", &e));
    assert_int_equal(e.kind, ERR_VALIDATION);
    assert_string_equal(e.fields[0].name, "sequence_id");
    err_clear(&e);
    assert_null(bambu_cmd_stop(a, NULL, &e));
    err_clear(&e);
    assert_null(bambu_cmd_stop(a, "a\"b", &e));
    err_clear(&e);
    assert_null(bambu_cmd_stop(a, "sp ace", &e));
    err_clear(&e);
    assert_null(bambu_cmd_stop(
        a, "0123456789012345678901234567890123456789012345678", &e));
    arena_free(a);
}

static void
test_project_file(void **unused)
{
    struct arena *a = arena_new();
    struct json_object *j, *flat, *map2, *m;
    struct err e;
    int mapping[] = {2, BAMBU_EXTERNAL_TRAY, -1, 6};
    struct bambu_job job;

    (void)unused;
    memset(&job, 0, sizeof job);
    job.file = "/hinge_bracket_v3.gcode.3mf";
    job.plate = 2;
    job.task_id = 48213377;
    job.use_ams = 1;
    job.bed_leveling = 1;
    job.timelapse = 0;
    job.flow_cali = 1;
    job.ams_mapping = mapping;
    job.n_ams_mapping = 4;
    err_clear(&e);
    j = parse_cmd(bambu_cmd_project_file(a, "20001", &job, &e), "print");
    assert_string_equal(cmd_str(j, "print", "sequence_id"), "20001");
    assert_string_equal(cmd_str(j, "print", "command"), "project_file");
    assert_string_equal(cmd_str(j, "print", "param"), "Metadata/plate_2.gcode");
    assert_string_equal(cmd_str(j, "print", "url"),
                        "file:///sdcard/hinge_bracket_v3.gcode.3mf");
    assert_string_equal(cmd_str(j, "print", "file"),
                        "hinge_bracket_v3.gcode.3mf");
    assert_string_equal(cmd_str(j, "print", "md5"), "");
    assert_string_equal(cmd_str(j, "print", "subtask_name"),
                        "hinge_bracket_v3");
    assert_string_equal(cmd_str(j, "print", "task_id"), "48213377");
    assert_string_equal(cmd_str(j, "print", "subtask_id"), "48213377");
    assert_string_equal(cmd_str(j, "print", "project_id"), "48213377");
    assert_string_equal(cmd_str(j, "print", "profile_id"), "0");
    assert_string_equal(cmd_str(j, "print", "bed_type"), "auto");
    assert_true(json_object_get_boolean(
        cmd_val(j, "print", "bed_leveling", json_type_boolean)));
    assert_true(json_object_get_boolean(
        cmd_val(j, "print", "flow_cali", json_type_boolean)));
    assert_false(json_object_get_boolean(
        cmd_val(j, "print", "timelapse", json_type_boolean)));
    assert_false(json_object_get_boolean(
        cmd_val(j, "print", "vibration_cali", json_type_boolean)));
    assert_false(json_object_get_boolean(
        cmd_val(j, "print", "layer_inspect", json_type_boolean)));
    assert_true(json_object_get_boolean(
        cmd_val(j, "print", "use_ams", json_type_boolean)));
    flat = cmd_val(j, "print", "ams_mapping", json_type_array);
    assert_int_equal(json_object_array_length(flat), 4);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(flat, 0)),
                     2);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(flat, 1)),
                     -1); /* external never as 254 */
    assert_int_equal(json_object_get_int(json_object_array_get_idx(flat, 2)),
                     -1);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(flat, 3)),
                     6);
    map2 = cmd_val(j, "print", "ams_mapping2", json_type_array);
    assert_int_equal(json_object_array_length(map2), 4);
    m = json_object_array_get_idx(map2, 1);
    assert_int_equal(json_object_get_int(json_object_object_get(m, "ams_id")),
                     255);
    assert_int_equal(json_object_get_int(json_object_object_get(m, "slot_id")),
                     0);
    m = json_object_array_get_idx(map2, 2);
    assert_int_equal(json_object_get_int(json_object_object_get(m, "slot_id")),
                     255);
    m = json_object_array_get_idx(map2, 3);
    assert_int_equal(json_object_get_int(json_object_object_get(m, "ams_id")),
                     1);
    assert_int_equal(json_object_get_int(json_object_object_get(m, "slot_id")),
                     2);
    json_object_put(j);
    assert_false(err_is_set(&e));

    /* Explicit url/subtask/bed type; no mapping: no mapping keys. */
    job.url = "ftp:///cache/x.3mf";
    job.subtask_name = "Order #12 \"lid\"";
    job.bed_type = "textured_plate";
    job.n_ams_mapping = 0;
    job.use_ams = 0;
    j = parse_cmd(bambu_cmd_project_file(a, "20002", &job, &e), "print");
    assert_string_equal(cmd_str(j, "print", "url"), "ftp:///cache/x.3mf");
    assert_string_equal(cmd_str(j, "print", "subtask_name"),
                        "Order #12 \"lid\"");
    assert_string_equal(cmd_str(j, "print", "bed_type"), "textured_plate");
    assert_null(json_object_object_get(json_object_object_get(j, "print"),
                                       "ams_mapping"));
    json_object_put(j);

    /* Refusals, each naming the member. */
    job.url = NULL;
    job.plate = 0;
    assert_null(bambu_cmd_project_file(a, "1", &job, &e));
    assert_string_equal(e.fields[0].name, "plate");
    err_clear(&e);
    job.plate = 1;
    job.file = "../etc/passwd";
    assert_null(bambu_cmd_project_file(a, "1", &job, &e));
    assert_string_equal(e.fields[0].name, "file");
    err_clear(&e);
    job.file = "a\nb.3mf";
    assert_null(bambu_cmd_project_file(a, "1", &job, &e));
    err_clear(&e);
    job.file = "ok..name.3mf"; /* ".." inside a name is fine */
    assert_non_null(bambu_cmd_project_file(a, "1", &job, &e));
    job.task_id = (int64_t)INT32_MAX + 1;
    assert_null(bambu_cmd_project_file(a, "1", &job, &e));
    assert_string_equal(e.fields[0].name, "task_id");
    err_clear(&e);
    job.task_id = 7;
    mapping[0] = 16;
    job.n_ams_mapping = 1;
    job.use_ams = 1;
    assert_null(bambu_cmd_project_file(a, "1", &job, &e));
    assert_string_equal(e.fields[0].name, "ams_mapping");
    err_clear(&e);
    mapping[0] = BAMBU_EXTERNAL_TRAY; /* external only: use_ams must be off */
    assert_null(bambu_cmd_project_file(a, "1", &job, &e));
    assert_string_equal(e.fields[0].name, "use_ams");
    err_clear(&e);
    job.use_ams = 0;
    j = parse_cmd(bambu_cmd_project_file(a, "1", &job, &e), "print");
    assert_false(json_object_get_boolean(
        cmd_val(j, "print", "use_ams", json_type_boolean)));
    json_object_put(j);
    assert_null(bambu_cmd_project_file(a, "1", NULL, &e));
    arena_free(a);
}

static void
test_filament_setting(void **unused)
{
    struct arena *a = arena_new();
    struct bambu_state *s = state_with(P1_FULL);
    struct bambu_report r;
    struct json_object *j;
    struct err e;

    (void)unused;
    err_clear(&e);
    bambu_state_report(s, &r);
    /* The §7 probe: re-send the current external spool. */
    j = parse_cmd(bambu_cmd_ams_filament_setting(
                      a, "probe-1", BAMBU_EXTERNAL_TRAY, &r.external, &e),
                  "print");
    assert_string_equal(cmd_str(j, "print", "command"), "ams_filament_setting");
    assert_int_equal(
        json_object_get_int(cmd_val(j, "print", "ams_id", json_type_int)), 255);
    assert_int_equal(
        json_object_get_int(cmd_val(j, "print", "tray_id", json_type_int)),
        254);
    assert_string_equal(cmd_str(j, "print", "tray_color"), "2F9E44FF");
    assert_string_equal(cmd_str(j, "print", "tray_info_idx"), "GFG99");
    assert_string_equal(cmd_str(j, "print", "tray_type"), "PETG");
    assert_int_equal(json_object_get_int(
                         cmd_val(j, "print", "nozzle_temp_min", json_type_int)),
                     230);
    json_object_put(j);

    j = parse_cmd(bambu_cmd_ams_filament_setting(a, "9", 6, &r.external, &e),
                  "print");
    assert_int_equal(
        json_object_get_int(cmd_val(j, "print", "ams_id", json_type_int)), 1);
    assert_int_equal(
        json_object_get_int(cmd_val(j, "print", "tray_id", json_type_int)), 2);
    assert_int_equal(
        json_object_get_int(cmd_val(j, "print", "slot_id", json_type_int)), 2);
    json_object_put(j);
    assert_null(bambu_cmd_ams_filament_setting(a, "9", 16, &r.external, &e));
    err_clear(&e);
    snprintf(r.external.color, sizeof r.external.color, "red");
    assert_null(bambu_cmd_ams_filament_setting(a, "9", 1, &r.external, &e));
    assert_string_equal(e.fields[0].name, "color");
    bambu_state_free(s);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_x1),
        cmocka_unit_test(test_p1_delta_on_full),
        cmocka_unit_test(test_ams_partial_tray_delta),
        cmocka_unit_test(test_full_frame_replaces),
        cmocka_unit_test(test_arrays_replaced),
        cmocka_unit_test(test_bad_frames_rejected),
        cmocka_unit_test(test_acks),
        cmocka_unit_test(test_print_error),
        cmocka_unit_test(test_hms),
        cmocka_unit_test(test_gcode_states),
        cmocka_unit_test(test_cancel_and_failure),
        cmocka_unit_test(test_lenient_values),
        cmocka_unit_test(test_truncation_keeps_utf8),
        cmocka_unit_test(test_merge_caps),
        cmocka_unit_test(test_unknown_keys_dropped),
        cmocka_unit_test(test_documented_keys_kept),
        cmocka_unit_test(test_oversize_frame_refused),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_state_cap),
        cmocka_unit_test(test_simple_commands),
        cmocka_unit_test(test_project_file),
        cmocka_unit_test(test_filament_setting),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
