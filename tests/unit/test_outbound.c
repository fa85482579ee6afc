/*
 * test_outbound — the outbound policy: every spelling of an IPv4 or IPv6
 * literal that getaddrinfo or libcurl accepts is read as the address it
 * means (and a name is not); the refused ranges, IPv6 forms that carry an
 * IPv4 address, private ranges allowed (and refused to webhooks when the
 * operator says so), this host's own addresses; FARM_OUTBOUND_ALLOW lists
 * of IPv4 and IPv6 CIDRs (host bits, prefixes at the edges, bad items that
 * leave the policy unchanged); URLs judged by the host libcurl would
 * connect to; sockaddrs; resolving a name to an allowed address; the
 * settings through conf_load.
 */
#include "base/outbound.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "base/conf.h"
#include "base/err.h"

#include "base/banned.h"

static const char LOOP[] = "a loopback address";

static void
policy(const char *allow, int private_webhooks)
{
    char why[160];

    assert_int_equal(
        outbound_configure(allow, private_webhooks, why, sizeof(why)), 0);
}

/* The 16-byte form of a strict address (IPv4 mapped). */
static void
bytes(const char *s, unsigned char out[16])
{
    struct in_addr v4;

    if (inet_pton(AF_INET6, s, out) == 1)
        return;
    assert_int_equal(inet_pton(AF_INET, s, &v4), 1);
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &v4, 4);
}

static const char *
refusal(enum outbound_use use, const char *addr)
{
    unsigned char a[16];

    bytes(addr, a);
    return outbound_refusal(use, a);
}

static void
test_literal_spellings(void **state)
{
    static const struct {
        const char *host, *means;
    } cases[] = {
        {"127.0.0.1", "127.0.0.1"},
        {"127.1", "127.0.0.1"},
        {"127.0.1", "127.0.0.1"},
        {"2130706433", "127.0.0.1"},
        {"0x7f.0.0.1", "127.0.0.1"},
        {"0177.0.0.1", "127.0.0.1"},
        {"0x7f000001", "127.0.0.1"},
        {"017700000001", "127.0.0.1"},
        {"127.000.000.001", "127.0.0.1"},
        {"127.0.0.1.", "127.0.0.1"},
        {"0", "0.0.0.0"},
        {"169.254.169.254", "169.254.169.254"},
        {"::1", "::1"},
        {"[::1]", "::1"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"[::ffff:127.0.0.1]", "::ffff:127.0.0.1"},
        {"::ffff:7f00:1", "::ffff:127.0.0.1"},
        {"fe80::1%eth0", "fe80::1"},
        {"[fe80::1%eth0]", "fe80::1"},
        {"192.168.1.50", "192.168.1.50"},
    };
    static const char *const names[] = {
        "localhost",          "printer.lan", "1.2.3.4.5",   "",
        "127.0.0.1..",        "x127.0.0.1",  "[localhost]", "::g",
        "hooks.example.test",
    };
    unsigned char got[16], want[16];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bytes(cases[i].means, want);
        assert_int_equal(outbound_literal(cases[i].host, got), 1);
        assert_memory_equal(got, want, 16);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_int_equal(outbound_literal(names[i], got), 0);
    assert_int_equal(outbound_literal(NULL, got), 0);
}

static void
test_ranges(void **state)
{
    static const struct {
        const char *addr, *why;
    } refused[] = {
        {"127.0.0.1", "a loopback address"},
        {"127.255.1.2", "a loopback address"},
        {"::1", "a loopback address"},
        {"0.0.0.0", "an unspecified address"},
        {"0.1.2.3", "an unspecified address"},
        {"::", "an unspecified address"},
        {"169.254.169.254", "a link-local address"},
        {"fe80::1", "a link-local address"},
        {"febf::1", "a link-local address"},
        {"224.0.0.1", "a multicast address"},
        {"239.255.255.250", "a multicast address"},
        {"ff02::1", "a multicast address"},
        {"240.0.0.1", "a reserved address"},
        {"255.255.255.255", "a reserved address"},
        /* IPv6 forms carrying an IPv4 address */
        {"::ffff:127.0.0.1", "a loopback address"},
        {"::ffff:169.254.169.254", "a link-local address"},
        {"::127.0.0.1", "a loopback address"},
        {"::ffff:0:127.0.0.1", "a loopback address"},
        {"64:ff9b::169.254.169.254", "a link-local address"},
    };
    static const char *const allowed[] = {
        "192.168.1.50",    "10.0.0.5",           "172.16.0.1",
        "172.31.255.254",  "100.64.0.1",         "fd12::1",
        "fec0::1",         "198.51.100.7",       "2001:db8::7",
        "172.32.0.1",      "126.255.255.255",    "128.0.0.1",
        "::ffff:10.0.0.5", "64:ff9b::c633:6407",
    };

    (void)state;
    policy(NULL, 1);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        for (int use = OUTBOUND_PRINTER; use <= OUTBOUND_WEBHOOK; use++) {
            const char *why = refusal((enum outbound_use)use, refused[i].addr);

            if (why == NULL)
                fail_msg("%s allowed", refused[i].addr);
            assert_string_equal(why, refused[i].why);
        }
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (refusal(OUTBOUND_PRINTER, allowed[i]) != NULL ||
            refusal(OUTBOUND_WEBHOOK, allowed[i]) != NULL)
            fail_msg("%s refused", allowed[i]);
    }
}

static void
test_private_webhooks_off(void **state)
{
    static const char *const lan[] = {"192.168.1.50", "10.0.0.5",
                                      "172.20.1.1",   "100.100.100.200",
                                      "fd12::1",      "::ffff:192.168.1.50"};

    (void)state;
    policy("", 0);
    for (size_t i = 0; i < sizeof(lan) / sizeof(lan[0]); i++) {
        assert_null(refusal(OUTBOUND_PRINTER, lan[i]));
        assert_string_equal(refusal(OUTBOUND_WEBHOOK, lan[i]),
                            "a private network address");
    }
    assert_null(refusal(OUTBOUND_WEBHOOK, "198.51.100.7"));
    /* an allowed range wins over the private rule */
    policy("10.1.2.0/24", 0);
    assert_null(refusal(OUTBOUND_WEBHOOK, "10.1.2.9"));
    assert_non_null(refusal(OUTBOUND_WEBHOOK, "10.1.3.9"));
    policy(NULL, 1);
}

static void
test_allow_lists(void **state)
{
    char why[160];

    (void)state;
    policy("127.0.0.0/8, ::1/128", 1);
    assert_null(refusal(OUTBOUND_WEBHOOK, "127.0.0.1"));
    assert_null(refusal(OUTBOUND_PRINTER, "127.9.9.9"));
    assert_null(refusal(OUTBOUND_WEBHOOK, "::ffff:127.0.0.1"));
    assert_null(refusal(OUTBOUND_WEBHOOK, "::1"));
    assert_string_equal(refusal(OUTBOUND_WEBHOOK, "169.254.169.254"),
                        "a link-local address");
    assert_string_equal(refusal(OUTBOUND_WEBHOOK, "::2"),
                        "an unspecified address"); /* ::0.0.0.2 */

    /* separators, single addresses, host bits, prefixes at the edges */
    policy(" 169.254.169.254\t10.1.2.3/24,,fd00:abcd::1/32 ", 1);
    assert_null(refusal(OUTBOUND_WEBHOOK, "169.254.169.254"));
    assert_non_null(refusal(OUTBOUND_WEBHOOK, "169.254.169.253"));
    policy("fe80::/10", 1);
    assert_null(refusal(OUTBOUND_PRINTER, "fe80::1"));
    assert_non_null(refusal(OUTBOUND_PRINTER, "169.254.1.1"));
    policy("0.0.0.0/0", 1);
    assert_null(refusal(OUTBOUND_PRINTER, "127.0.0.1"));
    assert_null(refusal(OUTBOUND_PRINTER, "224.0.0.1"));
    assert_non_null(refusal(OUTBOUND_PRINTER, "::1"));
    policy("::/0", 1);
    assert_null(refusal(OUTBOUND_PRINTER, "::1"));
    assert_null(refusal(OUTBOUND_PRINTER, "127.0.0.1"));
    policy("127.0.0.1/32", 1);
    assert_null(refusal(OUTBOUND_PRINTER, "127.0.0.1"));
    assert_non_null(refusal(OUTBOUND_PRINTER, "127.0.0.2"));

    /* a bad list is refused and leaves the policy as it was */
    static const char *const bad[] = {
        "127.0.0.1/33", "::1/129",    "printer.lan",     "127.1/8", "1.2.3.4/",
        "1.2.3.4/x",    "1.2.3.4/-1", "10.0.0.0/8 nope", "/8",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(outbound_configure(bad[i], 1, why, sizeof(why)), -1);
        assert_non_null(strstr(why, "CIDR"));
    }
    {
        char many[2048] = "";
        size_t used = 0;

        for (int i = 0; i <= OUTBOUND_ALLOW_MAX; i++)
            used += (size_t)snprintf(many + used, sizeof(many) - used,
                                     "10.0.%d.0/24,", i);
        assert_int_equal(outbound_configure(many, 1, why, sizeof(why)), -1);
        assert_non_null(strstr(why, "more than"));
    }
    assert_null(refusal(OUTBOUND_PRINTER, "127.0.0.1"));
    assert_non_null(refusal(OUTBOUND_PRINTER, "127.0.0.2"));
    policy(NULL, 1);
}

static void
test_own_addresses(void **state)
{
    struct ifaddrs *list, *i;
    int seen = 0;

    (void)state;
    assert_int_equal(getifaddrs(&list), 0);
    for (i = list; i != NULL; i = i->ifa_next) {
        const char *why;

        if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
                                    i->ifa_addr->sa_family != AF_INET6))
            continue;
        /* every address of ours is loopback, link-local or our own */
        policy(NULL, 1);
        why = outbound_check_sockaddr(OUTBOUND_PRINTER, i->ifa_addr);
        assert_non_null(why);
        seen += strcmp(why, "an address of this server") == 0;
        /* and the operator can allow even these */
        policy("0.0.0.0/0, ::/0", 1);
        assert_null(outbound_check_sockaddr(OUTBOUND_PRINTER, i->ifa_addr));
    }
    freeifaddrs(list);
    print_message("own addresses outside loopback and link-local: %d\n", seen);
    policy(NULL, 1);
}

static void
test_urls(void **state)
{
    static const char *const refused[] = {
        "http://127.0.0.1/hook",
        "http://127.1/",
        "http://2130706433/x",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1:8080/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]:80/",
        "http://%31%32%37.0.0.1/",
        "http://127.0.0.1./",
        "http://a\\@127.0.0.1/", /* libcurl's host is 127.0.0.1 */
        "http://user:pw@127.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "http://0/",
        "http://224.0.0.1/",
        "http://[fe80::1%25eth0]/",
    };
    static const char *const fine[] = {
        "http://localhost:8080/hook", /* a name: judged when connecting */
        "https://hooks.example.test/farm",
        "http://192.168.1.50:8080/hook",
        "http://10.0.0.5/",
        "http://evil.example#@127.0.0.1",
    };
    int bad;

    (void)state;
    policy(NULL, 1);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        const char *why = outbound_check_url(refused[i], &bad);

        if (why == NULL || bad)
            fail_msg("%s not refused", refused[i]);
    }
    assert_string_equal(outbound_check_url("http://127.1/", &bad), LOOP);
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        if (outbound_check_url(fine[i], &bad) != NULL || bad)
            fail_msg("%s refused", fine[i]);
    }
    assert_non_null(outbound_check_url("http://u@127.0.0.1@x.example/", &bad));
    assert_int_equal(bad, 1);
    policy("127.0.0.0/8", 1);
    assert_null(outbound_check_url("http://2130706433/x", &bad));
    assert_non_null(outbound_check_url("http://[::1]/", &bad));
    policy(NULL, 0);
    assert_string_equal(outbound_check_url("http://10.0.0.5/", &bad),
                        "a private network address");
    assert_null(outbound_check_host(OUTBOUND_PRINTER, "10.0.0.5"));
    assert_string_equal(outbound_check_host(OUTBOUND_PRINTER, "0x7f.1"), LOOP);
    assert_null(outbound_check_host(OUTBOUND_PRINTER, "localhost"));
    policy(NULL, 1);
}

static void
test_sockaddrs(void **state)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    struct sockaddr_un un;

    (void)state;
    policy(NULL, 1);
    memset(&in4, 0, sizeof(in4));
    in4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &in4.sin_addr);
    assert_string_equal(
        outbound_check_sockaddr(OUTBOUND_WEBHOOK, (struct sockaddr *)&in4),
        LOOP);
    inet_pton(AF_INET, "192.168.1.50", &in4.sin_addr);
    assert_null(
        outbound_check_sockaddr(OUTBOUND_WEBHOOK, (struct sockaddr *)&in4));
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
    assert_string_equal(
        outbound_check_sockaddr(OUTBOUND_PRINTER, (struct sockaddr *)&in6),
        LOOP);
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    assert_string_equal(
        outbound_check_sockaddr(OUTBOUND_PRINTER, (struct sockaddr *)&un),
        "not an IP address");
}

static void
test_resolve(void **state)
{
    char out[64];
    const char *why = NULL;

    (void)state;
    policy(NULL, 1);
    /* localhost comes from /etc/hosts: no query leaves the machine */
    assert_int_equal(
        outbound_resolve(OUTBOUND_PRINTER, "localhost", out, sizeof(out), &why),
        -1);
    assert_string_equal(why, OUTBOUND_REFUSED);
    assert_int_equal(outbound_resolve(OUTBOUND_PRINTER, "2130706433", out,
                                      sizeof(out), &why),
                     -1);
    assert_string_equal(why, OUTBOUND_REFUSED);
    assert_int_equal(
        outbound_resolve(OUTBOUND_PRINTER, "", out, sizeof(out), &why), -1);
    assert_string_equal(why, "bad host");
    assert_int_equal(outbound_resolve(OUTBOUND_PRINTER, "192.168.1.50", out,
                                      sizeof(out), &why),
                     0);
    assert_string_equal(out, "192.168.1.50");
    assert_int_equal(outbound_resolve(OUTBOUND_PRINTER, "0xc0.168.1.50", out,
                                      sizeof(out), &why),
                     0);
    assert_string_equal(out, "192.168.1.50");

    policy("127.0.0.0/8", 1); /* not ::1: localhost goes to 127.0.0.1 */
    assert_int_equal(
        outbound_resolve(OUTBOUND_PRINTER, "localhost", out, sizeof(out), &why),
        0);
    assert_string_equal(out, "127.0.0.1");
    policy("::1/128", 1);
    if (outbound_resolve(OUTBOUND_PRINTER, "localhost", out, sizeof(out),
                         &why) == 0)
        assert_string_equal(out, "::1"); /* where /etc/hosts has ::1 */
    policy(NULL, 1);
}

static void
test_settings(void **state)
{
    struct conf c;
    struct err e = {0};

    (void)state;
    setenv("DATA_DIR", "/nonexistent/farm-outbound-test", 1);
    unsetenv("FARM_OUTBOUND_ALLOW");
    unsetenv("FARM_OUTBOUND_PRIVATE_WEBHOOKS");
    assert_int_equal(conf_load(&c, &e), 0);
    assert_string_equal(c.outbound_allow, "");
    assert_int_equal(c.outbound_private_webhooks, 1);
    assert_non_null(refusal(OUTBOUND_WEBHOOK, "127.0.0.1"));

    setenv("FARM_OUTBOUND_ALLOW", "127.0.0.0/8, ::1/128", 1);
    setenv("FARM_OUTBOUND_PRIVATE_WEBHOOKS", "0", 1);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_int_equal(c.outbound_private_webhooks, 0);
    assert_null(refusal(OUTBOUND_WEBHOOK, "127.0.0.1"));
    assert_non_null(refusal(OUTBOUND_WEBHOOK, "10.0.0.5"));

    setenv("FARM_OUTBOUND_ALLOW", "127.0.0.0/8, localhost", 1);
    assert_int_equal(conf_load(&c, &e), -1);
    assert_non_null(strstr(e.msg, "FARM_OUTBOUND_ALLOW"));
    assert_non_null(strstr(e.msg, "localhost"));
    err_clear(&e);
    setenv("FARM_OUTBOUND_ALLOW", "", 1);
    setenv("FARM_OUTBOUND_PRIVATE_WEBHOOKS", "yes", 1);
    assert_int_equal(conf_load(&c, &e), -1);
    assert_non_null(strstr(e.msg, "FARM_OUTBOUND_PRIVATE_WEBHOOKS"));
    unsetenv("FARM_OUTBOUND_ALLOW");
    unsetenv("FARM_OUTBOUND_PRIVATE_WEBHOOKS");
    unsetenv("DATA_DIR");
    policy(NULL, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_spellings),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_private_webhooks_off),
        cmocka_unit_test(test_allow_lists),
        cmocka_unit_test(test_own_addresses),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_sockaddrs),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_settings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
