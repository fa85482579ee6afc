-- queue_version moves only when a printer's queue answer can change
-- (GET /api/bambu/scheduled-prints/<printer>/queue, cached per worker by
-- web/qcache). The dispatcher rewrites materials (synced_at, remaining,
-- tray_uuid, the low-material marks) and its own bookkeeping on started
-- prints on every step; before this, each of those writes threw every
-- worker's cached queue away.
--
-- The columns below are what the queue reads: JOB_COLS, JOB_FROM and the
-- queue's WHERE and ORDER BY in domain/job.c. A column added to that query
-- must be added here (tests/unit/test_migrate.c fails for scheduled_prints
-- columns left out). Inserts and deletes still always bump.

-- materials: the queue joins on printer_id and slot and shows
-- grams * cost_per_kg as a print's material cost; nothing else.
DROP TRIGGER material_queue_update;
CREATE TRIGGER material_queue_update AFTER UPDATE ON materials
WHEN OLD.printer_id IS NOT NEW.printer_id
  OR OLD.slot IS NOT NEW.slot
  OR OLD.cost_per_kg IS NOT NEW.cost_per_kg
BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = NEW.printer_id OR id = OLD.printer_id;
END;

-- scheduled_prints: every column the answer shows or selects and orders
-- by; not the dispatcher's bookkeeping (dispatch_token, dispatch_attempts,
-- last_dispatch_error, confirmed_at), which the answer never shows.
DROP TRIGGER sp_queue_update;
CREATE TRIGGER sp_queue_update AFTER UPDATE ON scheduled_prints
WHEN OLD.id IS NOT NEW.id
  OR OLD.user_id IS NOT NEW.user_id
  OR OLD.printer_id IS NOT NEW.printer_id
  OR OLD.name IS NOT NEW.name
  OR OLD.file IS NOT NEW.file
  OR OLD.plate IS NOT NEW.plate
  OR OLD.status IS NOT NEW.status
  OR OLD.priority IS NOT NEW.priority
  OR OLD.scheduled_at IS NOT NEW.scheduled_at
  OR OLD.estimated_minutes IS NOT NEW.estimated_minutes
  OR OLD.chain_after_id IS NOT NEW.chain_after_id
  OR OLD.chain_offset_minutes IS NOT NEW.chain_offset_minutes
  OR OLD.order_id IS NOT NEW.order_id
  OR OLD.order_item_id IS NOT NEW.order_item_id
  OR OLD.nozzle_temp IS NOT NEW.nozzle_temp
  OR OLD.bed_temp IS NOT NEW.bed_temp
  OR OLD.speed_level IS NOT NEW.speed_level
  OR OLD.material_slot IS NOT NEW.material_slot
  OR OLD.material_type IS NOT NEW.material_type
  OR OLD.color IS NOT NEW.color
  OR OLD.grams IS NOT NEW.grams
  OR OLD.material_cost IS NOT NEW.material_cost
  OR OLD.started_at IS NOT NEW.started_at
  OR OLD.completed_at IS NOT NEW.completed_at
  OR OLD.failure_reason IS NOT NEW.failure_reason
  OR OLD.progress_percent IS NOT NEW.progress_percent
  OR OLD.created_at IS NOT NEW.created_at
  OR OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE id = NEW.printer_id OR id = OLD.printer_id;
END;
