-- dnsplane enactor reports of versions 1 and 2: what one enactor said
-- about itself, in an SQLite file of its own beside the plan store
-- (STORE.enactors/ID.db).  Reports are plain files since version 3
-- (common/reports.h), which no reader can wait on; an enactor converts
-- its file of version 1 or 2 when it starts, and the unit tests make
-- files of version 2 from these steps to check that.  Tagged with PRAGMA
-- application_id 0x64704552 ("dpER") and the schema version in
-- user_version.  Times are unix milliseconds.

-- step 1: heartbeats, applications, retired plans

-- The enactor's newest state: its id, heartbeat, the generation it is
-- applying now (NULL when idle) and the newest one it finished.
CREATE TABLE enactor (
	one          INTEGER PRIMARY KEY CHECK (one = 1),
	id           TEXT NOT NULL,
	heartbeat_at INTEGER NOT NULL,
	in_flight    INTEGER,
	applied      INTEGER,
	applied_at   INTEGER,
	-- What stops it now, in a sentence (NULL when nothing), and since
	-- when: a signature authd refuses, an endpoint authd keeps refusing,
	-- authd or the store out of reach.
	problem      TEXT,
	problem_at   INTEGER
);

-- Every application it reported: a whole plan (endpoint NULL) or one
-- endpoint of it.  The oldest rows are trimmed to the newest 100,000.
CREATE TABLE applied (
	id         INTEGER PRIMARY KEY,
	generation INTEGER NOT NULL,
	endpoint   TEXT,
	applied_at INTEGER NOT NULL
);
CREATE INDEX applied_by_generation ON applied (generation);

-- Plans whose records it deleted from authd (cleanup): the planner, the
-- plan store's writer, deletes them from the store with this record.
CREATE TABLE retired (
	generation INTEGER PRIMARY KEY,
	retired_at INTEGER NOT NULL,
	reason     TEXT NOT NULL
);

-- step 2: a retired plan is known by its generation and when it was written

-- A store restored from an older copy, or recreated, may hold another
-- plan under a number retired before: a retirement names the plan it
-- retired by its created_at too (NULL in rows from before: any plan of
-- that number), and the next retirement of the same number replaces it.
ALTER TABLE retired ADD COLUMN plan_created_at INTEGER;
