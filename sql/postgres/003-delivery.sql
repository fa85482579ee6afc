-- Delivery of the outbox (lib/deliver.c). Every row gets a stable
-- delivery_id ("msg_<hex>", the webhook-id header and the Message-ID of an
-- email) when it is first claimed, and keeps it on every retry. A claim is
-- a lease: claimed_until in the future means a delivery is under way; a
-- crashed deliverer's lease simply runs out and the row is tried again.
-- status: 'pending' (to try, attempts so far in attempts), 'delivered'
-- (the receiver said 2xx / 250), 'failed' (will not be tried again: 410,
-- webhook disabled, printer deleted), 'expired' (out of attempts or time).
-- last_code is the last HTTP status or SMTP reply (NULL: no answer).
--
-- A webhook that answered 410 Gone is disabled on the printer's
-- preferences (webhook_disabled_at + a reason) until its URL is saved
-- again. webhook_format is the user's choice ('standard', 'discord',
-- 'slack') or NULL: chosen from the URL.

ALTER TABLE outbox ADD COLUMN delivery_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN last_code BIGINT;
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
CREATE INDEX outbox_printer ON outbox(printer_id, id);

ALTER TABLE notification_settings ADD COLUMN webhook_format TEXT;
ALTER TABLE notification_settings ADD COLUMN webhook_disabled_at BIGINT;
ALTER TABLE notification_settings ADD COLUMN webhook_disabled_reason TEXT;
