-- Retention and erasure (src/retention/). The janitor deletes each data class in small batches,
-- oldest first, so every class needs an index on the time it ages by; deliveries are also found by
-- their event (an event stays while any delivery of it does, and erasure removes them together).
CREATE INDEX inbox_state_finished ON inbox_state (processed_at) WHERE state <> 'pending';
CREATE INDEX events_created ON events (created_at);
CREATE INDEX deliveries_event ON deliveries (event_seq);
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state <> 'pending';
CREATE INDEX rejected_requests_received ON rejected_requests (received_at);

-- A purged or erased event leaves its id here for WAHOOK_DEDUPE_WINDOW, so a Meta retry of a
-- webhook whose rows are gone yields no second event. Ids are hashes: nothing personal is kept.
CREATE TABLE event_tombstones (
  id        TEXT    PRIMARY KEY,
  purged_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX event_tombstones_purged ON event_tombstones (purged_at);

-- An inbox body rewritten by an erasure no longer matches its signature; the time says so.
ALTER TABLE inbox_state ADD COLUMN redacted_at INTEGER;

-- What each erasure removed and when; never whom (see docs/privacy.md).
CREATE TABLE erasures (
  id        INTEGER PRIMARY KEY,
  erased_at INTEGER NOT NULL,
  kind      TEXT    NOT NULL CHECK (kind IN ('wa_id', 'user_id')),
  counts    TEXT    NOT NULL
);
