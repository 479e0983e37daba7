-- A claim and a finish change a handful of columns. In the inbox row they rewrote the whole
-- request (a new row version, body included, for every update); the changing columns move to a
-- narrow table of their own, and the inbox keeps the request as it arrived.
CREATE TABLE inbox_state (
  id           BIGINT  PRIMARY KEY,
  state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'quarantined')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  lease_owner  TEXT,
  lease_until  BIGINT,
  error        TEXT,
  processed_at BIGINT
);
INSERT INTO inbox_state (id, state, attempts, lease_owner, lease_until, error, processed_at)
  SELECT id, state, attempts, lease_owner, lease_until, error, processed_at FROM inbox;

DROP INDEX inbox_pending;
DROP INDEX inbox_quarantined;
ALTER TABLE inbox
  DROP COLUMN state,
  DROP COLUMN attempts,
  DROP COLUMN lease_owner,
  DROP COLUMN lease_until,
  DROP COLUMN error,
  DROP COLUMN processed_at;

CREATE INDEX inbox_state_pending ON inbox_state (id) WHERE state = 'pending';
CREATE INDEX inbox_state_quarantined ON inbox_state (id) WHERE state = 'quarantined';

-- Every stored request starts pending, whoever inserts it: one statement per multi-row append.
CREATE FUNCTION inbox_starts_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO inbox_state (id) SELECT id FROM appended;
  RETURN NULL;
END
$$;
CREATE TRIGGER inbox_starts_pending AFTER INSERT ON inbox
  REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION inbox_starts_pending();

-- The request with its processing state, as the store reads it.
CREATE VIEW inbox_rows AS SELECT * FROM inbox JOIN inbox_state USING (id);
