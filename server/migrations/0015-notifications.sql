-- 0015-notifications.sql: how each person chooses to be told (by e-mail
-- and on the messages page, or on the messages page only), and for each
-- message whether it goes by e-mail and the page it links to.
ALTER TABLE people ADD COLUMN notify_by TEXT NOT NULL DEFAULT 'email'
    CHECK (notify_by IN ('email', 'messages'));
ALTER TABLE outbox ADD COLUMN by_email INTEGER NOT NULL DEFAULT 1
    CHECK (by_email IN (0, 1));
ALTER TABLE outbox ADD COLUMN link TEXT NOT NULL DEFAULT '';
