/*
 * tmpl — a C API over the Google ctemplate C++ library, used to render the
 * HTML pages (and plain-text mail). lib/tmpl_shim.cc is the only C++ file in
 * the tree; link with g++ (or gcc + -lstdc++) and -lctemplate -lpthread.
 *
 * Invariants:
 * - No C++ type or exception crosses this header: every function catches
 *   everything and reports failure as -1 or NULL, with the reason in
 *   tmpl_last_error() (thread-local).
 * - Templates live in ctemplate's process-wide default cache, always with
 *   STRIP_BLANK_LINES. tmpl_init() and tmpl_preload() run once at startup,
 *   before fork() and before any thread renders; a preload failure is fatal.
 * - A struct tmpl_dict belongs to one request on one thread, never shared.
 *   Only a dictionary from tmpl_dict_new() is freed; a section child from
 *   tmpl_section_add() is owned by its parent and dies with it.
 * - Values are copied when set and escaped by the template's AUTOESCAPE
 *   pragma: never pre-escape in C. Keys are interned for the life of the
 *   process, so key names come from code, never from data.
 */
#ifndef TMPL_H
#define TMPL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" { /* only for lib/tmpl_shim.cc */
#endif

struct tmpl_dict;

/* Sets the directory template names are resolved against. 0, or -1 when
 * root_dir is NULL/empty or the cache refuses (frozen). */
int tmpl_init(const char *root_dir);

/* Loads, parses and validates the template name (relative to the root)
 * into the cache. Auto-escape errors, such as an unquoted URL attribute or a
 * bad pragma, fail here rather than at render time. 0, or -1 when the file
 * is missing or invalid (ctemplate also logs the detail to stderr). */
int tmpl_preload(const char *name);

/* Returns a new, empty top-level dictionary owned by the caller, who frees
 * it with tmpl_dict_free(). debug_name only shows up in dumps and may be
 * NULL. NULL when out of memory. */
struct tmpl_dict *tmpl_dict_new(const char *debug_name);

/* Frees a dictionary from tmpl_dict_new() and every section child added to
 * it. NULL is a no-op. Never pass a child from tmpl_section_add(). */
void tmpl_dict_free(struct tmpl_dict *d);

/* Sets {{key}} to a copy of val (NULL means the empty string). 0, or -1
 * when d or key is NULL/empty or out of memory. */
int tmpl_set(struct tmpl_dict *d, const char *key, const char *val);

/* Sets {{key}} to the decimal text of v. 0, or -1 as tmpl_set(). */
int tmpl_set_int(struct tmpl_dict *d, const char *key, long long v);

/* Shows {{#section}} once with d's own values. 0, or -1 when d or section
 * is NULL/empty or out of memory. */
int tmpl_show(struct tmpl_dict *d, const char *section);

/* Adds one repetition of {{#section}} and returns its dictionary, borrowed:
 * owned by d, valid until d's top-level dictionary is freed. Lookups that
 * miss in the child fall back to d. NULL on bad arguments or out of memory.
 */
struct tmpl_dict *tmpl_section_add(struct tmpl_dict *d, const char *section);

/* Expands template name with d (NULL renders with no values) into a new
 * malloc'd, NUL-terminated buffer that the caller free()s; *out_len gets
 * its length without the NUL. A template not yet preloaded is loaded now.
 * -1 with *out = NULL and *out_len = 0 when the template is missing or
 * invalid, an include fails or memory runs out; partial output is dropped.
 */
int tmpl_render(const char *name, struct tmpl_dict *d, char **out,
                size_t *out_len);

/* Returns the calling thread's last error message, "" if none. The string
 * is static thread-local storage, overwritten by the next failure. */
const char *tmpl_last_error(void);

/* Drops every parsed template from the cache, so a leak checker stays quiet
 * at exit. Dictionaries must be freed first; tmpl_preload() or tmpl_render()
 * reload on demand afterwards. */
void tmpl_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif
