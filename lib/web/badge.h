/*
 * badge — the one status vocabulary of the dashboard (DASHBOARD.md): for
 * each printer state and each print state a word, a symbol and a tone, so
 * a status never reads by colour alone. The pages render badges from it,
 * and write it once per page (badge_vocabulary) for static/app.js, which
 * therefore never invents a word of its own.
 */
#ifndef BADGE_H
#define BADGE_H

struct tmpl_dict;

enum badge_kind { BADGE_PRINTER, BADGE_PRINT };

struct badge {
    const char *status; /* the API's word: "printing", "queued", … */
    const char *symbol; /* "▶", or "" */
    const char *word;   /* "Printing" */
    const char *tone;   /* CSS tone: ok, busy, warn, bad, muted, neutral */
};

/* The badge of status (NULL or unknown: a muted badge showing the status
 * itself, or "Unknown"). Never NULL; static storage. */
const struct badge *badge_of(enum badge_kind kind, const char *status);

/* Sets prefix_SYMBOL, prefix_WORD and prefix_TONE in d for status: e.g.
 * STATUS_SYMBOL, STATUS_WORD, STATUS_TONE for prefix "STATUS". */
void badge_set(struct tmpl_dict *d, const char *prefix, enum badge_kind kind,
               const char *status);

/* Adds one WORD section per state to d (KIND, STATUS, SYMBOL, TONE, WORD):
 * what templates/status_words.tpl writes for the script. */
void badge_vocabulary(struct tmpl_dict *d);

#endif
