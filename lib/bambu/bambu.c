/* bambu — names and error-code decoding. Command builders live in
 * bambu_cmd.c, the report cache in bambu_report.c. */
#include "bambu/bambu.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

/* ---- names ---------------------------------------------------------- */

static const char *const status_names[BAMBU_STATUS__MAX] = {
    [BAMBU_IDLE] = "idle",         [BAMBU_PREPARING] = "preparing",
    [BAMBU_PRINTING] = "printing", [BAMBU_PAUSED] = "paused",
    [BAMBU_FINISHED] = "finished", [BAMBU_FAILED] = "failed",
    [BAMBU_OFFLINE] = "offline",   [BAMBU_UNKNOWN] = "unknown",
};

static const struct {
    const char *wire;
    enum bambu_status status;
} gcode_states[BAMBU_GS__MAX] = {
    [BAMBU_GS_UNKNOWN] = {"", BAMBU_UNKNOWN},
    [BAMBU_GS_IDLE] = {"IDLE", BAMBU_IDLE},
    [BAMBU_GS_PREPARE] = {"PREPARE", BAMBU_PREPARING},
    [BAMBU_GS_SLICING] = {"SLICING", BAMBU_PREPARING},
    [BAMBU_GS_INIT] = {"INIT", BAMBU_UNKNOWN},
    [BAMBU_GS_RUNNING] = {"RUNNING", BAMBU_PRINTING},
    [BAMBU_GS_PAUSE] = {"PAUSE", BAMBU_PAUSED},
    [BAMBU_GS_FINISH] = {"FINISH", BAMBU_FINISHED},
    [BAMBU_GS_FAILED] = {"FAILED", BAMBU_FAILED},
};

static const struct {
    unsigned byte;
    const char *name, *label;
} modules[BAMBU_MOD__MAX] = {
    [BAMBU_MOD_UNKNOWN] = {0, "unknown", "Printer"},
    [BAMBU_MOD_MC] = {0x03, "mc", "Motion controller"},
    [BAMBU_MOD_MAINBOARD] = {0x05, "mainboard", "Mainboard"},
    [BAMBU_MOD_AMS] = {0x07, "ams", "AMS"},
    [BAMBU_MOD_TOOLHEAD] = {0x08, "toolhead", "Toolhead"},
    [BAMBU_MOD_XCAM] = {0x0C, "xcam", "Camera"},
};

static const char *const severity_names[BAMBU_SEV__MAX] = {
    [BAMBU_SEV_UNKNOWN] = "unknown", [BAMBU_SEV_FATAL] = "fatal",
    [BAMBU_SEV_SERIOUS] = "serious", [BAMBU_SEV_COMMON] = "common",
    [BAMBU_SEV_INFO] = "info",
};

/* stg_cur ids from §2.2 (ha-bambulab const.py / bambulabs_api). */
static const struct {
    int id;
    const char *name;
} stages[] = {
    {-1, "idle"},
    {0, "printing"},
    {1, "auto bed levelling"},
    {2, "heatbed preheating"},
    {4, "changing filament"},
    {6, "paused: filament runout"},
    {7, "heating hotend"},
    {8, "calibrating extrusion"},
    {13, "homing toolhead"},
    {14, "cleaning nozzle tip"},
    {16, "paused by the user"},
    {17, "paused: front cover fell off"},
    {22, "unloading filament"},
    {24, "loading filament"},
    {34, "paused: first layer error"},
    {35, "paused: nozzle clog"},
    {255, "idle"},
};

const char *
bambu_status_name(enum bambu_status s)
{
    if ((unsigned)s >= BAMBU_STATUS__MAX)
        return "unknown";
    return status_names[s];
}

const char *
bambu_gcode_state_name(enum bambu_gcode_state gs)
{
    if ((unsigned)gs >= BAMBU_GS__MAX)
        return "";
    return gcode_states[gs].wire;
}

enum bambu_gcode_state
bambu_gcode_state_parse(const char *s)
{
    if (!s || !*s)
        return BAMBU_GS_UNKNOWN;
    for (int i = 1; i < BAMBU_GS__MAX; i++)
        if (strcmp(s, gcode_states[i].wire) == 0)
            return (enum bambu_gcode_state)i;
    return BAMBU_GS_UNKNOWN;
}

enum bambu_status
bambu_status_from_gcode_state(enum bambu_gcode_state gs)
{
    if ((unsigned)gs >= BAMBU_GS__MAX)
        return BAMBU_UNKNOWN;
    return gcode_states[gs].status;
}

int
bambu_gcode_state_can_start(enum bambu_gcode_state gs)
{
    return gs == BAMBU_GS_IDLE || gs == BAMBU_GS_FINISH ||
           gs == BAMBU_GS_FAILED;
}

const char *
bambu_module_name(enum bambu_module m)
{
    if ((unsigned)m >= BAMBU_MOD__MAX)
        m = BAMBU_MOD_UNKNOWN;
    return modules[m].name;
}

const char *
bambu_severity_name(enum bambu_severity s)
{
    if ((unsigned)s >= BAMBU_SEV__MAX)
        s = BAMBU_SEV_UNKNOWN;
    return severity_names[s];
}

const char *
bambu_stage_name(int stg_cur)
{
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
        if (stages[i].id == stg_cur)
            return stages[i].name;
    return NULL;
}

/* ---- error codes ---------------------------------------------------- */

/* Only codes the protocol notes name (§2.3, §2.4, §2.5, §3.1, §7), plus
 * 0700_8011 (AMS runout; bambuddy's HMS tests, its #2587). The printer's
 * own text for everything else is at e.bambulab.com (§2.4). */
static const struct {
    uint32_t code;
    const char *text;
} error_texts[] = {
    {0x0300400C, "Task was cancelled"},
    {0x0500400E, "Printing was cancelled"},
    {0x05004004, "Printer busy: cannot start a new task"},
    {0x0500C010, "MicroSD card read/write error"},
    {0x05024007, "MQTT message verify failed: enable LAN-only and "
                 "Developer Mode"},
    {0x05024009, "MQTT message signature malformed: enable LAN-only and "
                 "Developer Mode"},
    {0x07008006, "AMS cannot feed filament"},
    {0x07008011, "AMS filament ran out"},
    {0x07008012, "Failed to get the AMS mapping table"},
    {0x07FF8012, "Failed to get the AMS mapping table"},
};

static const struct {
    uint32_t attr, code;
    const char *text;
} hms_texts[] = {
    {0x03000100, 0x00010007, "Heatbed temperature sensor fault"},
    {BAMBU_VERIFY_HMS_ATTR, BAMBU_VERIFY_HMS_CODE,
     "MQTT command verification failed: enable LAN-only and Developer "
     "Mode"},
};

static enum bambu_module
module_of(uint32_t word)
{
    unsigned byte = word >> 24;

    for (int i = 1; i < BAMBU_MOD__MAX; i++)
        if (modules[i].byte == byte)
            return (enum bambu_module)i;
    return BAMBU_MOD_UNKNOWN;
}

void
bambu_error_format(uint32_t code, char out[BAMBU_ERROR_ID_LEN])
{
    snprintf(out, BAMBU_ERROR_ID_LEN, "%04X_%04X", (unsigned)(code >> 16),
             (unsigned)(code & 0xFFFF));
}

enum bambu_module
bambu_error_module(uint32_t code)
{
    return module_of(code);
}

const char *
bambu_error_text(uint32_t code)
{
    for (size_t i = 0; i < sizeof error_texts / sizeof error_texts[0]; i++)
        if (error_texts[i].code == code)
            return error_texts[i].text;
    return NULL;
}

char *
bambu_error_describe(uint32_t code, char *out, size_t n)
{
    char id[BAMBU_ERROR_ID_LEN];
    const char *text = bambu_error_text(code);

    if (!n)
        return out;
    bambu_error_format(code, id);
    if (text)
        snprintf(out, n, "%s (%s)", text, id);
    else
        snprintf(out, n, "%s error %s", modules[module_of(code)].label, id);
    return out;
}

int
bambu_is_user_cancel(uint32_t print_error)
{
    return print_error == BAMBU_CANCEL_ERROR || print_error == 0x0500400E;
}

void
bambu_hms_format(uint32_t attr, uint32_t code, char out[BAMBU_HMS_ID_LEN])
{
    snprintf(out, BAMBU_HMS_ID_LEN, "%04X_%04X_%04X_%04X",
             (unsigned)(attr >> 16), (unsigned)(attr & 0xFFFF),
             (unsigned)(code >> 16), (unsigned)(code & 0xFFFF));
}

enum bambu_module
bambu_hms_module(uint32_t attr)
{
    return module_of(attr);
}

enum bambu_severity
bambu_hms_severity(uint32_t code)
{
    uint32_t s = code >> 16;

    if (s >= 1 && s <= 4)
        return (enum bambu_severity)s;
    return BAMBU_SEV_UNKNOWN;
}

const char *
bambu_hms_text(uint32_t attr, uint32_t code)
{
    for (size_t i = 0; i < sizeof hms_texts / sizeof hms_texts[0]; i++)
        if (hms_texts[i].attr == attr && hms_texts[i].code == code)
            return hms_texts[i].text;
    return NULL;
}

char *
bambu_hms_describe(uint32_t attr, uint32_t code, char *out, size_t n)
{
    char id[BAMBU_HMS_ID_LEN];
    const char *text = bambu_hms_text(attr, code);
    const char *sev = bambu_severity_name(bambu_hms_severity(code));
    const char *mod = modules[module_of(attr)].label;

    if (!n)
        return out;
    bambu_hms_format(attr, code, id);
    if (text)
        snprintf(out, n, "%s %s alert: %s (%s)", sev, mod, text, id);
    else
        snprintf(out, n, "%s %s alert %s", sev, mod, id);
    return out;
}
