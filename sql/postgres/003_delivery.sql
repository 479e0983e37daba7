-- ⑤ Delivery: subscriptions, the outbox (one delivery row per event × matching subscription,
-- written in the processing transaction), every attempt, and dead letters (deliveries in state
-- 'dead'). The state machine is described in src/deliver/delivery-states.ts. Same tables as
-- sql/sqlite/003_delivery.sql; JSON columns are JSONB, flags BOOLEAN, times and ids BIGINT.

CREATE TABLE subscriptions (
  id               TEXT    COLLATE "C" PRIMARY KEY,
  url              TEXT    NOT NULL,
  -- Array of event types; '*' matches all, 'message.*' a prefix.
  events           JSONB   NOT NULL,
  -- Array of business phone number ids, or NULL for all.
  phone_number_ids JSONB,
  secret           TEXT    NOT NULL,
  headers          JSONB   NOT NULL DEFAULT '{}',
  description      TEXT,
  enabled          BOOLEAN NOT NULL DEFAULT true,
  disabled_reason  TEXT,
  -- 'api' (POST /v1/subscriptions) or 'file' (WAHOOK_SUBSCRIPTIONS_FILE, synced at start).
  source           TEXT    NOT NULL CHECK (source IN ('api', 'file')),
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);

CREATE TABLE deliveries (
  id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id  TEXT    NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  event_seq        BIGINT  NOT NULL REFERENCES events (seq),
  event_id         TEXT    NOT NULL,
  ordering_key     TEXT    NOT NULL,
  -- 1, 2, 3… per (subscription, ordering key), in event order: consumers spot gaps with it.
  sequence         BIGINT  NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'dead')),
  -- 'replay' rows were re-queued from dead letters; the loop gives them a bounded share.
  lane             TEXT    NOT NULL DEFAULT 'live' CHECK (lane IN ('live', 'replay')),
  -- Completed attempts since the row was created or last replayed.
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT  NOT NULL,
  lease_owner      TEXT,
  lease_until      BIGINT,
  last_status      INTEGER,
  last_error       TEXT,
  event_created_at BIGINT  NOT NULL,
  created_at       BIGINT  NOT NULL,
  -- When the row became succeeded or dead.
  finished_at      BIGINT,
  UNIQUE (subscription_id, event_seq)
);
-- The claim scans due pending rows; the ordering check looks for an earlier pending row of the
-- same (subscription, key); dead letters are listed by id and filtered by subscription and time.
CREATE INDEX deliveries_due ON deliveries (lane, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_key_pending ON deliveries (subscription_id, ordering_key, sequence)
  WHERE state = 'pending';
CREATE INDEX deliveries_key_sequence ON deliveries (subscription_id, ordering_key, sequence);
CREATE INDEX deliveries_dead ON deliveries (subscription_id, finished_at) WHERE state = 'dead';

CREATE TABLE delivery_attempts (
  id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id     BIGINT  NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempted_at    BIGINT  NOT NULL,
  -- success, http_error, gone, redirect, timeout, connection_error, circuit_open
  outcome         TEXT    NOT NULL,
  status          INTEGER,
  latency_ms      INTEGER NOT NULL,
  -- At most 1 KiB of the answer, for troubleshooting.
  response_prefix TEXT,
  error           TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
