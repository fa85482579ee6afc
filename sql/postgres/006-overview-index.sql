-- The overview (/) reads a user's prints by status: how many are printing
-- and waiting, how many ended today and with what filament, and the failed
-- ones of the last day. This index answers each as one range of one
-- status of one user. Status leads on purpose: a query that filters on the
-- user alone (the lists, newest first by sp_user) or on a printer (the
-- queue, by sp_queue) has no use for it.
CREATE INDEX sp_status_user ON scheduled_prints(status, user_id, completed_at);
