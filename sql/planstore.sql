-- dnsplane plan store: the plans the planner writes, what the enactors
-- report, and the operators' switch.
--
-- One SQLite file per region, shared by the planner, every enactor and
-- the operator CLI (WAL, a busy timeout, every write one transaction).
-- The file is tagged with PRAGMA application_id 0x64705053 ("dpPS") and
-- its schema version in PRAGMA user_version; a database of another
-- program or of a newer version is refused, never reused.
--
-- This file is a list of steps (common/sqlstore.h).  Step N brings a
-- store from version N-1 to version N, in its own transaction with the
-- new user_version; a new store runs them all, an older one the steps it
-- lacks.  A released step is never edited: a change of the schema is a
-- new step at the end.
--
-- Times are unix milliseconds.  Endpoint names are lower case with a
-- final dot; addresses are IPv4 or IPv6 text as inet_ntop writes it.

-- step 1: plans

-- The store itself: one row.  The region is bound by the first planner
-- and can never change; last_generation is the counter generations are
-- taken from, so a generation is never used twice, even after its plan
-- was deleted.
CREATE TABLE store (
	id              INTEGER PRIMARY KEY CHECK (id = 1),
	region          TEXT,
	last_generation INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
);
INSERT INTO store (id, created_at) VALUES
	(1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

CREATE TRIGGER store_generation BEFORE UPDATE OF last_generation ON store
WHEN NEW.last_generation <= OLD.last_generation
BEGIN
	SELECT RAISE(ABORT, 'plan generations never go backwards');
END;

CREATE TRIGGER store_region BEFORE UPDATE OF region ON store
WHEN OLD.region IS NOT NULL AND NEW.region IS NOT OLD.region
BEGIN
	SELECT RAISE(ABORT, 'the store belongs to another region');
END;

-- Every endpoint name any plan ever used, with a short id.
CREATE TABLE endpoint (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

-- A plan: generation G and, for each endpoint of the region, its set of
-- addresses with weights.  A plan is written in one transaction, children
-- first: the generation is taken from store.last_generation, then the
-- plan_endpoint rows are inserted, and the plan row comes last and seals
-- the plan.  After that nothing of it changes.
CREATE TABLE plan (
	generation INTEGER PRIMARY KEY,
	created_at INTEGER NOT NULL,
	writer     TEXT NOT NULL,     -- who wrote it: "planner pid 42 on host"
	endpoints  INTEGER NOT NULL,  -- how many plan_endpoint rows
	addresses  INTEGER NOT NULL,  -- how many addresses in all
	reason     TEXT NOT NULL      -- what changed and why
);

-- One endpoint of one plan, with its addresses and weights as a JSON
-- object, address to weight: {"192.0.2.10":100,"2001:db8::10":50}.  One
-- row per endpoint keeps a generation of 100,000 addresses a few thousand
-- rows (written in a few milliseconds) and makes what an enactor reads,
-- one endpoint of one generation, a single row.  {} empties the endpoint
-- (only a planner with fail-open switched off writes that).  The view
-- plan_addr below shows one row per address.
CREATE TABLE plan_endpoint (
	generation  INTEGER NOT NULL
		REFERENCES plan (generation) DEFERRABLE INITIALLY DEFERRED,
	endpoint_id INTEGER NOT NULL REFERENCES endpoint (id),
	addresses   TEXT NOT NULL
		CHECK (json_valid(addresses)
		       AND json_type(addresses) = 'object'),
	PRIMARY KEY (generation, endpoint_id)
) WITHOUT ROWID;

CREATE VIEW plan_addr AS
SELECT pe.generation AS generation, e.name AS endpoint,
       a.key AS address, a.value AS weight
FROM plan_endpoint AS pe
JOIN endpoint AS e ON e.id = pe.endpoint_id,
     json_each(pe.addresses) AS a;

-- Deleted plans (cleanup): inserting a generation here deletes that plan
-- and keeps a record of who deleted it, when and why.  It is the only
-- way a plan row goes away.
CREATE TABLE plan_deleted (
	generation INTEGER PRIMARY KEY,
	deleted_at INTEGER NOT NULL,
	deleted_by TEXT NOT NULL,
	reason     TEXT NOT NULL
);

CREATE TRIGGER plan_assigned BEFORE INSERT ON plan
WHEN NEW.generation IS NOT (SELECT last_generation FROM store)
BEGIN
	SELECT RAISE(ABORT, 'plan generation not taken from the store');
END;

CREATE TRIGGER plan_endpoint_sealed BEFORE INSERT ON plan_endpoint
WHEN NEW.generation IS NOT (SELECT last_generation FROM store)
	OR EXISTS (SELECT 1 FROM plan WHERE generation = NEW.generation)
BEGIN
	SELECT RAISE(ABORT, 'plans are immutable');
END;

CREATE TRIGGER plan_no_update BEFORE UPDATE ON plan
BEGIN
	SELECT RAISE(ABORT, 'plans are immutable');
END;

CREATE TRIGGER plan_endpoint_no_update BEFORE UPDATE ON plan_endpoint
BEGIN
	SELECT RAISE(ABORT, 'plans are immutable');
END;

CREATE TRIGGER endpoint_no_update BEFORE UPDATE ON endpoint
BEGIN
	SELECT RAISE(ABORT, 'endpoint names are immutable');
END;

CREATE TRIGGER endpoint_no_delete BEFORE DELETE ON endpoint
BEGIN
	SELECT RAISE(ABORT, 'endpoint names are immutable');
END;

CREATE TRIGGER plan_no_delete BEFORE DELETE ON plan
WHEN NOT EXISTS (SELECT 1 FROM plan_deleted WHERE generation = OLD.generation)
BEGIN
	SELECT RAISE(ABORT,
		'plans are immutable; delete a plan through plan_deleted');
END;

CREATE TRIGGER plan_endpoint_no_delete BEFORE DELETE ON plan_endpoint
WHEN NOT EXISTS (SELECT 1 FROM plan_deleted WHERE generation = OLD.generation)
BEGIN
	SELECT RAISE(ABORT,
		'plans are immutable; delete a plan through plan_deleted');
END;

CREATE TRIGGER plan_delete_known BEFORE INSERT ON plan_deleted
WHEN NOT EXISTS (SELECT 1 FROM plan WHERE generation = NEW.generation)
BEGIN
	SELECT RAISE(ABORT, 'no such plan');
END;

CREATE TRIGGER plan_delete AFTER INSERT ON plan_deleted
BEGIN
	DELETE FROM plan_endpoint WHERE generation = NEW.generation;
	DELETE FROM plan WHERE generation = NEW.generation;
END;

CREATE TRIGGER plan_deleted_no_update BEFORE UPDATE ON plan_deleted
BEGIN
	SELECT RAISE(ABORT, 'the record of deleted plans is append-only');
END;

CREATE TRIGGER plan_deleted_no_delete BEFORE DELETE ON plan_deleted
BEGIN
	SELECT RAISE(ABORT, 'the record of deleted plans is append-only');
END;

-- step 2: enactor reports and the automation switch

-- The newest state each enactor reported: its heartbeat, the generation
-- it is applying now (NULL when idle) and the newest one it finished.
CREATE TABLE enactor (
	id           TEXT PRIMARY KEY,
	heartbeat_at INTEGER NOT NULL,
	in_flight    INTEGER,
	applied      INTEGER,
	applied_at   INTEGER
);

-- Every application an enactor reported, oldest first: a whole plan
-- (endpoint NULL) or one endpoint of it.  Kept after the plan is deleted.
CREATE TABLE applied (
	id         INTEGER PRIMARY KEY,
	enactor    TEXT NOT NULL,
	generation INTEGER NOT NULL,
	endpoint   TEXT,
	applied_at INTEGER NOT NULL
);
CREATE INDEX applied_by_generation ON applied (generation);

-- The operators' switch: while automation_paused is 1 the planner writes
-- no plan and the enactors apply none (as AWS disabled the DNS Planner
-- and Enactor automation during the incident).
CREATE TABLE control (
	id                INTEGER PRIMARY KEY CHECK (id = 1),
	automation_paused INTEGER NOT NULL DEFAULT 0
		CHECK (automation_paused IN (0, 1)),
	changed_at        INTEGER,
	changed_by        TEXT,
	reason            TEXT
);
INSERT INTO control (id) VALUES (1);

-- step 3: enactor reports move to files of their own

-- What the enactors report lives in one file per enactor
-- (sql/reports.sql), so that no enactor ever holds a lock of this file:
-- one paused inside a write would stop the planner.  What the tables
-- held is history; it goes with them.
DROP TABLE applied;
DROP TABLE enactor;
