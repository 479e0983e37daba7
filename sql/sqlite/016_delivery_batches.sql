-- Batched delivery (docs/consuming-events.md, "Batches"): a subscription with batch_max_events set
-- receives its events as JSON arrays of up to that many, one signed POST each; a partial batch
-- goes out once its oldest due delivery has waited batch_max_wait_ms. NULL: one event per POST.
ALTER TABLE subscriptions ADD COLUMN batch_max_events INTEGER;
ALTER TABLE subscriptions ADD COLUMN batch_max_wait_ms INTEGER;
-- The batch a delivery was sent in: its webhook-id. Written when the batch is claimed, so a retried
-- batch goes out again with the same members and the same id; NULL for deliveries sent singly.
ALTER TABLE deliveries ADD COLUMN batch_id TEXT;
-- A retried batch is sent only when every pending member is in the claim (see delivery-batches.ts).
CREATE INDEX deliveries_batch_pending ON deliveries (batch_id)
  WHERE state = 'pending' AND batch_id IS NOT NULL;
