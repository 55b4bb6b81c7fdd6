-- 0022-directory-marks: which organisations, experts and engagements
-- changed, in the order they changed.
--
-- The ranking (server/broker.c) keeps what it reads of the directory and,
-- after a change, reads again only what changed. Every change to an
-- organisation, an expert (their row, skills or leave) or an engagement
-- gives its mark the next number, in the same transaction: the mark is
-- updated in place, or added the first time, so the table holds one row
-- for each thing ever changed. Numbers only grow along committed history
-- (each is one more than the highest, which is only ever moved higher),
-- so a reader that read the directory when the highest was N finds what
-- changed since in the marks numbered after N. The marks are written with
-- UPDATE and INSERT ... WHERE NOT EXISTS, never OR REPLACE, whose conflict
-- handling an outer statement's own would override.
CREATE TABLE directory_marks (
	seq INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('organisation', 'expert',
	    'engagement')),
	ref INTEGER NOT NULL
);
CREATE UNIQUE INDEX directory_marks_ref ON directory_marks(kind, ref);
CREATE TRIGGER directory_mark_organisations_ins AFTER INSERT ON organisations BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'organisation' AND ref = NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'organisation', NEW.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'organisation' AND ref = NEW.id);
END;
CREATE TRIGGER directory_mark_organisations_upd AFTER UPDATE ON organisations BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'organisation' AND ref = OLD.id AND OLD.id != NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'organisation', OLD.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'organisation' AND ref = OLD.id) AND OLD.id != NEW.id;
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'organisation' AND ref = NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'organisation', NEW.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'organisation' AND ref = NEW.id);
END;
CREATE TRIGGER directory_mark_organisations_del AFTER DELETE ON organisations BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'organisation' AND ref = OLD.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'organisation', OLD.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'organisation' AND ref = OLD.id);
END;
CREATE TRIGGER directory_mark_experts_ins AFTER INSERT ON experts BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', NEW.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = NEW.id);
END;
CREATE TRIGGER directory_mark_experts_upd AFTER UPDATE ON experts BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = OLD.id AND OLD.id != NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', OLD.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = OLD.id) AND OLD.id != NEW.id;
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', NEW.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = NEW.id);
END;
CREATE TRIGGER directory_mark_experts_del AFTER DELETE ON experts BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = OLD.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', OLD.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = OLD.id);
END;
CREATE TRIGGER directory_mark_x_skills_ins AFTER INSERT ON expert_skills BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = NEW.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', NEW.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = NEW.expert_id);
END;
CREATE TRIGGER directory_mark_x_skills_upd AFTER UPDATE ON expert_skills BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = OLD.expert_id AND OLD.expert_id != NEW.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', OLD.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = OLD.expert_id) AND OLD.expert_id != NEW.expert_id;
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = NEW.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', NEW.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = NEW.expert_id);
END;
CREATE TRIGGER directory_mark_x_skills_del AFTER DELETE ON expert_skills BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = OLD.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', OLD.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = OLD.expert_id);
END;
CREATE TRIGGER directory_mark_x_leave_ins AFTER INSERT ON expert_leave BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = NEW.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', NEW.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = NEW.expert_id);
END;
CREATE TRIGGER directory_mark_x_leave_upd AFTER UPDATE ON expert_leave BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = OLD.expert_id AND OLD.expert_id != NEW.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', OLD.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = OLD.expert_id) AND OLD.expert_id != NEW.expert_id;
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = NEW.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', NEW.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = NEW.expert_id);
END;
CREATE TRIGGER directory_mark_x_leave_del AFTER DELETE ON expert_leave BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'expert' AND ref = OLD.expert_id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'expert', OLD.expert_id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'expert' AND ref = OLD.expert_id);
END;
CREATE TRIGGER directory_mark_engagements_ins AFTER INSERT ON engagements BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'engagement' AND ref = NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'engagement', NEW.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'engagement' AND ref = NEW.id);
END;
CREATE TRIGGER directory_mark_engagements_upd AFTER UPDATE ON engagements BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'engagement' AND ref = OLD.id AND OLD.id != NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'engagement', OLD.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'engagement' AND ref = OLD.id) AND OLD.id != NEW.id;
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'engagement' AND ref = NEW.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'engagement', NEW.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'engagement' AND ref = NEW.id);
END;
CREATE TRIGGER directory_mark_engagements_del AFTER DELETE ON engagements BEGIN
	UPDATE directory_marks SET seq = (SELECT max(seq) + 1 FROM
	    directory_marks) WHERE kind = 'engagement' AND ref = OLD.id;
	INSERT INTO directory_marks (seq, kind, ref) SELECT (SELECT
	    coalesce(max(seq), 0) + 1 FROM directory_marks), 'engagement', OLD.id
	    WHERE NOT EXISTS (SELECT 1 FROM directory_marks WHERE
	    kind = 'engagement' AND ref = OLD.id);
END;
