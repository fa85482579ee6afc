/*
 * test_printfile — the parts of the file library an HTTP test cannot
 * reach in order: two uploads that each fit the quota but not together
 * (the second commit refused under the write lock, its temporary gone);
 * a full disk at each step of an upload (FARM_DISK_FULL) leaving nothing;
 * the sweep of abandoned upload temporaries by age.
 */
#include "domain/printfile.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/conf.h"
#include "fixture.h"

#include "base/banned.h"

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "files@example.test") <= 0)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    unsetenv("FARM_DISK_FULL");
    fixture_close(*state);
    return 0;
}

/* How many entries of the user's directory start with ".upload-". */
static int
temporaries(struct fixture *f)
{
    char dir[128];
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(dir, sizeof(dir), "%s/files/%lld", f->dir,
             (long long)f->c.user_id);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, ".upload-", 8) == 0;
    closedir(d);
    return n;
}

static struct printfile_upload *
started(struct fixture *f, const char *name, size_t size, char fill)
{
    struct printfile_upload *u = printfile_begin(&f->c, name);
    char *buf = arena_alloc(f->c.arena, size);

    assert_non_null(u);
    memset(buf, fill, size);
    assert_int_equal(printfile_write(u, buf, size), 0);
    return u;
}

static void
test_quota_checked_again_at_commit(void **state)
{
    struct fixture *f = *state;
    struct printfile_upload *a, *b;
    struct printfile got;
    int created = 0;
    int64_t used = 0;

    f->app.conf.file_quota = 1000;
    fixture_next(f);
    a = started(f, "a.3mf", 600, 'a');
    b = started(f, "b.3mf", 600, 'b'); /* each fits alone */
    assert_int_equal(temporaries(f), 2);
    assert_int_equal(printfile_commit(a, &created), 0);
    assert_int_equal(created, 1);
    assert_int_equal(printfile_commit(b, &created), -1);
    assert_int_equal(f->c.err.kind, ERR_QUOTA);
    assert_non_null(strstr(f->c.err.msg, "600 of your 1000 bytes"));
    assert_int_equal(temporaries(f), 0);
    fixture_next(f);
    assert_int_equal(printfile_get(&f->c, "b.3mf", &got), -1);
    assert_int_equal(printfile_usage(&f->c, NULL, &used), 0);
    assert_int_equal(used, 600);
    assert_int_equal(printfile_usage(&f->c, "a.3mf", &used), 0);
    assert_int_equal(used, 0);

    /* a replace counts its new size only; what the quota leaves is known
     * before a byte: printfile_expect */
    fixture_next(f);
    a = printfile_begin(&f->c, "a.3mf");
    assert_non_null(a);
    assert_int_equal(printfile_expect(a, 1001), -1);
    assert_int_equal(f->c.err.kind, ERR_QUOTA);
    assert_int_equal(temporaries(f), 0);
    fixture_next(f);
    a = started(f, "a.3mf", 1000, 'A');
    assert_int_equal(printfile_commit(a, &created), 0);
    assert_int_equal(created, 0);
    fixture_next(f);
    assert_null(printfile_begin(&f->c, "c.3mf")); /* full to the byte */
    assert_int_equal(f->c.err.kind, ERR_QUOTA);
    assert_int_equal(temporaries(f), 0);
}

static void
test_disk_full_at_each_step(void **state)
{
    static const char *const faults[] = {"write:100", "fsync:100:edquot",
                                         "rename:100", NULL};
    struct fixture *f = *state;
    struct printfile_upload *u;
    struct printfile got;
    char buf[300];
    int created;

    memset(buf, 'x', sizeof(buf));
    for (int i = 0; faults[i] != NULL; i++) {
        setenv("FARM_DISK_FULL", faults[i], 1);
        fixture_next(f);
        u = printfile_begin(&f->c, "full.3mf");
        assert_non_null(u);
        assert_int_equal(printfile_write(u, buf, 100), 0); /* not past N */
        if (i == 0) {
            assert_int_equal(printfile_write(u, buf, 1), -1);
        } else {
            assert_int_equal(printfile_write(u, buf, 1), 0);
            assert_int_equal(printfile_commit(u, &created), -1);
        }
        assert_int_equal(f->c.err.kind, ERR_STORAGE_FULL);
        assert_non_null(strstr(f->c.err.msg, i == 1 ? "disk quota is used up"
                                                    : "disk is full"));
        assert_int_equal(temporaries(f), 0);
        fixture_next(f);
        assert_int_equal(printfile_get(&f->c, "full.3mf", &got), -1);
        assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    }
    /* up to N bytes the same steps succeed */
    fixture_next(f);
    u = started(f, "full.3mf", 100, 'y');
    assert_int_equal(printfile_commit(u, &created), 0);
}

static void
test_sweep_by_age(void **state)
{
    struct fixture *f = *state;
    const char *names[] = {".upload-old111", ".upload-new222", "kept.3mf"};
    char dir[128], path[320], other[160];
    FILE *w;

    fixture_next(f);
    assert_non_null(started(f, "live.3mf", 10, 'l')); /* an upload under way */
    snprintf(dir, sizeof(dir), "%s/files/%lld", f->dir,
             (long long)f->c.user_id);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        w = fopen(path, "w");
        assert_non_null(w);
        fclose(w);
    }
    snprintf(other, sizeof(other), "%s/files/not-a-user", f->dir);
    assert_int_equal(mkdir(other, 0700), 0);
    snprintf(path, sizeof(path), "%s/.upload-xyz999", other);
    w = fopen(path, "w");
    assert_non_null(w);
    fclose(w);

    /* now: nothing is an hour old */
    assert_int_equal(printfile_sweep(&f->c, PRINTFILE_STALE_S), 0);
    assert_int_equal(temporaries(f), 3);
    /* two hours on, every temporary of the user directories goes; the
     * library's files and other directories stay */
    f->c.now += 7200;
    assert_int_equal(printfile_sweep(&f->c, PRINTFILE_STALE_S), 3);
    assert_int_equal(temporaries(f), 0);
    snprintf(path, sizeof(path), "%s/kept.3mf", dir);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/.upload-xyz999", other);
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
    rmdir(other);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quota_checked_again_at_commit,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_at_each_step, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sweep_by_age, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
