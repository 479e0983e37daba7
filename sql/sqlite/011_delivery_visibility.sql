-- Failures visible before they are dead letters: GET /v1/deliveries lists pending and dead rows
-- by id (keyset), per subscription or across all, without reading the succeeded history; /v1/stats
-- reads each subscription's pending count and oldest pending row from the same index. Both indexes
-- leave succeeded rows out, so the ingest path pays only for rows still in play.
-- A paused subscription keeps receiving deliveries (they wait as pending) but none is sent until
-- it is resumed; unlike disabling, pausing turns nothing into a dead letter.
ALTER TABLE subscriptions ADD COLUMN paused_at INTEGER;
CREATE INDEX deliveries_unfinished ON deliveries (state, id) WHERE state <> 'succeeded';
CREATE INDEX deliveries_unfinished_by_subscription ON deliveries (subscription_id, state, id)
  WHERE state <> 'succeeded';
