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

struct conf {
    char data_dir[512];
    char db_url[600];
    char templates[512];
    char files_dir[600];     /* print-file library root */
    char secret_key[600];    /* path of the sealing key */
    char currency[4];        /* ISO 4217, default USD */
    int64_t body_limit;      /* JSON bodies, bytes (default 1 MiB) */
    int64_t file_limit;      /* print-file uploads, bytes (512 MiB) */
    int64_t session_seconds; /* login tokens and cookie sessions */
    int64_t login_max_per_email;
    int64_t login_max_per_addr;
    int64_t login_window;    /* seconds */
    int64_t offline_grace;   /* seconds offline before printer_offline */
};

/* Fills c from defaults, farm.conf and the environment. -1 with e set on a
 * bad value. */
int conf_load(struct conf *c, struct err *e);

#endif
