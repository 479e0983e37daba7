-- ② The inbox: every accepted webhook request, raw bytes first. Rows are never deleted by
-- processing; state moves pending → processed | quarantined (see src/store/ports.ts).
-- Milliseconds and ids are BIGINT (the adapter reads them back as numbers, refusing any value past
-- 2^53); the body is BYTEA so the bytes the signature covered come back exactly.
CREATE TABLE inbox (
  id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at  BIGINT  NOT NULL,
  source       TEXT    NOT NULL,
  auth         TEXT    NOT NULL,
  content_type TEXT,
  headers      JSONB   NOT NULL,
  body         BYTEA   NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'quarantined')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  lease_owner  TEXT,
  lease_until  BIGINT,
  error        TEXT,
  processed_at BIGINT
);
CREATE INDEX inbox_pending ON inbox (id) WHERE state = 'pending';
CREATE INDEX inbox_quarantined ON inbox (id) WHERE state = 'quarantined';

-- Requests we refused (bad signature, too large, unknown route): bounded, for forensics only.
CREATE TABLE rejected_requests (
  id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at    BIGINT  NOT NULL,
  method         TEXT    NOT NULL,
  path           TEXT    NOT NULL,
  status         INTEGER NOT NULL,
  reason         TEXT    NOT NULL,
  hints          JSONB   NOT NULL,
  headers        JSONB   NOT NULL,
  body_prefix    BYTEA   NOT NULL,
  body_bytes     BIGINT  NOT NULL,
  remote_address TEXT
);
