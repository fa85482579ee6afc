#include "web/pagecache.h"

#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "web/http.h"

#include "base/banned.h"

struct entry {
    char *key; /* csrf "\n" path "?" query */
    char *body;
    size_t len;
    int64_t version, at;
};

static struct entry slots[PAGECACHE_SLOTS];
static unsigned next_slot;

static int
same_key(const struct entry *e, const struct req *r)
{
    size_t c = strlen(r->csrf), p = strlen(r->path);
    const char *k = e->key;

    return strncmp(k, r->csrf, c) == 0 && k[c] == '\n' &&
           strncmp(k + c + 1, r->path, p) == 0 && k[c + 1 + p] == '?' &&
           strcmp(k + c + 2 + p, r->query) == 0;
}

static void
entry_clear(struct entry *e)
{
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof(*e));
}

const char *
pagecache_get(struct req *r, int64_t version, size_t *len)
{
    if (r->csrf == NULL || version < 0)
        return NULL;
    for (int i = 0; i < PAGECACHE_SLOTS; i++) {
        struct entry *e = &slots[i];

        if (e->key == NULL || !same_key(e, r))
            continue;
        if (e->version != version || r->c->now - e->at >= PAGECACHE_TTL_S ||
            r->c->now < e->at) {
            entry_clear(e);
            return NULL;
        }
        *len = e->len;
        return e->body;
    }
    return NULL;
}

void
pagecache_put(struct req *r, int64_t version, const char *body, size_t len)
{
    struct entry *e = NULL;
    size_t c, p, q;

    if (r->csrf == NULL || version < 0 || len > PAGECACHE_MAX)
        return;
    for (int i = 0; i < PAGECACHE_SLOTS && e == NULL; i++)
        if (slots[i].key != NULL && same_key(&slots[i], r))
            e = &slots[i];
    if (e == NULL)
        e = &slots[next_slot++ % PAGECACHE_SLOTS];
    entry_clear(e);
    c = strlen(r->csrf);
    p = strlen(r->path);
    q = strlen(r->query);
    e->key = malloc(c + p + q + 3);
    e->body = malloc(len + 1);
    if (e->key == NULL || e->body == NULL) {
        entry_clear(e);
        return;
    }
    memcpy(e->key, r->csrf, c);
    e->key[c] = '\n';
    memcpy(e->key + c + 1, r->path, p);
    e->key[c + 1 + p] = '?';
    memcpy(e->key + c + 2 + p, r->query, q + 1);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->len = len;
    e->version = version;
    e->at = r->c->now;
}

void
pagecache_release(void)
{
    for (int i = 0; i < PAGECACHE_SLOTS; i++)
        entry_clear(&slots[i]);
}
