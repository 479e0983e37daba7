-- ④ The event log: append-only, deterministic ids (dedupe), seq is the feed cursor. SQLite has one
-- writer, so seq order is commit order and a cursor reader never skips a late commit.
CREATE TABLE events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT    NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  ordering_key    TEXT    NOT NULL,
  phone_number_id TEXT,
  data            TEXT    NOT NULL
);
CREATE INDEX events_type_seq ON events (type, seq);

-- One record per wamid: the status merge of every distinct update (record is JSON), with the
-- columns the API filters on pulled out.
CREATE TABLE messages (
  id              TEXT    PRIMARY KEY,
  direction       TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  phone_number_id TEXT,
  record          TEXT    NOT NULL,
  first_seen_at   INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_updated ON messages (updated_at, id);
CREATE INDEX messages_status_updated ON messages (status, updated_at);
