"""The stack's database, from a test: SQLite (DATA_DIR/farm.db) or, when
the suite runs on PostgreSQL (FARM_TEST_PG names the throwaway cluster, see
tests/pg/cluster.sh), the stack's own database there.

Tests write SQL once with `?` placeholders; on PostgreSQL they become %s.
Only the standard library, plus Debian's python3-psycopg2 on PostgreSQL.

    db = Db(url)            url: "sqlite:PATH" or a libpq connection string
    db.query(sql, params)   rows as dicts
    db.tuples(sql, params)  rows as tuples
    db.scalar(sql, params)  column 0 of the first row, or None
    db.execute(sql, params) one statement in its own transaction; rowcount
    with db.transaction() as cur: cur.execute(sql, params) ...
"""

import contextlib
import os
import re
import sqlite3
import uuid

ADMIN_ENV = "FARM_TEST_PG"   # the cluster's maintenance database


def pg_admin():
    """The maintenance connection string when the suite runs on
    PostgreSQL, else None."""
    return os.environ.get(ADMIN_ENV) or None


def _pg():
    import psycopg2   # Debian python3-psycopg2; only on PostgreSQL runs
    return psycopg2


def _with_dbname(conninfo, name):
    """conninfo (key=value form) naming database name instead."""
    if re.search(r"\bdbname=\S+", conninfo):
        return re.sub(r"\bdbname=\S+", f"dbname={name}", conninfo)
    return f"{conninfo} dbname={name}"


def create_database(icu_locale=None):
    """A new empty database on the cluster: its connection string.
    icu_locale ("en-US"): the database sorts text by that language's rules,
    as one created on a typical server does (the test cluster's own
    default is byte order)."""
    name = "farm_" + uuid.uuid4().hex[:12]
    opts = (f" LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}' "
            f"TEMPLATE template0" if icu_locale else "")
    con = _pg().connect(pg_admin())
    try:
        con.autocommit = True
        con.cursor().execute(f"CREATE DATABASE {name}{opts}")
    finally:
        con.close()
    return _with_dbname(pg_admin(), name)


def drop_database(conninfo):
    name = re.search(r"\bdbname=(\S+)", conninfo).group(1)
    con = _pg().connect(pg_admin())
    try:
        con.autocommit = True
        con.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        con.close()


class _Cursor:
    """execute() with `?` placeholders on either backend."""

    def __init__(self, cur, pg):
        self._cur = cur
        self._pg = pg

    def execute(self, sql, params=()):
        if self._pg:
            sql = sql.replace("%", "%%").replace("?", "%s")
        self._cur.execute(sql, tuple(params))
        return self

    def rows(self):
        if self._cur.description is None:
            return []
        names = [d[0] for d in self._cur.description]
        return [dict(zip(names, r)) for r in self._cur.fetchall()]

    @property
    def rowcount(self):
        return self._cur.rowcount


class Db:
    def __init__(self, url):
        self.url = url
        self.pg = not url.startswith("sqlite:")

    def _connect(self):
        if self.pg:
            return _pg().connect(self.url)
        return sqlite3.connect(self.url[len("sqlite:"):], timeout=30)

    @contextlib.contextmanager
    def transaction(self):
        con = self._connect()
        try:
            yield _Cursor(con.cursor(), self.pg)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.close()

    def query(self, sql, params=()):
        with self.transaction() as cur:
            return cur.execute(sql, params).rows()

    def tuples(self, sql, params=()):
        """Rows as tuples, in column order."""
        return [tuple(r.values()) for r in self.query(sql, params)]

    def scalar(self, sql, params=()):
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def execute(self, sql, params=()):
        with self.transaction() as cur:
            return cur.execute(sql, params).rowcount
