-- Full cost of a print (issue 13, item 6). power_watts: the printer's
-- average draw while printing, NULL for its model's default (domain/
-- printer.c). machine_rate: cents per printing hour (depreciation and
-- upkeep). The energy price per kWh is a per-user row of settings, kept by
-- domain/setting.c.
ALTER TABLE printers ADD COLUMN power_watts INTEGER;
ALTER TABLE printers ADD COLUMN machine_rate INTEGER NOT NULL DEFAULT 0;

-- A print's costs are part of its printer's queue answer (cached by
-- queue_version, 005): the power, the rate, the model (its default power)
-- and the user's energy price change them.
CREATE TRIGGER printer_cost_queue_update
AFTER UPDATE OF model, power_watts, machine_rate ON printers
WHEN OLD.model IS NOT NEW.model
  OR OLD.power_watts IS NOT NEW.power_watts
  OR OLD.machine_rate IS NOT NEW.machine_rate
BEGIN
    UPDATE printers SET queue_version = queue_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER setting_energy_insert AFTER INSERT ON settings
WHEN NEW.key LIKE 'energy_price_per_kwh:%'
BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE user_id = CAST(substr(NEW.key, 22) AS INTEGER);
END;

CREATE TRIGGER setting_energy_update AFTER UPDATE ON settings
WHEN NEW.key LIKE 'energy_price_per_kwh:%' AND OLD.value IS NOT NEW.value
BEGIN
    UPDATE printers SET queue_version = queue_version + 1
     WHERE user_id = CAST(substr(NEW.key, 22) AS INTEGER);
END;
