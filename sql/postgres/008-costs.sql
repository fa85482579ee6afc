-- Full cost of a print (issue 13, item 6). power_watts: the printer's
-- average draw while printing, NULL for its model's default (domain/
-- printer.c). machine_rate: cents per printing hour (depreciation and
-- upkeep). The energy price per kWh is a per-user row of settings, kept by
-- domain/setting.c.
ALTER TABLE printers ADD COLUMN power_watts BIGINT;
ALTER TABLE printers ADD COLUMN machine_rate BIGINT NOT NULL DEFAULT 0;

-- A print's costs are part of its printer's queue answer (cached by
-- queue_version, 005): the power, the rate, the model (its default power)
-- and the user's energy price change them.
CREATE FUNCTION bump_own_queue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE printers SET queue_version = queue_version + 1 WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER printer_cost_queue_update
AFTER UPDATE OF model, power_watts, machine_rate ON printers
FOR EACH ROW WHEN (OLD.model IS DISTINCT FROM NEW.model
  OR OLD.power_watts IS DISTINCT FROM NEW.power_watts
  OR OLD.machine_rate IS DISTINCT FROM NEW.machine_rate)
EXECUTE FUNCTION bump_own_queue();

CREATE FUNCTION bump_user_queues() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE user_id = CAST(substr(NEW.key, 22) AS BIGINT);
    RETURN NULL;
END $$;
CREATE TRIGGER setting_energy_insert AFTER INSERT ON settings
FOR EACH ROW WHEN (NEW.key LIKE 'energy_price_per_kwh:%')
EXECUTE FUNCTION bump_user_queues();
CREATE TRIGGER setting_energy_update AFTER UPDATE ON settings
FOR EACH ROW WHEN (NEW.key LIKE 'energy_price_per_kwh:%'
  AND OLD.value IS DISTINCT FROM NEW.value)
EXECUTE FUNCTION bump_user_queues();
