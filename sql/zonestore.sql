-- dnsplane zone store: the durable copy of authd's zones.
--
-- authd answers queries from in-memory snapshots built from these tables;
-- SQLite is never read on the query path.  The file is tagged with
-- PRAGMA application_id 0x64705a53 ("dpZS") and its schema version in
-- PRAGMA user_version, so that a database of another program or of a
-- newer version is refused instead of reused.
--
-- This file is a list of steps (common/sqlstore.h).  Step N brings a
-- store from version N-1 to version N, in its own transaction with the
-- new user_version; a new store runs them all, an older one the steps it
-- lacks.  A released step is never edited: a change of the schema is a
-- new step at the end.

-- step 1: zones and their records

CREATE TABLE zone (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,  -- apex, lower case, final dot
	serial      INTEGER NOT NULL,      -- SOA serial of the stored zone
	source      TEXT,                  -- zone file last imported
	source_mtime INTEGER,              -- its mtime (ns) at import
	source_size INTEGER,               -- its size at import
	imported_at INTEGER NOT NULL       -- unix time of the last import
);

CREATE TABLE rr (
	zone_id INTEGER NOT NULL REFERENCES zone(id) ON DELETE CASCADE,
	owner   TEXT NOT NULL,             -- presentation format, final dot
	type    INTEGER NOT NULL,          -- RR type number
	ttl     INTEGER NOT NULL,
	rdata   BLOB NOT NULL              -- uncompressed wire rdata
);

CREATE INDEX rr_by_owner ON rr(zone_id, owner COLLATE NOCASE, type);

-- step 2: the journal

-- Every committed change, for IXFR (RFC 1995): the records one commit
-- removed (op 0) and added (op 1), taking the zone from prev_serial to
-- serial.  authd keeps the newest journal-size commits per zone.
CREATE TABLE journal (
	zone_id     INTEGER NOT NULL REFERENCES zone(id) ON DELETE CASCADE,
	serial      INTEGER NOT NULL,      -- SOA serial after the commit
	prev_serial INTEGER NOT NULL,      -- SOA serial before it
	seq         INTEGER NOT NULL,      -- order within the commit
	op          INTEGER NOT NULL,      -- 0: removed, 1: added
	owner       TEXT NOT NULL,
	type        INTEGER NOT NULL,
	ttl         INTEGER NOT NULL,
	rdata       BLOB NOT NULL,
	committed_at INTEGER NOT NULL,
	PRIMARY KEY (zone_id, serial, seq)
) WITHOUT ROWID;
