-- The first schema: users and auth, printers and their AMS materials,
-- notification preferences, print files, products, orders, the print queue,
-- events and the outbox. Times are integer UTC seconds, money integer cents,
-- booleans 0/1.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,          -- stored lower case
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER                          -- NULL: never
);

CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,                -- 'ip:ADDR' or 'email:ADDR'
    count        INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);

CREATE TABLE printers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    model              TEXT NOT NULL,
    serial             TEXT NOT NULL,
    host               TEXT NOT NULL,
    port               INTEGER NOT NULL DEFAULT 8883,
    ftp_port           INTEGER NOT NULL DEFAULT 990,
    access_code_sealed TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'unknown',
    status_detail      TEXT,
    online             INTEGER NOT NULL DEFAULT 0,
    progress_percent   INTEGER,
    remaining_minutes  INTEGER,
    current_print_id   INTEGER,
    nozzle_temp        INTEGER,
    bed_temp           INTEGER,
    last_seen_at       INTEGER,
    state_json         TEXT,                      -- last merged report
    cert_fingerprint   TEXT,                      -- pinned on first contact
    queue_version      INTEGER NOT NULL DEFAULT 0, -- bumped by the triggers below
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (user_id, serial)
);

CREATE TABLE materials (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    printer_id        INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
    slot              INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 7),
    material_type     TEXT NOT NULL,
    color             TEXT,                       -- #RRGGBB upper case
    weight_grams      INTEGER NOT NULL DEFAULT 1000,
    remaining_percent INTEGER,                    -- NULL: unknown
    vendor            TEXT,
    cost_per_kg       INTEGER,                    -- cents
    source            TEXT NOT NULL DEFAULT 'manual',
    synced_at         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (printer_id, slot)
);

CREATE TABLE notification_settings (
    printer_id            INTEGER PRIMARY KEY REFERENCES printers(id) ON DELETE CASCADE,
    on_print_start        INTEGER NOT NULL DEFAULT 0,
    on_print_complete     INTEGER NOT NULL DEFAULT 1,
    on_print_failed       INTEGER NOT NULL DEFAULT 1,
    on_maintenance        INTEGER NOT NULL DEFAULT 0,
    on_material_change    INTEGER NOT NULL DEFAULT 0,
    email_enabled         INTEGER NOT NULL DEFAULT 0,
    email_address         TEXT,
    webhook_url           TEXT,
    webhook_secret_sealed TEXT,
    updated_at            INTEGER NOT NULL
);

CREATE TABLE print_files (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    size              INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    plates            INTEGER,
    estimated_minutes INTEGER,
    grams             INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE products (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    sku               TEXT,
    etsy_listing_id   INTEGER,
    file              TEXT NOT NULL,
    plate             INTEGER NOT NULL DEFAULT 1,
    estimated_minutes INTEGER NOT NULL,
    grams             INTEGER,
    material_type     TEXT,
    color             TEXT,
    nozzle_temp       INTEGER,
    bed_temp          INTEGER,
    speed_level       INTEGER NOT NULL DEFAULT 2,
    material_slot     INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX products_user_sku ON products(user_id, sku);
CREATE INDEX products_user_listing ON products(user_id, etsy_listing_id);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source      TEXT NOT NULL DEFAULT 'manual',
    external_id TEXT,
    buyer       TEXT,
    status      TEXT NOT NULL DEFAULT 'open',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (user_id, source, external_id)
);

CREATE TABLE order_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    sku             TEXT,
    etsy_listing_id INTEGER,
    quantity        INTEGER NOT NULL,
    product_id      INTEGER REFERENCES products(id) ON DELETE SET NULL
);
CREATE INDEX order_items_order ON order_items(order_id);

CREATE TABLE scheduled_prints (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id              INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    printer_id           INTEGER REFERENCES printers(id) ON DELETE SET NULL,
    name                 TEXT NOT NULL,
    file                 TEXT NOT NULL,
    plate                INTEGER NOT NULL DEFAULT 1,
    status               TEXT NOT NULL,
    priority             INTEGER NOT NULL DEFAULT 0,
    scheduled_at         INTEGER,
    estimated_minutes    INTEGER NOT NULL,
    chain_after_id       INTEGER REFERENCES scheduled_prints(id) ON DELETE SET NULL,
    chain_offset_minutes INTEGER NOT NULL DEFAULT 0,
    order_id             INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    order_item_id        INTEGER REFERENCES order_items(id) ON DELETE SET NULL,
    nozzle_temp          INTEGER,
    bed_temp             INTEGER,
    speed_level          INTEGER NOT NULL DEFAULT 2,
    material_slot        INTEGER,
    material_type        TEXT,                    -- wanted, for unassigned prints
    color                TEXT,
    grams                INTEGER,
    material_cost        INTEGER,                 -- cents, recorded at the end
    started_at           INTEGER,
    completed_at         INTEGER,
    failure_reason       TEXT,
    progress_percent     INTEGER,
    dispatch_token       TEXT,
    dispatch_attempts    INTEGER NOT NULL DEFAULT 0,
    last_dispatch_error  TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX sp_printer_status ON scheduled_prints(printer_id, status);
CREATE INDEX sp_user ON scheduled_prints(user_id, id);
CREATE INDEX sp_chain ON scheduled_prints(chain_after_id);
CREATE INDEX sp_order ON scheduled_prints(order_id);
-- A printer's queue in queue order, so GET .../queue reads it without a
-- sort. The ORDER BY in lib/job.c must repeat these expressions exactly.
CREATE INDEX sp_queue ON scheduled_prints(
    printer_id, (CASE WHEN status = 'started' THEN 0 ELSE 1 END),
    priority DESC, COALESCE(scheduled_at, created_at), id)
    WHERE status IN ('started', 'queued', 'scheduled');

-- Every change to a printer's prints or materials bumps its queue_version,
-- so a worker can keep a rendered queue until the version moves on.
CREATE TRIGGER sp_queue_insert AFTER INSERT ON scheduled_prints BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = NEW.printer_id;
END;
CREATE TRIGGER sp_queue_update AFTER UPDATE ON scheduled_prints BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = NEW.printer_id OR id = OLD.printer_id;
END;
CREATE TRIGGER sp_queue_delete AFTER DELETE ON scheduled_prints BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = OLD.printer_id;
END;
CREATE TRIGGER material_queue_insert AFTER INSERT ON materials BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = NEW.printer_id;
END;
CREATE TRIGGER material_queue_update AFTER UPDATE ON materials BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = NEW.printer_id OR id = OLD.printer_id;
END;
CREATE TRIGGER material_queue_delete AFTER DELETE ON materials BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = OLD.printer_id;
END;

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    printer_id INTEGER,
    print_id   INTEGER,
    order_id   INTEGER,
    kind       TEXT NOT NULL,
    detail     TEXT,                              -- JSON
    created_at INTEGER NOT NULL
);
CREATE INDEX events_user ON events(user_id, id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    printer_id      INTEGER,
    event_id        INTEGER,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL,                -- 'email' or 'webhook'
    target          TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    expires_at      INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(delivered_at, next_attempt_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
