-- What farm-dispatch keeps between runs: when it last asked a printer for a
-- full state, how many runs in a row a connected printer stayed silent, when
-- the firmware last refused our commands (Developer Mode off), the firmware
-- version; the spool id of a printer-synced material; and when the printer
-- first showed a started print as its own job.

ALTER TABLE printers ADD COLUMN last_pushall_at BIGINT;
ALTER TABLE printers ADD COLUMN silent_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE printers ADD COLUMN devmode_refused_at BIGINT;
ALTER TABLE printers ADD COLUMN firmware TEXT;
ALTER TABLE materials ADD COLUMN tray_uuid TEXT;
ALTER TABLE scheduled_prints ADD COLUMN confirmed_at BIGINT;
