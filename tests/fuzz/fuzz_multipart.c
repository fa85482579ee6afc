/*
 * fuzz_multipart — libFuzzer target for lib/web/multipart: the input's first
 * line is a Content-Type value (multipart_boundary), the rest a body fed in
 * chunks whose size comes from the first byte, so delimiters split across
 * chunks are covered. A body whose Content-Type gives no boundary is parsed
 * with the boundary "b". Must never crash, overread or leak.
 */
#include "web/multipart.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t seen;

static int
on_begin(void *ud, const struct multipart_part *p)
{
    (void)ud;
    seen += strlen(p->name) + (p->filename ? strlen(p->filename) : 0) +
            (p->content_type ? strlen(p->content_type) : 0);
    return 0;
}

static int
on_data(void *ud, const char *p, size_t n)
{
    (void)ud;
    for (size_t i = 0; i < n; i++)
        seen += (unsigned char)p[i];
    return 0;
}

static int
on_end(void *ud)
{
    (void)ud;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct multipart_cb cb = {on_begin, on_data, on_end};
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    struct arena *a = arena_new();
    const char *boundary = NULL;
    struct multipart *m;
    size_t off = 0, chunk;

    if (nl != NULL) {
        boundary = multipart_boundary(
            a, arena_strndup(a, text, (size_t)(nl - text)));
        off = (size_t)(nl - text) + 1;
    }
    chunk = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
    m = multipart_new(a, boundary ? boundary : "b", &cb, NULL);
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk;

        if (multipart_feed(m, text + off, n) < 0)
            break;
        off += n;
    }
    multipart_finish(m);
    multipart_error(m);
    arena_free(a);
    return 0;
}
