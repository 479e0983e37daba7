-- A claim and a finish change a handful of columns. In the inbox row they rewrote the whole
-- request, body included, and the WAL took every page they touched (about a fifth of what a
-- processed row wrote). The changing columns move to a narrow table of their own; the inbox
-- keeps the request as it arrived and is never updated again.
CREATE TABLE inbox_state (
  id           INTEGER PRIMARY KEY,
  state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'quarantined')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  lease_owner  TEXT,
  lease_until  INTEGER,
  error        TEXT,
  processed_at INTEGER
);
INSERT INTO inbox_state (id, state, attempts, lease_owner, lease_until, error, processed_at)
  SELECT id, state, attempts, lease_owner, lease_until, error, processed_at FROM inbox;

DROP INDEX inbox_pending;
DROP INDEX inbox_quarantined;
ALTER TABLE inbox DROP COLUMN state;
ALTER TABLE inbox DROP COLUMN attempts;
ALTER TABLE inbox DROP COLUMN lease_owner;
ALTER TABLE inbox DROP COLUMN lease_until;
ALTER TABLE inbox DROP COLUMN error;
ALTER TABLE inbox DROP COLUMN processed_at;

CREATE INDEX inbox_state_pending ON inbox_state (id) WHERE state = 'pending';
CREATE INDEX inbox_state_quarantined ON inbox_state (id) WHERE state = 'quarantined';

-- Every stored request starts pending, whoever inserts it.
CREATE TRIGGER inbox_starts_pending AFTER INSERT ON inbox
BEGIN
  INSERT INTO inbox_state (id) VALUES (NEW.id);
END;

-- The request with its processing state, as the store reads it.
CREATE VIEW inbox_rows AS SELECT * FROM inbox JOIN inbox_state USING (id);
