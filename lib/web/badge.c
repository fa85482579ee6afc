#include "web/badge.h"

#include <stdio.h>
#include <string.h>

#include "web/tmpl.h"

#include "base/banned.h"

#define PLAY "\xe2\x96\xb6"   /* ▶ */
#define DOT "\xe2\x97\x8f"    /* ● */
#define RING "\xe2\x97\x8b"   /* ○ */
#define PAUSE "\xe2\x9d\x9a\xe2\x9d\x9a" /* ❚❚ */
#define CROSS "\xe2\x9c\x96"  /* ✖ */
#define CHECK "\xe2\x9c\x94"  /* ✔ */
#define WARN "\xe2\x9a\xa0"   /* ⚠ */
#define CLOCK "\xe2\x97\xb7"  /* ◷ */

/* What the dispatcher writes into printers.status. */
static const struct badge printer_badges[] = {
    {"idle", DOT, "Idle", "ok"},
    {"finished", CHECK, "Finished", "ok"},
    {"preparing", PLAY, "Preparing", "busy"},
    {"printing", PLAY, "Printing", "busy"},
    {"paused", PAUSE, "Paused", "warn"},
    {"failed", CROSS, "Failed", "bad"},
    {"auth_failed", WARN, "Wrong access code", "bad"},
    {"untrusted_certificate", WARN, "Untrusted certificate", "bad"},
    {"needs_developer_mode", WARN, "Needs developer mode", "bad"},
    {"offline", RING, "Offline", "muted"},
    {"unknown", RING, "Unknown", "muted"},
    {NULL, NULL, NULL, NULL},
};

/* The print lifecycle (DESIGN.md). */
static const struct badge print_badges[] = {
    {"queued", "", "Queued", "neutral"},
    {"scheduled", CLOCK, "Scheduled", "neutral"},
    {"started", PLAY, "Printing", "busy"},
    {"completed", CHECK, "Completed", "ok"},
    {"failed", CROSS, "Failed", "bad"},
    {"cancelled", "", "Cancelled", "muted"},
    {NULL, NULL, NULL, NULL},
};

static const struct badge *
table_of(enum badge_kind kind)
{
    return kind == BADGE_PRINT ? print_badges : printer_badges;
}

const struct badge *
badge_of(enum badge_kind kind, const char *status)
{
    static const struct badge unknown = {"unknown", RING, "Unknown", "muted"};

    for (const struct badge *b = table_of(kind); status && b->status; b++)
        if (strcmp(b->status, status) == 0)
            return b;
    return &unknown;
}

void
badge_set(struct tmpl_dict *d, const char *prefix, enum badge_kind kind,
          const char *status)
{
    const struct badge *b = badge_of(kind, status);
    char key[64];

    snprintf(key, sizeof key, "%s_SYMBOL", prefix);
    tmpl_set(d, key, b->symbol);
    snprintf(key, sizeof key, "%s_WORD", prefix);
    tmpl_set(d, key, b->word);
    snprintf(key, sizeof key, "%s_TONE", prefix);
    tmpl_set(d, key, b->tone);
}

void
badge_vocabulary(struct tmpl_dict *d)
{
    static const char *const kinds[] = {"printer", "print"};

    for (int k = 0; k < 2; k++)
        for (const struct badge *b = table_of((enum badge_kind)k); b->status;
             b++) {
            struct tmpl_dict *w = tmpl_section_add(d, "WORD");

            tmpl_set(w, "KIND", kinds[k]);
            tmpl_set(w, "STATUS", b->status);
            tmpl_set(w, "SYMBOL", b->symbol);
            tmpl_set(w, "TONE", b->tone);
            tmpl_set(w, "WORD", b->word);
        }
}
