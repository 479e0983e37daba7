-- The stuck detector's judgement per send (src/send/stuck.ts): the stage a send is stuck at
-- (`sent` or `delivered`) and when that was judged, set and cleared by the scan. GET
-- /v1/messages?stuck=true and the dashboard's stuck filter read them through the partial index,
-- newest judgement first, checking the message's current status so that a send the scan no longer
-- re-reads still leaves the list once its status moves on.
ALTER TABLE sends ADD COLUMN stuck_stage TEXT;
ALTER TABLE sends ADD COLUMN stuck_at BIGINT;
CREATE INDEX sends_stuck ON sends (stuck_at, id) WHERE stuck_stage IS NOT NULL;
