-- 0001-core: organisations, people, experts, plugin migrations, jobs.
CREATE TABLE organisations (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE
	    CHECK (length(code) BETWEEN 2 AND 12 AND code NOT GLOB '*[^A-Z0-9]*'),
	name TEXT NOT NULL CHECK (length(name) > 0),
	kind TEXT NOT NULL CHECK (kind IN
	    ('district', 'county', 'unitary', 'borough', 'centre', 'partner')),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE people (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES organisations(id),
	login TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 2 AND 64),
	name TEXT NOT NULL CHECK (length(name) > 0),
	roles INTEGER NOT NULL DEFAULT 0 CHECK (roles BETWEEN 0 AND 63),
	password_hash TEXT,
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX people_org ON people(org_id);

CREATE TABLE experts (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES organisations(id),
	person_id INTEGER UNIQUE REFERENCES people(id),
	name TEXT NOT NULL CHECK (length(name) > 0),
	grade TEXT NOT NULL CHECK (length(grade) > 0),
	weekly_capacity_minutes INTEGER NOT NULL
	    CHECK (weekly_capacity_minutes BETWEEN 0 AND 10080),
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX experts_org ON experts(org_id);

CREATE TABLE expert_skills (
	expert_id INTEGER NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
	area TEXT NOT NULL CHECK (length(area) > 0),
	speciality TEXT NOT NULL DEFAULT '',
	level INTEGER NOT NULL DEFAULT 3 CHECK (level BETWEEN 1 AND 5),
	PRIMARY KEY (expert_id, area, speciality)
) WITHOUT ROWID;
CREATE INDEX expert_skills_area ON expert_skills(area, speciality);

CREATE TABLE plugin_migrations (
	plugin TEXT NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	PRIMARY KEY (plugin, version)
) WITHOUT ROWID;

CREATE TABLE jobs (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	arg TEXT,
	state TEXT NOT NULL DEFAULT 'queued'
	    CHECK (state IN ('queued', 'running', 'done', 'failed')),
	done INTEGER NOT NULL DEFAULT 0,
	total INTEGER NOT NULL DEFAULT 0,
	message TEXT,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	started_at TEXT,
	finished_at TEXT
);
