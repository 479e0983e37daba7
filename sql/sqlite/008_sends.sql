-- Sends through POST /v1/messages. A row is written before the Graph API is called, so a crash or
-- a lost answer leaves a trace: state sending → accepted | failed | unknown (the request may have
-- reached Meta; a status webhook whose biz_opaque_callback_data names the row settles it).
-- idempotency_key is unique: a retry with the same key finds the first row instead of sending again.
CREATE TABLE sends (
  id              TEXT    PRIMARY KEY,
  idempotency_key TEXT    UNIQUE,
  request_hash    TEXT    NOT NULL,
  phone_number_id TEXT    NOT NULL,
  input           TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  recipient_kind  TEXT    NOT NULL,
  message_type    TEXT    NOT NULL,
  message         TEXT    NOT NULL,
  metadata        TEXT,
  state           TEXT    NOT NULL,
  wamid           TEXT    UNIQUE,
  wa_id           TEXT,
  user_id         TEXT,
  message_status  TEXT,
  error           TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX sends_state_created ON sends (state, created_at);

-- Business context per wamid: the metadata of a send through wahook, or attached afterwards with
-- PUT /v1/messages/{wamid}/metadata for messages sent elsewhere. message_metadata holds each
-- top-level key with its value as text, so GET /v1/messages?metadata.<key>=<value> is one index lookup.
CREATE TABLE message_context (
  wamid      TEXT    PRIMARY KEY,
  send_id    TEXT,
  metadata   TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE message_metadata (
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  wamid TEXT NOT NULL,
  PRIMARY KEY (key, value, wamid)
);
CREATE INDEX message_metadata_wamid ON message_metadata (wamid);
