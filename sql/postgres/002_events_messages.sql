-- ④ The event log: append-only, deterministic ids (dedupe), seq is the feed cursor. Several
-- workers insert at once here, so seq order alone would not be commit order; the adapter makes it
-- so by serializing event-inserting transactions (src/store/postgres/processing.ts explains how).
-- Ids use the "C" collation: byte order, the same order SQLite gives, and cheaper to compare.
CREATE TABLE events (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              TEXT    COLLATE "C" NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  created_at      BIGINT  NOT NULL,
  ordering_key    TEXT    NOT NULL,
  phone_number_id TEXT,
  data            JSONB   NOT NULL
);
CREATE INDEX events_type_seq ON events (type, seq);

-- One record per wamid: the status merge of every distinct update (record is JSON), with the
-- columns the API filters on pulled out.
CREATE TABLE messages (
  id              TEXT    COLLATE "C" PRIMARY KEY,
  direction       TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  phone_number_id TEXT,
  record          JSONB   NOT NULL,
  first_seen_at   BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL
);
CREATE INDEX messages_updated ON messages (updated_at, id);
CREATE INDEX messages_status_updated ON messages (status, updated_at);
