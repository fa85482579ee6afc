-- Leases (issue 9): on PostgreSQL several farm-dispatch processes share the
-- printers. A lease row says which dispatcher (holder: host:pid:nonce)
-- drives a printer ("printer:<id>") or a farm-wide task ("etsy") until
-- expires_at; "dispatcher:<holder>" rows are the live dispatchers'
-- heartbeats, from which each computes its fair share. domain/lease.c owns
-- the table. On SQLite one dispatcher at a time holds DATA_DIR's lock file
-- and the table stays empty.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX leases_holder ON leases(holder);
