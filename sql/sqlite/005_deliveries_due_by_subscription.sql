-- A claim reads each subscription's due rows on their own (src/store/shared/delivery-rows.ts,
-- scanSize), so a subscription whose window is full is skipped without reading its backlog. Read
-- in one due-ordered scan over all subscriptions, that backlog was read whole on every claim.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (subscription_id, lane, next_attempt_at, id) WHERE state = 'pending';
