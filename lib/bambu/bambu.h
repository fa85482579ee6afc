/*
 * bambu — the Bambu Lab LAN MQTT protocol, pure: builds the JSON commands
 * the dispatcher publishes to device/<SERIAL>/request, parses and merges
 * the frames it reads on device/<SERIAL>/report into a cached full state,
 * turns that state into plain C values, and decodes print_error / HMS
 * codes. No sockets, no database, no HTTP. Reference:
 * the printers' LAN protocol notes (section numbers below point there).
 *
 * Invariants:
 * - A bambu_state always holds one JSON object (the printer's "print"
 *   object as last known). A frame that fails to parse, is not an object,
 *   or whose "print" member is not an object leaves it untouched.
 * - Only status pushes change the cache ("print" with command
 *   "push_status", or with no command). Acks/echoes of our commands and
 *   other classes (info, system, mc_print, ...) never do.
 * - msg 0 (full) replaces the cache; anything else (msg 1 or no msg) is a
 *   delta merged into it (§1.7): objects key by key, arrays replaced, except
 *   print.ams.ams[] (units merged by "id") and each unit's tray[] (trays
 *   merged by "id"); a tray that is only {"id":N} is an empty slot and
 *   replaces the old entry.
 * - One printer cannot make the cache (or the printers.state_json written
 *   from it) grow without bound. The cache holds only the keys the protocol
 *   notes list (§2.2, §2.6), each in its expected shape (a value, an object,
 *   a list); anything else in a frame is ignored. A string value is at most
 *   BAMBU_STRING_MAX bytes (longer ones are ignored), each array has its
 *   own entry cap. A frame is at most BAMBU_FRAME_MAX bytes and
 *   BAMBU_DEPTH_MAX containers deep; a frame that would make the cache
 *   bigger than BAMBU_STATE_MAX bytes as JSON or BAMBU_STATE_VALUES_MAX
 *   values is refused whole, like any bad frame.
 * - The cache only holds valid UTF-8 (json-c validates while parsing);
 *   strings copied into the fixed-size fields below are truncated on a
 *   character boundary and always NUL-terminated.
 * - Integers that the printer did not report are -1 in bambu_report
 *   (print_error: 0); numbers are read leniently (int, float or numeric
 *   string, §2.2) and floats rounded.
 * - Command builders return JSON from the caller's arena (nothing to
 *   free) or NULL with e set (ERR_VALIDATION naming the field) when an
 *   argument is out of range. They never publish anything.
 */
#ifndef BAMBU_H
#define BAMBU_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;
struct json_object;

/* Real full reports are a few KB (§2.7: 4 KB for an X1C with one AMS). */
#define BAMBU_FRAME_MAX (256 * 1024)
#define BAMBU_DEPTH_MAX 8 /* print.ams.ams[].tray[].cols[] is 8 deep */
#define BAMBU_STRING_MAX 1024
#define BAMBU_STATE_MAX (64 * 1024)
#define BAMBU_STATE_VALUES_MAX 1024
#define BAMBU_AMS_UNITS_MAX 16  /* print.ams.ams[] entries kept */
#define BAMBU_AMS_TRAYS_MAX 8   /* tray[] entries kept per unit */
#define BAMBU_SLOTS 8           /* AMS units 0-1 x 4 trays, API slot 0-7 */
#define BAMBU_EXTERNAL_TRAY 254 /* vt_tray / tray_now "254" */
#define BAMBU_HMS_MAX 16
#define BAMBU_ERROR_ID_LEN 10             /* "0300_400C" + NUL */
#define BAMBU_HMS_ID_LEN 20               /* "0700_2000_0002_0001" + NUL */
#define BAMBU_CANCEL_ERROR 0x0300400Cu    /* 50348044 "task canceled" */
#define BAMBU_VERIFY_HMS_ATTR 0x05000500u /* 0500_0500_0001_0007 */
#define BAMBU_VERIFY_HMS_CODE 0x00010007u

/* ---- names ---------------------------------------------------------- */

/* Our printer status (API contract "Printers"); the transport decides
 * OFFLINE, the report never does. */
enum bambu_status {
    BAMBU_IDLE,
    BAMBU_PREPARING,
    BAMBU_PRINTING,
    BAMBU_PAUSED,
    BAMBU_FINISHED,
    BAMBU_FAILED,
    BAMBU_OFFLINE,
    BAMBU_UNKNOWN,
    BAMBU_STATUS__MAX
};

/* The printer's gcode_state (§2.3). */
enum bambu_gcode_state {
    BAMBU_GS_UNKNOWN, /* missing or a value we do not know */
    BAMBU_GS_IDLE,
    BAMBU_GS_PREPARE,
    BAMBU_GS_SLICING,
    BAMBU_GS_INIT,
    BAMBU_GS_RUNNING,
    BAMBU_GS_PAUSE,
    BAMBU_GS_FINISH,
    BAMBU_GS_FAILED,
    BAMBU_GS__MAX
};

/* HMS / print_error module: attr >> 24 (§2.5). */
enum bambu_module {
    BAMBU_MOD_UNKNOWN,
    BAMBU_MOD_MC,        /* 0x03 motion controller */
    BAMBU_MOD_MAINBOARD, /* 0x05 */
    BAMBU_MOD_AMS,       /* 0x07 */
    BAMBU_MOD_TOOLHEAD,  /* 0x08 */
    BAMBU_MOD_XCAM,      /* 0x0C */
    BAMBU_MOD__MAX
};

/* HMS severity: code >> 16 (§2.5). */
enum bambu_severity {
    BAMBU_SEV_UNKNOWN,
    BAMBU_SEV_FATAL,   /* 1 */
    BAMBU_SEV_SERIOUS, /* 2 */
    BAMBU_SEV_COMMON,  /* 3 */
    BAMBU_SEV_INFO,    /* 4 */
    BAMBU_SEV__MAX
};

/* "idle", "preparing", ... (contract spelling); "unknown" out of range. */
const char *bambu_status_name(enum bambu_status s);

/* The wire spelling ("RUNNING"); "" for BAMBU_GS_UNKNOWN. */
const char *bambu_gcode_state_name(enum bambu_gcode_state gs);

/* Parses a gcode_state string exactly (upper case); NULL or an unknown
 * value is BAMBU_GS_UNKNOWN. */
enum bambu_gcode_state bambu_gcode_state_parse(const char *s);

/* IDLE/PREPARE/SLICING->idle/preparing/preparing, RUNNING->printing,
 * PAUSE->paused, FINISH->finished, FAILED->failed, INIT and unknown ->
 * unknown (INIT is "not ready", §2.3). */
enum bambu_status bambu_status_from_gcode_state(enum bambu_gcode_state gs);

/* 1 when a job may be started: IDLE, FINISH or FAILED (§0, §2.3). */
int bambu_gcode_state_can_start(enum bambu_gcode_state gs);

/* "mc", "mainboard", "ams", "toolhead", "xcam", "unknown". */
const char *bambu_module_name(enum bambu_module m);

/* "fatal", "serious", "common", "info", "unknown". */
const char *bambu_severity_name(enum bambu_severity s);

/* Short English text for a stg_cur stage id (§2.2), or NULL. */
const char *bambu_stage_name(int stg_cur);

/* ---- error codes ---------------------------------------------------- */

/* print_error as "0300_400C" (upper-case hex, 4_4) into out. */
void bambu_error_format(uint32_t code, char out[BAMBU_ERROR_ID_LEN]);

/* Module from the code's high byte (same numbering as HMS attr). */
enum bambu_module bambu_error_module(uint32_t code);

/* Static English text for a well-known print_error code, or NULL. */
const char *bambu_error_text(uint32_t code);

/* Writes "<text> (0300_400C)" or, for unknown codes, "<module> error
 * 0700_8099" into out (n bytes, truncated, NUL-terminated). Returns out. */
char *bambu_error_describe(uint32_t code, char *out, size_t n);

/* 1 for a print_error that means the user cancelled: 0300_400C and
 * 0500_400E (§2.3). */
int bambu_is_user_cancel(uint32_t print_error);

/* HMS entry as "0700_2000_0002_0001" into out. */
void bambu_hms_format(uint32_t attr, uint32_t code, char out[BAMBU_HMS_ID_LEN]);
enum bambu_module bambu_hms_module(uint32_t attr);
enum bambu_severity bambu_hms_severity(uint32_t code);

/* Static English text for a well-known HMS code, or NULL. */
const char *bambu_hms_text(uint32_t attr, uint32_t code);

/* Writes "<severity> <module> alert: <text> (id)" or, for unknown codes,
 * "<severity> <module> alert 0700_0300_0002_0003" into out. Returns out. */
char *bambu_hms_describe(uint32_t attr, uint32_t code, char *out, size_t n);

/* ---- report state --------------------------------------------------- */

struct bambu_state; /* opaque: the cached print object */

/* What one frame was. */
enum bambu_frame_kind {
    BAMBU_FRAME_STATUS, /* print push_status: merged into the state */
    BAMBU_FRAME_ACK,    /* answer/echo of a command: state untouched */
    BAMBU_FRAME_OTHER,  /* mc_print log, event, empty, ...: untouched */
    BAMBU_FRAME__MAX
};

enum bambu_result {
    BAMBU_RESULT_NONE, /* no "result" key (some firmware, §3.1) */
    BAMBU_RESULT_SUCCESS,
    BAMBU_RESULT_FAILED,
    BAMBU_RESULT_OTHER,
    BAMBU_RESULT__MAX
};

struct bambu_frame {
    enum bambu_frame_kind kind;
    int full;             /* status frame with msg 0: replaced the cache */
    char cls[16];         /* top-level key: "print", "system", "" */
    char command[48];     /* "" when absent */
    char sequence_id[48]; /* "" when absent (some firmware omit it) */
    enum bambu_result result;
    char reason[128];
    char firmware[32]; /* info get_version: module "ota" sw_ver */
};

/* A fresh state holding an empty object. Never NULL (OOM aborts);
 * release with bambu_state_free. */
struct bambu_state *bambu_state_new(void);
void bambu_state_free(struct bambu_state *s);

/* Forgets everything (call on reconnect, before the pushall answer). */
void bambu_state_clear(struct bambu_state *s);

/* 1 once a full frame (msg 0) arrived since new/clear: until then the
 * cache may miss keys and a pushall is due. */
int bambu_state_has_full(const struct bambu_state *s);

/* Number of status frames merged since new/clear. */
long bambu_state_frames(const struct bambu_state *s);

/* The cached print object, owned by s and valid until the next merge or
 * clear; for logging and the simulator. Never NULL. */
struct json_object *bambu_state_json(const struct bambu_state *s);

/* Parses one report frame (text, len bytes, no NUL needed) and fills f
 * (may be NULL). Status pushes are merged into s (known keys only). Returns
 * 0, or -1 with e set (ERR_BAD_JSON: not JSON, not an object, too big or
 * too deep, "print" not an object, the cache would outgrow its caps) and s
 * untouched. */
int bambu_state_merge(struct bambu_state *s, const char *text, size_t len,
                      struct bambu_frame *f, struct err *e);

/* 1 when f answers the command we sent as (cls, command, seq). */
int bambu_frame_matches(const struct bambu_frame *f, const char *cls,
                        const char *command, const char *seq);

/* The reason the authorization firmware gives when it refuses an unsigned
 * command (§3.1, §7); firmware versions differ in its case. */
#define BAMBU_REASON_VERIFY_FAILED "mqtt message verify failed"

/* 1 when reason (NULL: none) is that refusal, in any case. */
int bambu_reason_verify_failed(const char *reason);

/* 1 when f is the authorization firmware's rejection: result failed and
 * bambu_reason_verify_failed(reason). */
int bambu_frame_verify_failed(const struct bambu_frame *f);

/* One AMS tray or the external spool, as the dispatcher stores it. */
struct bambu_tray {
    int present;        /* a spool is there (non-empty tray_type and
                           the tray_exist_bits bit set when known) */
    char type[16];      /* "PLA"; "" when unknown */
    char sub_brand[48]; /* "PLA Basic" */
    char info_idx[16];  /* filament preset, "GFA00" */
    char color[8];      /* "#RRGGBB" upper case; "" unset */
    int remain;         /* percent 0-100, -1 unknown */
    int weight_grams;   /* -1 unknown ("0" on the wire) */
    int nozzle_temp_min, nozzle_temp_max; /* -1 unknown */
    char tray_uuid[33]; /* 32 hex spool id; "" none (all zeros) */
    char tag_uid[17];   /* 16 hex RFID uid; "" none */
};

struct bambu_hms {
    uint32_t attr, code;
    char id[BAMBU_HMS_ID_LEN];
    enum bambu_module module;
    enum bambu_severity severity;
};

/* The cached state as plain values. */
struct bambu_report {
    enum bambu_gcode_state gcode_state;
    enum bambu_status status;
    int cancelled;         /* FAILED with a user-cancel print_error */
    int percent;           /* mc_percent 0-100 */
    int remaining_minutes; /* mc_remaining_time */
    int layer_num, total_layer_num;
    int stage; /* stg_cur (255 / -1 idle) */
    int nozzle_temp, nozzle_target, bed_temp, bed_target; /* rounded C */
    int speed_level;                                      /* spd_lvl 1-4 */
    char subtask_name[128];
    char gcode_file[256];
    char task_id[24];
    uint32_t print_error;                    /* 0 none */
    char print_error_id[BAMBU_ERROR_ID_LEN]; /* "" when 0 */
    int nhms;
    int hms_truncated; /* more than BAMBU_HMS_MAX entries */
    struct bambu_hms hms[BAMBU_HMS_MAX];
    int verify_failed_hms;  /* 0500_0500_0001_0007 active (§7) */
    int signature_required; /* fun bit 0x20000000: 1/0, -1 no fun */
    int sdcard;             /* 1/0, -1 unknown */
    unsigned ams_units;     /* bit n: AMS unit n (0-3) reported */
    int tray_now;           /* -1 none, 0-15 AMS tray, 254 external */
    struct bambu_tray trays[BAMBU_SLOTS]; /* slot = ams_id*4 + tray_id */
    int has_external;                     /* vt_tray reported */
    struct bambu_tray external;
};

/* Fills r from the cached state; missing values as described above. */
void bambu_state_report(const struct bambu_state *s, struct bambu_report *r);

/* ---- commands (§3) --------------------------------------------------- */

/* Each takes the caller's sequence id (1-47 bytes, printable ASCII) and
 * returns the JSON text from arena a, or NULL with e (may be NULL) set. */

/* {"pushing":{"sequence_id","command":"pushall","version":1,
 *  "push_target":1}} */
char *bambu_cmd_pushall(struct arena *a, const char *seq, struct err *e);

/* {"pushing":{"sequence_id","command":"start"}}: the watchdog's nudge. */
char *bambu_cmd_pushing_start(struct arena *a, const char *seq, struct err *e);

/* {"info":{"sequence_id","command":"get_version"}} */
char *bambu_cmd_get_version(struct arena *a, const char *seq, struct err *e);

/* {"print":{"sequence_id","command":"pause"|"resume"|"stop","param":""}} */
char *bambu_cmd_pause(struct arena *a, const char *seq, struct err *e);
char *bambu_cmd_resume(struct arena *a, const char *seq, struct err *e);
char *bambu_cmd_stop(struct arena *a, const char *seq, struct err *e);

/* print_speed with param "1".."4" (silent, standard, sport, ludicrous). */
char *bambu_cmd_print_speed(struct arena *a, const char *seq, int level,
                            struct err *e);

/* A job for project_file (§3.3). */
struct bambu_job {
    const char *file;         /* path on the FTPS root: "x.gcode.3mf" */
    const char *url;          /* NULL: "file:///sdcard/<file>" */
    int plate;                /* 1-based: param "Metadata/plate_<N>.gcode" */
    const char *subtask_name; /* NULL: file name without .gcode.3mf */
    int64_t task_id;          /* 0..2^31-1; sent as project/task/subtask id */
    const char *md5;          /* NULL: "" */
    const char *bed_type;     /* NULL: "auto" */
    int use_ams;              /* must agree with ams_mapping when given */
    int timelapse, bed_leveling, flow_cali, vibration_cali, layer_inspect;
    const int *ams_mapping; /* per 3MF filament: tray 0-15, -1 unused,
                               254 external spool */
    int n_ams_mapping;      /* 0: no ams_mapping keys at all */
};

/* print.project_file; ams_mapping is sent flat (external as -1) plus the
 * parallel ams_mapping2 ({ams_id,slot_id}; external 255/0, unused
 * 255/255). NULL with ERR_VALIDATION naming the bad member. */
char *bambu_cmd_project_file(struct arena *a, const char *seq,
                             const struct bambu_job *job, struct err *e);

enum bambu_ams_action {
    BAMBU_AMS_RESUME,
    BAMBU_AMS_RESET,
    BAMBU_AMS_PAUSE,
    BAMBU_AMS_ACTION__MAX
};

/* print.ams_control with param "resume"/"reset"/"pause" (§3.5). */
char *bambu_cmd_ams_control(struct arena *a, const char *seq,
                            enum bambu_ams_action action, struct err *e);

/* print.ams_filament_setting for AMS tray 0-15 (ams_id tray/4, tray_id and
 * slot_id tray%4) or BAMBU_EXTERNAL_TRAY (ams_id 255, tray_id 254), from
 * t's info_idx, type, color and nozzle temps. Re-sending the current
 * external spool is the Developer Mode probe of §7. */
char *bambu_cmd_ams_filament_setting(struct arena *a, const char *seq, int tray,
                                     const struct bambu_tray *t, struct err *e);

#endif
