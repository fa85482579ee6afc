#!/bin/sh
# Writes a C file holding the migrations of one backend, in order:
#   embed-sql.sh sqlite sql/sqlite/*.sql > build/gen/migrations_sqlite.c
set -eu
backend=$1
shift
echo '/* Generated from sql/ by tools/embed-sql.sh: do not edit. */'
echo '#include "store/migrate.h"'
echo "const struct migration migrations_${backend}[] = {"
for f in "$@"; do
    name=$(basename "$f" .sql)
    printf '    {"%s",\n' "$name"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/     "/' -e 's/$/\\n"/' "$f"
    echo '    },'
done
echo '    {0, 0}'
echo '};'
