-- tests/broker/store.sql: the marketplace at national scale for bench/broker
-- and tests/integration/broker-exact.test: 200 organisations, 5,000 experts,
-- 100,000 past requests (20,000 engaged) and the request to rank.
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO organisations (code, name, kind)
    SELECT printf('ORG%03d', i), printf('Council %d', i), 'district' FROM n;
INSERT INTO agreements (ruleset, valid_from) VALUES ('standard', '2020-01-01');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO people (org_id, login, name, roles)
    SELECT (i - 1) % 200 + 1, printf('person%d', i), printf('Person %d', i),
    CASE WHEN i <= 3 THEN 8 ELSE 1 END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO experts (org_id, name, grade, weekly_capacity_minutes)
    SELECT (i * 7) % 200 + 1, printf('Expert %d', i),
    CASE i % 4 WHEN 0 THEN 'junior' WHEN 1 THEN 'standard' WHEN 2 THEN 'senior'
    ELSE 'principal' END, 1200 + (i % 10) * 120 FROM n;
INSERT INTO expert_skills (expert_id, area, speciality, level)
    SELECT id, CASE id % 6 WHEN 0 THEN 'legal' WHEN 1 THEN 'it' WHEN 2 THEN
    'procurement' WHEN 3 THEN 'hr' WHEN 4 THEN 'finance' ELSE 'planning' END,
    CASE id % 3 WHEN 0 THEN 'contracts' WHEN 1 THEN 'property' ELSE
    'planning-law' END, id % 5 + 1 FROM experts;
INSERT INTO expert_skills (expert_id, area, speciality, level)
    SELECT id, 'legal', 'contracts', 2 FROM experts WHERE id % 6 = 3;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO requests (consumer_id, requester_id, area, speciality, title,
    urgency, wanted_start, wanted_end, estimated_minutes, state, submitted_at)
    SELECT (i - 1) % 200 + 1, (i - 1) % 600 + 1, 'legal', 'contracts',
    printf('Past request %d', i), 'routine', date('2026-01-05', printf('+%d days', i % 330)),
    date('2026-01-05', printf('+%d days', i % 330 + 20)), 600,
    CASE WHEN i <= 20000 THEN 'engaged' ELSE 'closed' END,
    '2026-01-05T09:00:00Z' FROM n;
INSERT INTO offers (request_id, expert_id, provider_id, basis, state)
    SELECT r.id, (r.id * 13) % 5000 + 1, 1, 'hourly', 'accepted' FROM requests r
    WHERE r.id <= 20000;
UPDATE offers SET provider_id = (SELECT org_id FROM experts WHERE id = offers.expert_id);
INSERT INTO engagements (request_id, offer_id, expert_id, provider_id,
    consumer_id, basis, starts, ends, committed_minutes, created_at)
    SELECT r.id, f.id, f.expert_id, f.provider_id, r.consumer_id, 'hourly',
    r.wanted_start, r.wanted_end, 600, '2026-11-01T09:00:00Z' FROM requests r
    JOIN offers f ON f.request_id = r.id;
INSERT INTO requests (consumer_id, requester_id, area, speciality, title,
    urgency, wanted_start, wanted_end, estimated_minutes)
    VALUES (4, 4, 'legal', 'contracts', 'Ranking target', 'soon', '2026-12-07',
    '2026-12-18', 1200);
COMMIT;
ANALYZE;
