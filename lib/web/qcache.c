#include "web/qcache.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#include "base/banned.h"

struct entry {
    char *key;
    int64_t version;
    char *body;
    size_t len;
};

static struct entry slots[QCACHE_SLOTS];

static struct entry *
slot_of(const char *key)
{
    uint32_t h = 2166136261u;

    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return &slots[h % QCACHE_SLOTS];
}

int
qcache_get(const char *key, int64_t version, struct buf *out)
{
    struct entry *e = slot_of(key);

    if (e->key == NULL || e->version != version || strcmp(e->key, key) != 0)
        return 0;
    buf_append(out, e->body, e->len);
    return 1;
}

static void
entry_clear(struct entry *e)
{
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof(*e));
}

void
qcache_put(const char *key, int64_t version, const char *body, size_t len)
{
    struct entry *e = slot_of(key);

    entry_clear(e);
    if (len > QCACHE_MAX_BODY)
        return;
    e->key = strdup(key);
    e->body = malloc(len ? len : 1);
    if (e->key == NULL || e->body == NULL) {
        entry_clear(e);
        return;
    }
    memcpy(e->body, body, len);
    e->len = len;
    e->version = version;
}

void
qcache_release(void)
{
    for (int i = 0; i < QCACHE_SLOTS; i++)
        entry_clear(&slots[i]);
}
