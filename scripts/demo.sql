-- Demo data beyond what the CLI makes: six experts and their skills.
BEGIN;
INSERT INTO experts (org_id, person_id, name, grade, weekly_capacity_minutes)
SELECT o.id, (SELECT id FROM people WHERE name = e.name), e.name, e.grade,
    e.cap FROM organisations o JOIN (
	SELECT 'NRC' AS code, 'Priya Shah' AS name, 'senior' AS grade, 1800 AS cap
	UNION ALL SELECT 'NRC', 'Tom Okafor', 'principal', 1500
	UNION ALL SELECT 'AVD', 'Hannah Price', 'standard', 2220
	UNION ALL SELECT 'BRK', 'Marek Nowak', 'senior', 1200
	UNION ALL SELECT 'CSC', 'Aisha Begum', 'principal', 900
	UNION ALL SELECT 'CSC', 'Gareth Lloyd', 'standard', 2220
) e ON e.code = o.code;
INSERT INTO expert_skills (expert_id, area, speciality, level)
SELECT x.id, s.area, s.spec, s.level FROM experts x JOIN (
	SELECT 'Priya Shah' AS name, 'legal' AS area, 'planning-law' AS spec, 5 AS level
	UNION ALL SELECT 'Priya Shah', 'legal', 'contracts', 4
	UNION ALL SELECT 'Tom Okafor', 'it', 'architecture', 5
	UNION ALL SELECT 'Hannah Price', 'legal', 'property', 3
	UNION ALL SELECT 'Marek Nowak', 'it', 'network-security', 4
	UNION ALL SELECT 'Aisha Begum', 'legal', 'contracts', 5
	UNION ALL SELECT 'Gareth Lloyd', 'it', 'architecture', 3
) s ON s.name = x.name;
COMMIT;
