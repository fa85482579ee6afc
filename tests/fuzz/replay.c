/*
 * replay — runs a libFuzzer target without libFuzzer: every file named on
 * the command line, and every regular file inside a named directory, is
 * read into an exactly-sized buffer (so ASan sees overreads) and passed to
 * LLVMFuzzerTestOneInput once. Exits 1 when a path cannot be read or no
 * input was found.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    uint8_t *data;
    size_t n;

    if (!fp || fstat(fileno(fp), &st) != 0 || st.st_size < 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (fp)
            fclose(fp);
        return -1;
    }
    /* malloc(0) may return NULL; keep one byte but pass the real size. */
    data = malloc((size_t)st.st_size ? (size_t)st.st_size : 1);
    if (!data)
        abort();
    n = fread(data, 1, (size_t)st.st_size, fp);
    fclose(fp);
    if (n != (size_t)st.st_size) {
        fprintf(stderr, "replay: short read on %s\n", path);
        free(data);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    return 0;
}

static int
run_path(const char *path, int *count)
{
    struct stat st;
    DIR *d;
    struct dirent *ent;
    int rc = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: cannot stat %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    while ((ent = readdir(d)) != NULL) {
        char full[4096];
        struct stat est;
        if (ent->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", path, ent->d_name) >=
            sizeof full)
            continue;
        if (stat(full, &est) != 0 || !S_ISREG(est.st_mode))
            continue;
        (*count)++;
        if (run_file(full))
            rc = -1;
    }
    closedir(d);
    return rc;
}

int
main(int argc, char **argv)
{
    int count = 0, rc = 0;

    for (int i = 1; i < argc; i++)
        if (run_path(argv[i], &count))
            rc = 1;
    if (count == 0) {
        fprintf(stderr, "usage: %s FILE|DIR...  (no inputs found)\n", argv[0]);
        return 1;
    }
    printf("replay: %d inputs ok\n", count);
    return rc;
}
