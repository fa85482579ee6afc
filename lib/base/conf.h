/*
 * conf — server settings, read once at start from the environment and the
 * optional file $DATA_DIR/farm.conf (KEY=VALUE lines, # comments). The
 * environment wins over the file. A bad value is an error, never a guess.
 */
#ifndef CONF_H
#define CONF_H

#include <stdint.h>

#define FARM_VERSION "0.1.0"

struct err;

/* Email (notify/mail.c sends with these):
 *   FARM_SMTP_URL       smtp://host:587 (STARTTLS) or smtps://host:465;
 *                       unset: email is not configured
 *   FARM_SMTP_USER      login (then STARTTLS is required on smtp://)
 *   FARM_SMTP_PASSWORD  its password
 *   FARM_SMTP_STARTTLS  1: require STARTTLS on smtp:// even without login
 *   FARM_SMTP_CA        CA bundle file for a private mail server's cert
 *   FARM_MAIL_FROM      the From address (default farm@localhost) */
struct mail_conf {
    int configured; /* FARM_SMTP_URL was set */
    int starttls;   /* require STARTTLS on smtp:// */
    char url[512];
    char user[256];
    char password[256];
    char ca[512];
    char from[320];
};

/* Etsy (lib/domain/etsy_shop.c, lib/dispatch/dispatch_etsy.c):
 *   FARM_ETSY_KEYSTRING  the seller's own Etsy app keystring (client_id);
 *                        unset: Etsy is not configured
 *   FARM_ETSY_SECRET     its shared secret (x-api-key is keystring:secret)
 *   FARM_PUBLIC_URL      this install's public base URL; the redirect URI
 *                        is <FARM_PUBLIC_URL>/etsy/callback
 *   FARM_ETSY_API        API base (default https://api.etsy.com)
 *   FARM_ETSY_CONNECT    consent page (https://www.etsy.com/oauth/connect)
 *   FARM_ETSY_POLL       seconds between imports per shop (300; 0: every
 *                        run) */
struct etsy_conf {
    char keystring[128];
    char secret[128];
    char public_url[512];
    char api[512];
    char connect[512];
    int64_t poll;
};

/* Outbound requests (base/outbound.h; conf_load installs the policy):
 *   FARM_OUTBOUND_ALLOW            CIDRs (IPv4 and IPv6, comma or space
 *                                  separated) allowed whatever the rules
 *                                  say, e.g. 127.0.0.0/8 for a printer
 *                                  simulator on this host; default none
 *   FARM_OUTBOUND_PRIVATE_WEBHOOKS 1 (default): webhooks may go to private
 *                                  LAN ranges; 0: they may not (printers
 *                                  always may) */
struct conf {
    char data_dir[512];
    char db_url[600];
    char trusted_proxies[512]; /* CIDRs whose X-Forwarded-For is believed */
    char templates[512];
    char files_dir[600];     /* print-file library root */
    char secret_key[600];    /* path of the sealing key */
    char currency[4];        /* ISO 4217, default USD */
    int64_t body_limit;      /* JSON bodies, bytes (default 1 MiB) */
    int64_t file_limit;      /* print-file uploads, bytes (512 MiB) */
    int64_t file_quota;      /* a user's print files together, bytes
                                (FARM_FILE_QUOTA, 10 GiB; 0: none) */
    int64_t session_seconds; /* login tokens and cookie sessions */
    int64_t login_max_per_email;
    int64_t login_max_per_addr;
    int64_t login_window;    /* seconds */
    int64_t offline_grace;   /* seconds offline before printer_offline */
    int64_t lease_seconds;   /* a dispatcher's printer leases (PostgreSQL) */
    /* FARM_OUTBOX_MAX_PENDING: a user's pending notifications (1000);
     * FARM_NOTIFY_TESTS_PER_MINUTE: test messages per user (5) */
    int64_t outbox_max_pending;
    int64_t notify_tests_per_minute;
    int secure_cookies;      /* Secure + __Host- names (HTTPS sites) */
    char outbound_allow[1024];
    int outbound_private_webhooks;
    struct mail_conf mail;
    struct etsy_conf etsy;
};

/* Fills c from defaults, farm.conf and the environment, and installs the
 * outbound policy it names as the process's (outbound_configure). -1 with
 * e set on a bad value. */
int conf_load(struct conf *c, struct err *e);

#endif
