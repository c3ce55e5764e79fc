-- dnsplane enactor reports: what one enactor says about itself, in a
-- file of its own beside the plan store (STORE.enactors/ID.db).
--
-- Each enactor is the only writer of its file, so an enactor paused at
-- any instruction (SIGSTOP in the middle of a write included) holds no
-- lock the planner, the other enactors or the operators need: readers of
-- a WAL file never wait for its writer.  The plan store itself is written
-- by the planner and the operator CLI only.  Tagged with PRAGMA
-- application_id 0x64704552 ("dpER") and the schema version in
-- user_version; a list of steps as sql/planstore.sql.  Times are unix
-- milliseconds.

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
