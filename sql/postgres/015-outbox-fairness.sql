-- Fair delivery (issue 10). The deliverer claims due rows round-robin
-- across users (each user's oldest due row first, then each user's second,
-- ...), ranking each user's pending rows by (next_attempt_at, id): this
-- index holds them in that order. The same index counts a user's pending
-- rows against FARM_OUTBOX_MAX_PENDING when an event queues new ones.
-- events_test finds a user's test events of the last minute, which
-- POST /api/bambu/notifications/<printer>/test is limited by. Both are
-- partial: only pending rows and test events are indexed.
CREATE INDEX outbox_user_pending ON outbox(user_id, next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX events_test ON events(user_id, created_at) WHERE kind = 'test';
