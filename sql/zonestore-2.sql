-- Migration of the zone store from schema version 1 to 2: the journal.
CREATE TABLE journal (
	zone_id     INTEGER NOT NULL REFERENCES zone(id) ON DELETE CASCADE,
	serial      INTEGER NOT NULL,
	prev_serial INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	op          INTEGER NOT NULL,
	owner       TEXT NOT NULL,
	type        INTEGER NOT NULL,
	ttl         INTEGER NOT NULL,
	rdata       BLOB NOT NULL,
	committed_at INTEGER NOT NULL,
	PRIMARY KEY (zone_id, serial, seq)
) WITHOUT ROWID;
