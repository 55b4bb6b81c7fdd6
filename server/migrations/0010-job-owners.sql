-- 0010-job-owners.sql: a background job names the person it runs for, so
-- each person's queued and running jobs can be counted and bounded.
ALTER TABLE jobs ADD COLUMN person_id INTEGER REFERENCES people(id);
CREATE INDEX jobs_person_state ON jobs (person_id, state)
    WHERE person_id IS NOT NULL;
