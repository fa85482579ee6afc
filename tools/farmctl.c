/*
 * farmctl — the admin command line. Every command honours DATA_DIR (and the
 * other settings of conf.h), prints results on stdout and errors on stderr,
 * and exits non-zero on any error.
 *
 *   farmctl migrate                   (also sweeps abandoned upload
 *                                      temporaries)
 *   farmctl reseal                    (every sealed value sealed for its
 *                                      row again: after restoring old rows)
 *   farmctl user add EMAIL [--admin]  (password on standard input; the
 *                                      first account is always an admin)
 *   farmctl setup-code                 (a new one-time code for /setup,
 *                                      while the farm has no account)
 *   farmctl token add EMAIL [--name NAME]
 *   farmctl db copy --to CONNINFO     (this SQLite install into an empty
 *                                      PostgreSQL database)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/app.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "store/db_copy.h"
#include "base/err.h"
#include "base/log.h"
#include "domain/printfile.h"
#include "domain/reseal.h"
#include "domain/setting.h"
#include "domain/token.h"
#include "domain/user.h"

#include "base/banned.h"

static int
usage(void)
{
    fprintf(stderr,
            "usage: farmctl migrate\n"
            "       farmctl reseal\n"
            "       farmctl user add EMAIL [--admin]   (password on stdin)\n"
            "       farmctl setup-code\n"
            "       farmctl token add EMAIL [--name NAME]\n"
            "       farmctl db copy --to CONNINFO\n"
            "\n"
            "Every command works on the install that DATA_DIR (default var/)\n"
            "and FARM_DATABASE select: SQLite in DATA_DIR/farm.db unless\n"
            "FARM_DATABASE is a PostgreSQL connection string\n"
            "(postgresql://USER@HOST/DB or \"host=... dbname=...\").\n"
            "reseal seals every sealed value for its row again (values\n"
            "restored from an old backup); migrate does it once by itself.\n"
            "db copy copies this SQLite install into an empty PostgreSQL\n"
            "database (migrated first), in one transaction; then set\n"
            "FARM_DATABASE to it and keep DATA_DIR/secret.key.\n");
    return 2;
}

static int
fail(struct ctx *c)
{
    fprintf(stderr, "farmctl: %s\n", c->err.msg);
    for (int i = 0; i < c->err.nfields; i++)
        fprintf(stderr, "  %s: %s\n", c->err.fields[i].name,
                c->err.fields[i].msg);
    return 1;
}

/* Reads the password: the first line of stdin, without its newline. */
static int
read_password(char *pw, size_t n)
{
    size_t len;

    if (fgets(pw, (int)n, stdin) == NULL)
        return -1;
    len = strlen(pw);
    if (len == n - 1 && pw[len - 1] != '\n')
        return -1; /* longer than we accept */
    while (len > 0 && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
        pw[--len] = '\0';
    return 0;
}

static int
cmd_user_add(struct app *a, const char *email, int admin)
{
    struct ctx c;
    char pw[1100];
    int64_t id;

    app_begin(a, &c);
    if (read_password(pw, sizeof(pw)) < 0 || pw[0] == '\0') {
        fprintf(stderr, "farmctl: give the password on standard input\n");
        return 1;
    }
    if (db_begin(c.db) < 0)
        return fail(&c);
    id = user_create(&c, email, pw);
    if (db_end(c.db, id < 0 || (admin && user_make_admin(&c, id) < 0)
                         ? -1
                         : 0) < 0)
        return c.err.msg[0] ? fail(&c) : 1;
    printf("created user %s%s\n", email,
           admin ? " (admin)" : "");
    return 0;
}

/* A new one-time setup code, while no account exists. */
static int
cmd_setup_code(struct app *a)
{
    char code[SETTING_SETUP_CODE_LEN + 1];
    struct ctx c;
    int none, rc;

    app_begin(a, &c);
    if (db_begin(c.db) < 0)
        return fail(&c);
    none = user_none_yet(&c);
    rc = none == 1 ? setting_setup_code_new(&c, code) : -1;
    if (db_end(c.db, rc) < 0) {
        if (none == 0)
            fprintf(stderr, "farmctl: the farm has an account already: "
                            "/setup is closed (add users with farmctl user "
                            "add)\n");
        return none == 0 ? 1 : fail(&c);
    }
    printf("%s\n", code);
    return 0;
}

static int
cmd_token_add(struct app *a, const char *email, const char *name)
{
    struct ctx c;
    int64_t id;
    char *token;

    app_begin(a, &c);
    id = user_find(&c, email);
    if (id < 0)
        return fail(&c);
    if (id == 0) {
        fprintf(stderr, "farmctl: no user with email %s\n", email);
        return 1;
    }
    token = token_issue(&c, id, name, DB_NULL);
    if (token == NULL)
        return fail(&c);
    printf("%s\n", token);
    return 0;
}

static int
cmd_reseal(struct app *a)
{
    struct reseal_stats st = {0};
    struct ctx c;

    app_begin(a, &c);
    if (reseal_run(&c, 1, &st) < 0)
        return fail(&c);
    printf("%lld sealed values sealed for their rows", (long long)st.resealed);
    if (st.unreadable > 0)
        printf("; %lld could not be opened and were left as they were (see "
               "the log above: tampered, or sealed with another key)",
               (long long)st.unreadable);
    printf("\n");
    return 0;
}

static void
report_table(void *arg, const char *table, int64_t rows)
{
    int64_t *total = arg;

    *total += rows;
    printf("%-24s %lld %s ok\n", table, (long long)rows,
           rows == 1 ? "row" : "rows");
}

/* Copies the install's SQLite database into the empty PostgreSQL database
 * `to` (store/db_copy.h). The source must exist: opening a mistyped
 * DATA_DIR would create an empty one and copy nothing. */
static int
cmd_db_copy(const char *to)
{
    struct app a;
    struct conf conf;
    struct err e = {0};
    struct stat st;
    struct db *target;
    const char *path;
    int64_t total = 0;
    int rc;

    if (conf_load(&conf, &e) < 0) {
        fprintf(stderr, "farmctl: configuration: %s\n", e.msg);
        return 1;
    }
    if (db_url_is_postgres(conf.db_url)) {
        fprintf(stderr, "farmctl: this install's database is PostgreSQL "
                        "already (FARM_DATABASE); db copy copies a SQLite "
                        "install\n");
        return 1;
    }
    if (!db_url_is_postgres(to)) {
        fprintf(stderr, "farmctl: --to must name a PostgreSQL database: "
                        "postgresql://USER@HOST/DB or \"host=HOST "
                        "dbname=DB ...\"\n");
        return 1;
    }
    path =
        strncmp(conf.db_url, "sqlite:", 7) == 0 ? conf.db_url + 7 : conf.db_url;
    if (stat(path, &st) < 0) {
        fprintf(stderr,
                "farmctl: no SQLite database at %s (%s); set "
                "DATA_DIR to the install's data directory\n",
                path, strerror(errno));
        return 1;
    }
    /* the source's sealed values are brought to the current form first:
     * they are copied as they are, with their row ids, so they open on the
     * target too */
    if (app_open(&a, APP_MIGRATE) < 0)
        return 1;
    if (reseal_start(&a) < 0) {
        app_close(&a);
        return 1;
    }
    target = db_open(to);
    if (target == NULL) {
        fprintf(stderr, "farmctl: cannot connect to the target database "
                        "(see the error above)\n");
        app_close(&a);
        return 1;
    }
    rc = db_copy(a.db, target, report_table, &total, &e);
    db_close(target);
    app_close(&a);
    if (rc < 0) {
        fprintf(stderr, "farmctl: db copy: %s; nothing was copied\n", e.msg);
        return 1;
    }
    printf("copied %lld rows; now set FARM_DATABASE to the new database, "
           "keep %s, and start the workers and the dispatcher\n",
           (long long)total, conf.secret_key);
    return 0;
}

int
main(int argc, char **argv)
{
    struct app a;
    int rc;

    log_init("farmctl");
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "migrate") == 0 && argc == 2) {
        struct ctx c;

        if (app_open(&a, APP_CREATE | APP_MIGRATE) < 0)
            return 1;
        rc = reseal_start(&a) < 0 ? 1 : 0;
        /* upload temporaries that killed workers left behind */
        app_begin(&a, &c);
        if (rc == 0 && printfile_sweep(&c, PRINTFILE_STALE_S) < 0)
            fprintf(stderr, "farmctl: cannot read %s: %s\n",
                    a.conf.files_dir, strerror(errno));
        app_close(&a);
        return rc;
    }
    if (strcmp(argv[1], "reseal") == 0 && argc == 2) {
        if (app_open(&a, APP_MIGRATE) < 0)
            return 1;
        rc = cmd_reseal(&a);
        app_close(&a);
        return rc;
    }
    if (strcmp(argv[1], "db") == 0) {
        if (argc == 5 && strcmp(argv[2], "copy") == 0 &&
            strcmp(argv[3], "--to") == 0 && argv[4][0] != '\0')
            return cmd_db_copy(argv[4]);
        return usage();
    }
    if (strcmp(argv[1], "setup-code") == 0) {
        if (argc != 2)
            return usage();
        if (app_open(&a, APP_CREATE | APP_MIGRATE) < 0)
            return 1;
        rc = cmd_setup_code(&a);
        app_close(&a);
        return rc;
    }
    if (argc >= 4 && strcmp(argv[2], "add") == 0 &&
        (strcmp(argv[1], "user") == 0 || strcmp(argv[1], "token") == 0)) {
        const char *name = "cli";
        int admin = 0;

        if (strcmp(argv[1], "user") == 0) {
            if (argc == 5 && strcmp(argv[4], "--admin") == 0)
                admin = 1;
            else if (argc != 4)
                return usage();
        }
        if (strcmp(argv[1], "token") == 0) {
            if (argc == 6 && strcmp(argv[4], "--name") == 0 && argv[5][0])
                name = argv[5];
            else if (argc != 4)
                return usage();
        }
        if (app_open(&a, APP_CREATE | APP_MIGRATE) < 0)
            return 1;
        if (reseal_start(&a) < 0)
            rc = 1;
        else if (argv[1][0] == 'u')
            rc = cmd_user_add(&a, argv[3], admin);
        else
            rc = cmd_token_add(&a, argv[3], name);
        app_close(&a);
        return rc;
    }
    return usage();
}
