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
DROP TRIGGER material_queue_update ON materials;
CREATE TRIGGER material_queue_update AFTER UPDATE ON materials
FOR EACH ROW WHEN (OLD.printer_id IS DISTINCT FROM NEW.printer_id
  OR OLD.slot IS DISTINCT FROM NEW.slot
  OR OLD.cost_per_kg IS DISTINCT FROM NEW.cost_per_kg)
EXECUTE FUNCTION bump_printer_queue();

-- scheduled_prints: every column the answer shows or selects and orders
-- by; not the dispatcher's bookkeeping (dispatch_token, dispatch_attempts,
-- last_dispatch_error, confirmed_at), which the answer never shows.
DROP TRIGGER sp_queue_update ON scheduled_prints;
CREATE TRIGGER sp_queue_update AFTER UPDATE ON scheduled_prints
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id
  OR OLD.user_id IS DISTINCT FROM NEW.user_id
  OR OLD.printer_id IS DISTINCT FROM NEW.printer_id
  OR OLD.name IS DISTINCT FROM NEW.name
  OR OLD.file IS DISTINCT FROM NEW.file
  OR OLD.plate IS DISTINCT FROM NEW.plate
  OR OLD.status IS DISTINCT FROM NEW.status
  OR OLD.priority IS DISTINCT FROM NEW.priority
  OR OLD.scheduled_at IS DISTINCT FROM NEW.scheduled_at
  OR OLD.estimated_minutes IS DISTINCT FROM NEW.estimated_minutes
  OR OLD.chain_after_id IS DISTINCT FROM NEW.chain_after_id
  OR OLD.chain_offset_minutes IS DISTINCT FROM NEW.chain_offset_minutes
  OR OLD.order_id IS DISTINCT FROM NEW.order_id
  OR OLD.order_item_id IS DISTINCT FROM NEW.order_item_id
  OR OLD.nozzle_temp IS DISTINCT FROM NEW.nozzle_temp
  OR OLD.bed_temp IS DISTINCT FROM NEW.bed_temp
  OR OLD.speed_level IS DISTINCT FROM NEW.speed_level
  OR OLD.material_slot IS DISTINCT FROM NEW.material_slot
  OR OLD.material_type IS DISTINCT FROM NEW.material_type
  OR OLD.color IS DISTINCT FROM NEW.color
  OR OLD.grams IS DISTINCT FROM NEW.grams
  OR OLD.material_cost IS DISTINCT FROM NEW.material_cost
  OR OLD.started_at IS DISTINCT FROM NEW.started_at
  OR OLD.completed_at IS DISTINCT FROM NEW.completed_at
  OR OLD.failure_reason IS DISTINCT FROM NEW.failure_reason
  OR OLD.progress_percent IS DISTINCT FROM NEW.progress_percent
  OR OLD.created_at IS DISTINCT FROM NEW.created_at
  OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
EXECUTE FUNCTION bump_printer_queue();
