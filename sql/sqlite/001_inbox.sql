-- ② The inbox: every accepted webhook request, raw bytes first. Rows are never deleted by
-- processing; state moves pending → processed | quarantined (see src/store/ports.ts).
CREATE TABLE inbox (
  id           INTEGER PRIMARY KEY,
  received_at  INTEGER NOT NULL,
  source       TEXT    NOT NULL,
  auth         TEXT    NOT NULL,
  content_type TEXT,
  headers      TEXT    NOT NULL,
  body         BLOB    NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'quarantined')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  lease_owner  TEXT,
  lease_until  INTEGER,
  error        TEXT,
  processed_at INTEGER
);
CREATE INDEX inbox_pending ON inbox (id) WHERE state = 'pending';
CREATE INDEX inbox_quarantined ON inbox (id) WHERE state = 'quarantined';

-- Requests we refused (bad signature, too large, unknown route): bounded, for forensics only.
CREATE TABLE rejected_requests (
  id             INTEGER PRIMARY KEY,
  received_at    INTEGER NOT NULL,
  method         TEXT    NOT NULL,
  path           TEXT    NOT NULL,
  status         INTEGER NOT NULL,
  reason         TEXT    NOT NULL,
  hints          TEXT    NOT NULL,
  headers        TEXT    NOT NULL,
  body_prefix    BLOB    NOT NULL,
  body_bytes     INTEGER NOT NULL,
  remote_address TEXT
);
