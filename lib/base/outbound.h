/*
 * outbound — where this server may connect on a user's behalf. Webhook
 * URLs and printer hosts are user input: without a policy a user could make
 * the dispatcher post to a service on the server's own loopback or to a
 * cloud metadata address (server-side request forgery).
 *
 * Refused unless allowed: loopback (127.0.0.0/8, ::1), unspecified
 * (0.0.0.0/8, ::), link-local (169.254.0.0/16, fe80::/10), multicast
 * (224.0.0.0/4, ff00::/8), reserved (240.0.0.0/4 with the broadcast
 * address) and every address of this host's own interfaces (getifaddrs,
 * re-read every OUTBOUND_OWN_TTL_MS). An IPv6 address that carries an IPv4
 * one (::ffff:a.b.c.d, ::a.b.c.d, ::ffff:0:a.b.c.d, 64:ff9b::a.b.c.d) is
 * judged by the IPv4 address. Private ranges (10.0.0.0/8, 172.16.0.0/12,
 * 192.168.0.0/16, 100.64.0.0/10, fc00::/7, fec0::/10) are allowed, since
 * printers and LAN receivers live there; for webhooks only, the operator
 * may refuse them (FARM_OUTBOUND_PRIVATE_WEBHOOKS=0). Ranges the operator
 * lists in FARM_OUTBOUND_ALLOW (CIDRs, IPv4 and IPv6) are allowed whatever
 * the rules above say.
 *
 * Two checks use the same rules:
 * - when a URL or host is saved (outbound_check_url, outbound_check_host),
 *   a literal address in any spelling the connecting code would accept
 *   (127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1, [::ffff:127.0.0.1], a
 *   trailing dot) is judged; a name passes, since web requests never
 *   resolve names;
 * - when connecting, the address actually connected to is judged
 *   (outbound_check_sockaddr from libcurl's open-socket callback,
 *   outbound_resolve before libmosquitto is handed a literal address), so
 *   a name whose DNS answer changes between the checks cannot get round it.
 *
 * URLs are parsed with libcurl's own URL parser, the one that will send
 * them, so the host judged is the host curl connects to (curl reads
 * "http://a\@127.0.0.1/" as host 127.0.0.1 and normalises 127.1).
 *
 * The policy is per process: conf_load installs the one it read
 * (outbound_configure); a process that never loads a configuration reads
 * FARM_OUTBOUND_ALLOW and FARM_OUTBOUND_PRIVATE_WEBHOOKS from the
 * environment at first use. Single-threaded, like every program here.
 */
#ifndef OUTBOUND_H
#define OUTBOUND_H

#include <stddef.h>

struct sockaddr;

/* The error a user sees when a connection was refused by the policy. */
#define OUTBOUND_REFUSED "refused by the outbound policy"

#define OUTBOUND_ALLOW_MAX 64
#define OUTBOUND_OWN_TTL_MS 10000

/* What the connection is for: the private ranges are the difference. */
enum outbound_use {
    OUTBOUND_PRINTER,
    OUTBOUND_WEBHOOK,
};

/* An address range: the address (IPv4 as ::ffff:a.b.c.d) and its prefix
 * length counted over the 16 bytes. */
struct outbound_net {
    unsigned char a[16];
    int bits;
};

/* Parses list (CIDRs or single addresses, separated by commas and/or white
 * space; NULL or "" for none) into nets: the number, or -1 with why set.
 * The one parser of every address-range setting (FARM_OUTBOUND_ALLOW,
 * FARM_TRUSTED_PROXIES). */
int outbound_parse_nets(const char *list, struct outbound_net *nets, int max,
                        char *why, size_t whylen);

/* 1 when addr (16 bytes, as outbound_literal writes it) is in one of the
 * n nets. */
int outbound_in_nets(const struct outbound_net *nets, int n,
                     const unsigned char addr[16]);

/* Parses allow (CIDRs or single addresses, separated by commas and/or
 * white space; NULL or "" for none) and installs it, with private_webhooks
 * (1: webhooks may go to private ranges), as the process's policy. 0, or
 * -1 with why set (the policy is then unchanged). */
int outbound_configure(const char *allow, int private_webhooks, char *why,
                       size_t whylen);

/* 1 when host is a literal IPv4 or IPv6 address in any spelling that
 * getaddrinfo or libcurl accepts (see above; brackets and a %zone are
 * dropped), with the address written to addr as 16 bytes (IPv4 as
 * ::ffff:a.b.c.d); 0 when host is a name. */
int outbound_literal(const char *host, unsigned char addr[16]);

/* Why the policy refuses addr for use, as a noun phrase ("a loopback
 * address"), or NULL when it is allowed. Static strings. */
const char *outbound_refusal(enum outbound_use use,
                             const unsigned char addr[16]);

/* Saved-time check of a host name or address: NULL when it is allowed or
 * a name (judged at connect time), else outbound_refusal's phrase. */
const char *outbound_check_host(enum outbound_use use, const char *host);

/* Saved-time check of a webhook URL: NULL when its host is allowed or a
 * name, else outbound_refusal's phrase. A URL libcurl cannot parse sets
 * *unparsable to 1 and returns "not a URL". */
const char *outbound_check_url(const char *url, int *unparsable);

/* Connect-time check of the address a socket is about to connect to:
 * NULL when allowed, else outbound_refusal's phrase (any family but
 * AF_INET and AF_INET6: "not an IP address"). */
const char *outbound_check_sockaddr(enum outbound_use use,
                                    const struct sockaddr *sa);

/* The numeric form of an AF_INET/AF_INET6 address into out (at least 46
 * bytes; "?" for other families), for log lines. */
void outbound_sockaddr_text(const struct sockaddr *sa, char *out,
                            size_t outlen);

/* Resolves host (a name or a literal) and writes the first address the
 * policy allows, in numeric form, to out (at least 46 bytes); addresses
 * the policy refuses are skipped and logged. 0, or -1 with *why one of
 * OUTBOUND_REFUSED, "name not found", "bad host". */
int outbound_resolve(enum outbound_use use, const char *host, char *out,
                     size_t outlen, const char **why);

#endif
