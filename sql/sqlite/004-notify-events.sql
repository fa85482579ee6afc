-- Events beyond a print's own (lib/dispatch_notify.c, lib/maintenance.c).
--
-- Material low: a printer's preferences carry the threshold (percent of
-- the spool left; 0 turns the event off). A material that reached it is
-- marked with when and for which spool (low_notified_spool: the tray_uuid,
-- else type and colour), so the event fires once per spool; a new spool
-- (another uuid, type or colour) or a refill well above the threshold
-- arms it again.
--
-- Printer offline/online: offline_since is when the printer was first seen
-- offline in a row of offline runs; offline_notified says the offline event
-- went out (after the grace period), so that coming back says "online".
--
-- Maintenance: a printer's interval in print hours (NULL: no reminders);
-- each recorded maintenance is a row; maintenance_notified_at says the
-- "due" event for the current period went out (cleared by a new record or
-- a new interval).

ALTER TABLE notification_settings ADD COLUMN material_low_percent INTEGER NOT NULL DEFAULT 10;
ALTER TABLE materials ADD COLUMN low_notified_at INTEGER;
ALTER TABLE materials ADD COLUMN low_notified_spool TEXT;
ALTER TABLE printers ADD COLUMN offline_since INTEGER;
ALTER TABLE printers ADD COLUMN offline_notified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE printers ADD COLUMN maintenance_interval_hours INTEGER;
ALTER TABLE printers ADD COLUMN maintenance_notified_at INTEGER;

CREATE TABLE maintenance (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    printer_id    INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
    performed_at  INTEGER NOT NULL,
    note          TEXT,
    print_seconds INTEGER NOT NULL,   -- print time counted since the one before
    created_at    INTEGER NOT NULL
);
CREATE INDEX maintenance_printer ON maintenance(printer_id, performed_at);
