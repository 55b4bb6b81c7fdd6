-- 0019-outbox-files.sql: files sent with a message (an invoice's PDF and
-- its UBL), in order, kept with the message they go with.
CREATE TABLE outbox_files (
	id INTEGER PRIMARY KEY,
	outbox_id INTEGER NOT NULL REFERENCES outbox(id),
	position INTEGER NOT NULL CHECK (position > 0),
	name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	content_type TEXT NOT NULL CHECK (length(content_type) BETWEEN 3 AND 100),
	data BLOB NOT NULL,
	UNIQUE (outbox_id, position)
);
