/*
 * tmpl_shim — the extern "C" side of tmpl.h, the only C++ in the tree.
 * struct tmpl_dict is never defined: a pointer to it is a
 * ctemplate::TemplateDictionary in disguise, so a section child needs no
 * allocation of ours and dies with its parent. Every entry point catches
 * everything, because an exception unwinding into C is undefined behaviour.
 */
#include "web/tmpl.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>
#include <ctemplate/template_dictionary.h>

using ctemplate::TemplateDictionary;

/* Every template is cached and expanded with the same mode: the cache key
 * includes it, so a render with another mode would parse a second copy. */
static const ctemplate::Strip tmpl_strip = ctemplate::STRIP_BLANK_LINES;

static thread_local char tmpl_err[256];

static int tmpl_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
tmpl_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tmpl_err, sizeof(tmpl_err), fmt, ap);
    va_end(ap);
    return -1;
}

static TemplateDictionary *
to_cxx(struct tmpl_dict *d)
{
    return reinterpret_cast<TemplateDictionary *>(d);
}

static struct tmpl_dict *
to_c(TemplateDictionary *d)
{
    return reinterpret_cast<struct tmpl_dict *>(d);
}

static bool
empty(const char *s)
{
    return s == NULL || *s == '\0';
}

extern "C" int
tmpl_init(const char *root_dir)
{
    if (empty(root_dir))
        return tmpl_fail("tmpl_init: no root directory");
    try {
        if (!ctemplate::mutable_default_template_cache()
                 ->SetTemplateRootDirectory(root_dir))
            return tmpl_fail("tmpl_init: cannot set root '%s'", root_dir);
        return 0;
    } catch (const std::exception &e) {
        return tmpl_fail("tmpl_init: %s", e.what());
    } catch (...) {
        return tmpl_fail("tmpl_init: unknown exception");
    }
}

extern "C" int
tmpl_preload(const char *name)
{
    if (empty(name))
        return tmpl_fail("tmpl_preload: no template name");
    try {
        if (!ctemplate::mutable_default_template_cache()->LoadTemplate(
                name, tmpl_strip))
            return tmpl_fail("template '%s' is missing or invalid "
                             "(details on stderr)",
                             name);
        return 0;
    } catch (const std::exception &e) {
        return tmpl_fail("tmpl_preload %s: %s", name, e.what());
    } catch (...) {
        return tmpl_fail("tmpl_preload %s: unknown exception", name);
    }
}

extern "C" struct tmpl_dict *
tmpl_dict_new(const char *debug_name)
{
    try {
        return to_c(new TemplateDictionary(empty(debug_name) ? "dict"
                                                             : debug_name));
    } catch (const std::exception &e) {
        tmpl_fail("tmpl_dict_new: %s", e.what());
    } catch (...) {
        tmpl_fail("tmpl_dict_new: unknown exception");
    }
    return NULL;
}

extern "C" void
tmpl_dict_free(struct tmpl_dict *d)
{
    try {
        delete to_cxx(d);
    } catch (...) {
        /* destructors do not throw; nothing useful to report anyway */
    }
}

extern "C" int
tmpl_set(struct tmpl_dict *d, const char *key, const char *val)
{
    if (d == NULL || empty(key))
        return tmpl_fail("tmpl_set: no dictionary or key");
    try {
        to_cxx(d)->SetValue(key, val == NULL ? "" : val);
        return 0;
    } catch (const std::exception &e) {
        return tmpl_fail("tmpl_set %s: %s", key, e.what());
    } catch (...) {
        return tmpl_fail("tmpl_set %s: unknown exception", key);
    }
}

extern "C" int
tmpl_set_int(struct tmpl_dict *d, const char *key, long long v)
{
    char num[32];

    /* SetIntValue takes a long, which is 32 bits on some ABIs. */
    snprintf(num, sizeof(num), "%lld", v);
    return tmpl_set(d, key, num);
}

extern "C" int
tmpl_show(struct tmpl_dict *d, const char *section)
{
    if (d == NULL || empty(section))
        return tmpl_fail("tmpl_show: no dictionary or section");
    try {
        to_cxx(d)->ShowSection(section);
        return 0;
    } catch (const std::exception &e) {
        return tmpl_fail("tmpl_show %s: %s", section, e.what());
    } catch (...) {
        return tmpl_fail("tmpl_show %s: unknown exception", section);
    }
}

extern "C" struct tmpl_dict *
tmpl_section_add(struct tmpl_dict *d, const char *section)
{
    if (d == NULL || empty(section)) {
        tmpl_fail("tmpl_section_add: no dictionary or section");
        return NULL;
    }
    try {
        return to_c(to_cxx(d)->AddSectionDictionary(section));
    } catch (const std::exception &e) {
        tmpl_fail("tmpl_section_add %s: %s", section, e.what());
    } catch (...) {
        tmpl_fail("tmpl_section_add %s: unknown exception", section);
    }
    return NULL;
}

extern "C" int
tmpl_render(const char *name, struct tmpl_dict *d, char **out,
            size_t *out_len)
{
    if (out == NULL || out_len == NULL)
        return tmpl_fail("tmpl_render: no output pointers");
    *out = NULL;
    *out_len = 0;
    if (empty(name))
        return tmpl_fail("tmpl_render: no template name");
    try {
        TemplateDictionary blank("blank");
        std::string text;
        char *p;

        if (!ctemplate::ExpandTemplate(name, tmpl_strip,
                                       d != NULL ? to_cxx(d) : &blank, &text))
            return tmpl_fail("template '%s' failed to expand "
                             "(details on stderr)",
                             name);
        p = static_cast<char *>(malloc(text.size() + 1));
        if (p == NULL)
            return tmpl_fail("tmpl_render %s: out of memory", name);
        memcpy(p, text.data(), text.size());
        p[text.size()] = '\0';
        *out = p;
        *out_len = text.size();
        return 0;
    } catch (const std::exception &e) {
        return tmpl_fail("tmpl_render %s: %s", name, e.what());
    } catch (...) {
        return tmpl_fail("tmpl_render %s: unknown exception", name);
    }
}

extern "C" const char *
tmpl_last_error(void)
{
    return tmpl_err;
}

extern "C" void
tmpl_shutdown(void)
{
    try {
        ctemplate::mutable_default_template_cache()->ClearCache();
    } catch (...) {
        /* at exit there is no one left to tell */
    }
}
