-- 0012-audit-anchors.sql: the audit trail's head, sealed from time to time
-- with a key derived from the sealing key, which is kept outside the
-- store: whoever can write the store cannot rewrite the trail up to an
-- anchor without the anchor saying so. Each seal covers the one before.
CREATE TABLE audit_anchors (
	id INTEGER PRIMARY KEY,
	event_id INTEGER NOT NULL,
	head BLOB NOT NULL,
	at TEXT NOT NULL,
	mac BLOB NOT NULL
);
