-- 0007-report-directory: a generation of the directory the resilience
-- report reads.
--
-- Resilience counts every expert's free time over the next eight weeks
-- from their capacity, leave and engagements, and the skills they hold:
-- figures that change only when the directory does, not as entries are
-- approved. server/report-data.c keeps what it computed from them, keyed
-- on this row's value and the day counted from, and computes again when
-- either differs. Every change to a table it reads sets a new random
-- value in the same transaction (a counter could come back to a value a
-- rolled-back change had already shown), so a kept result is only ever
-- reused against the store it was computed from.
CREATE TABLE report_generations (
	name TEXT PRIMARY KEY,
	gen INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO report_generations (name, gen) VALUES ('directory', random());
CREATE TRIGGER report_dir_organisations_ins AFTER INSERT ON organisations BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_organisations_upd AFTER UPDATE ON organisations BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_organisations_del AFTER DELETE ON organisations BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_experts_ins AFTER INSERT ON experts BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_experts_upd AFTER UPDATE ON experts BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_experts_del AFTER DELETE ON experts BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_expert_skills_ins AFTER INSERT ON expert_skills BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_expert_skills_upd AFTER UPDATE ON expert_skills BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_expert_skills_del AFTER DELETE ON expert_skills BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_expert_leave_ins AFTER INSERT ON expert_leave BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_expert_leave_upd AFTER UPDATE ON expert_leave BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_expert_leave_del AFTER DELETE ON expert_leave BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_engagements_ins AFTER INSERT ON engagements BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_engagements_upd AFTER UPDATE ON engagements BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
CREATE TRIGGER report_dir_engagements_del AFTER DELETE ON engagements BEGIN
	UPDATE report_generations SET gen = random() WHERE name = 'directory';
END;
