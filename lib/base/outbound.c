#include "base/outbound.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "base/log.h"

#include "base/banned.h"

#define OWN_MAX 128
#define HOST_MAX 256

/* An address range: 16 bytes (IPv4 as ::ffff:a.b.c.d) and a prefix. */

static struct {
    int loaded;
    int private_webhooks;
    int nallow;
    struct outbound_net allow[OUTBOUND_ALLOW_MAX];
} policy;

static struct {
    int64_t read_ms; /* 0: never read */
    int n;
    unsigned char a[OWN_MAX][16];
} own;

static const char PRIVATE[] = "a private network address";
static const char OWN[] = "an address of this server";

/* The ranges refused whatever the use, then the private ones. */
static const struct {
    const char *cidr;
    const char *what; /* NULL: private */
} rules[] = {
    {"0.0.0.0/8", "an unspecified address"},
    {"127.0.0.0/8", "a loopback address"},
    {"169.254.0.0/16", "a link-local address"},
    {"224.0.0.0/4", "a multicast address"},
    {"240.0.0.0/4", "a reserved address"},
    {"::/128", "an unspecified address"},
    {"::1/128", "a loopback address"},
    {"fe80::/10", "a link-local address"},
    {"ff00::/8", "a multicast address"},
    {"10.0.0.0/8", NULL},
    {"172.16.0.0/12", NULL},
    {"192.168.0.0/16", NULL},
    {"100.64.0.0/10", NULL},
    {"fc00::/7", NULL},
    {"fec0::/10", NULL},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static struct outbound_net rule_nets[NRULES];
static int rules_ready;

static void
map4(const void *v4, unsigned char out[16])
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, v4, 4);
}

static void
mask(struct outbound_net *n)
{
    for (int i = 0; i < 16; i++) {
        int keep = n->bits - 8 * i;

        if (keep >= 8)
            continue;
        n->a[i] &= keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
    }
}

static int
in_net(const unsigned char a[16], const struct outbound_net *n)
{
    int full = n->bits / 8, rest = n->bits % 8;

    if (memcmp(a, n->a, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    return ((a[full] ^ n->a[full]) & (0xff << (8 - rest))) == 0;
}

/* "a.b.c.d[/n]" (strict dotted quad) or "v6[/n]" into n. 0 or -1. */
static int
parse_cidr(const char *s, size_t len, struct outbound_net *n)
{
    char buf[64], *slash, *end;
    unsigned char v4[4];
    long bits;
    int max;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    if (inet_pton(AF_INET, buf, v4) == 1) {
        map4(v4, n->a);
        max = 32;
    } else if (inet_pton(AF_INET6, buf, n->a) == 1) {
        max = 128;
    } else {
        return -1;
    }
    bits = max;
    if (slash != NULL) {
        if (!isdigit((unsigned char)slash[1]))
            return -1;
        bits = strtol(slash + 1, &end, 10);
        if (*end != '\0' || bits < 0 || bits > max)
            return -1;
    }
    n->bits = (int)bits + (max == 32 ? 96 : 0);
    mask(n);
    return 0;
}

static void
rules_init(void)
{
    if (rules_ready)
        return;
    for (size_t i = 0; i < NRULES; i++)
        if (parse_cidr(rules[i].cidr, strlen(rules[i].cidr), &rule_nets[i]) < 0)
            abort(); /* a typo in the table above */
    rules_ready = 1;
}

int
outbound_parse_nets(const char *list, struct outbound_net *nets, int max,
                    char *why, size_t whylen)
{
    const char *p = list ? list : "";
    int n = 0;

    for (;;) {
        size_t len;

        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        len = strcspn(p, ", \t\r\n");
        if (n == max) {
            snprintf(why, whylen, "more than %d ranges", max);
            return -1;
        }
        if (parse_cidr(p, len, &nets[n]) < 0) {
            snprintf(why, whylen,
                     "\"%.*s\" is not an IP address or CIDR range such as "
                     "10.1.2.0/24 or fd00::/8",
                     (int)(len > 64 ? 64 : len), p);
            return -1;
        }
        n++;
        p += len;
    }
    return n;
}

int
outbound_in_nets(const struct outbound_net *nets, int n,
                 const unsigned char addr[16])
{
    for (int i = 0; i < n; i++)
        if (in_net(addr, &nets[i]))
            return 1;
    return 0;
}

int
outbound_configure(const char *allow, int private_webhooks, char *why,
                   size_t whylen)
{
    struct outbound_net nets[OUTBOUND_ALLOW_MAX];
    int n = outbound_parse_nets(allow, nets, OUTBOUND_ALLOW_MAX, why, whylen);

    if (n < 0)
        return -1;
    memcpy(policy.allow, nets, sizeof(nets[0]) * (size_t)n);
    policy.nallow = n;
    policy.private_webhooks = private_webhooks != 0;
    policy.loaded = 1;
    return 0;
}

/* A process that loaded no configuration: the environment, failing
 * closed (no extra ranges) on a bad value. */
static void
policy_load(void)
{
    const char *pw = getenv("FARM_OUTBOUND_PRIVATE_WEBHOOKS");
    char why[160];

    if (policy.loaded)
        return;
    if (outbound_configure(getenv("FARM_OUTBOUND_ALLOW"),
                           pw == NULL || strcmp(pw, "0") != 0, why,
                           sizeof(why)) < 0) {
        log_error("outbound: FARM_OUTBOUND_ALLOW ignored: %s", why);
        outbound_configure(NULL, pw == NULL || strcmp(pw, "0") != 0, why,
                           sizeof(why));
    }
}

/* The IPv4 address an IPv6 one carries, as ::ffff:a.b.c.d in out; 0 when
 * it carries none (out is then a copy). */
static int
embedded_v4(const unsigned char a[16], unsigned char out[16])
{
    static const unsigned char zero[12], nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    int v4 = 0;

    memcpy(out, a, 16);
    if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
        return 1; /* mapped: already in our form */
    if (memcmp(a, zero, 12) == 0)
        /* compatible ::a.b.c.d, but not :: and ::1 themselves */
        v4 = !(a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1);
    else if (memcmp(a, zero, 8) == 0 && a[8] == 0xff && a[9] == 0xff &&
             a[10] == 0 && a[11] == 0)
        v4 = 1; /* SIIT ::ffff:0:a.b.c.d */
    else if (memcmp(a, nat64, 12) == 0)
        v4 = 1; /* NAT64 64:ff9b::a.b.c.d */
    if (v4)
        map4(a + 12, out);
    return v4;
}

static void
own_read(void)
{
    struct ifaddrs *list, *i;
    int64_t now = clock_mono_ms();

    if (own.read_ms != 0 && now - own.read_ms < OUTBOUND_OWN_TTL_MS)
        return;
    own.read_ms = now;
    own.n = 0;
    if (getifaddrs(&list) < 0) {
        log_error("outbound: cannot list this host's addresses");
        return;
    }
    for (i = list; i != NULL && own.n < OWN_MAX; i = i->ifa_next) {
        unsigned char a[16];

        if (i->ifa_addr == NULL)
            continue;
        if (i->ifa_addr->sa_family == AF_INET)
            map4(&((const struct sockaddr_in *)(const void *)i->ifa_addr)
                      ->sin_addr,
                 a);
        else if (i->ifa_addr->sa_family == AF_INET6)
            memcpy(a,
                   &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)
                        ->sin6_addr,
                   16);
        else
            continue;
        embedded_v4(a, own.a[own.n++]);
    }
    freeifaddrs(list);
}

static int
allowed_by_list(const unsigned char a[16])
{
    for (int i = 0; i < policy.nallow; i++)
        if (in_net(a, &policy.allow[i]))
            return 1;
    return 0;
}

const char *
outbound_refusal(enum outbound_use use, const unsigned char addr[16])
{
    unsigned char a[16];
    int private_ = 0;

    policy_load();
    rules_init();
    embedded_v4(addr, a);
    if (allowed_by_list(addr) || allowed_by_list(a))
        return NULL;
    for (size_t i = 0; i < NRULES; i++)
        if (in_net(a, &rule_nets[i])) {
            if (rules[i].what != NULL)
                return rules[i].what;
            private_ = 1;
        }
    own_read();
    for (int i = 0; i < own.n; i++)
        if (memcmp(own.a[i], a, 16) == 0)
            return OWN;
    if (private_ && use == OUTBOUND_WEBHOOK && !policy.private_webhooks)
        return PRIVATE;
    return NULL;
}

int
outbound_literal(const char *host, unsigned char addr[16])
{
    char buf[HOST_MAX];
    size_t len = host ? strlen(host) : 0;
    struct in_addr v4;
    char *pct;

    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, host, len + 1);
    if (buf[0] == '[' && buf[len - 1] == ']') {
        memmove(buf, buf + 1, len - 2);
        buf[len -= 2] = '\0';
    }
    /* getaddrinfo and libcurl take "127.0.0.1." as the address */
    if (len > 0 && buf[len - 1] == '.')
        buf[--len] = '\0';
    if (strchr(buf, ':') != NULL && (pct = strchr(buf, '%')) != NULL)
        *pct = '\0'; /* fe80::1%eth0 */
    if (inet_pton(AF_INET6, buf, addr) == 1)
        return 1;
    /* inet_aton takes every IPv4 spelling getaddrinfo does: 127.1,
     * 2130706433, 0x7f.0.0.1, 0177.0.0.1 */
    if (buf[0] != '\0' && inet_aton(buf, &v4) != 0) {
        map4(&v4, addr);
        return 1;
    }
    return 0;
}

const char *
outbound_check_host(enum outbound_use use, const char *host)
{
    unsigned char a[16];

    if (!outbound_literal(host, a))
        return NULL;
    return outbound_refusal(use, a);
}

const char *
outbound_check_url(const char *url, int *unparsable)
{
    CURLU *u = curl_url();
    char *host = NULL;
    const char *why;

    *unparsable = 0;
    if (u == NULL)
        abort();
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        *unparsable = 1;
        return "not a URL";
    }
    why = outbound_check_host(OUTBOUND_WEBHOOK, host);
    curl_free(host);
    curl_url_cleanup(u);
    return why;
}

/* The 16-byte form of an AF_INET/AF_INET6 address; -1 for others. */
static int
sockaddr_bytes(const struct sockaddr *sa, unsigned char a[16])
{
    if (sa->sa_family == AF_INET) {
        map4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, a);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
               16);
        return 0;
    }
    return -1;
}

const char *
outbound_check_sockaddr(enum outbound_use use, const struct sockaddr *sa)
{
    unsigned char a[16];

    if (sa == NULL || sockaddr_bytes(sa, a) < 0)
        return "not an IP address";
    return outbound_refusal(use, a);
}

void
outbound_sockaddr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
    const void *src;

    if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
        snprintf(out, outlen, "?");
        return;
    }
    src = sa->sa_family == AF_INET
              ? (const void *)&((const struct sockaddr_in *)(const void *)sa)
                    ->sin_addr
              : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)
                    ->sin6_addr;
    if (inet_ntop(sa->sa_family, src, out, (socklen_t)outlen) == NULL)
        snprintf(out, outlen, "?");
}

int
outbound_resolve(enum outbound_use use, const char *host, char *out,
                 size_t outlen, const char **why)
{
    struct addrinfo hints, *res = NULL, *ai;
    char addr[INET6_ADDRSTRLEN];
    int refused = 0;

    *why = "bad host";
    if (host == NULL || host[0] == '\0' || strlen(host) >= HOST_MAX ||
        outlen < INET6_ADDRSTRLEN)
        return -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
        *why = "name not found";
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        const char *no;

        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        outbound_sockaddr_text(ai->ai_addr, addr, sizeof(addr));
        no = outbound_check_sockaddr(use, ai->ai_addr);
        if (no == NULL) {
            snprintf(out, outlen, "%s", addr);
            freeaddrinfo(res);
            return 0;
        }
        log_error("outbound: %s %s resolves to %s, %s: %s",
                  use == OUTBOUND_WEBHOOK ? "webhook" : "printer", host, addr,
                  no, OUTBOUND_REFUSED);
        refused = 1;
    }
    freeaddrinfo(res);
    *why = refused ? OUTBOUND_REFUSED : "name not found";
    return -1;
}
