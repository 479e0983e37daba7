-- The dashboard's message search and timeline. A message is found by its counterpart's phone
-- number (wa_id) or BSUID (user_id): the first one its stored record names (the inbound message or
-- the first status), read from the record's text rather than parsed, so that a record holding any
-- character (a NUL that JSON parsing refuses on PostgreSQL) is still written and indexed. A
-- message's events are read by their ordering key (`msg:<wamid>`) for the timeline of when each
-- update arrived. All three are indexes: no column is added and no record rewritten. The
-- expressions are repeated word for word in src/store/shared/event-rows.ts.
CREATE INDEX messages_counterpart_wa ON messages ((substring(record::text from '"waId":"([^"]*)"')), updated_at);
CREATE INDEX messages_counterpart_user ON messages ((substring(record::text from '"userId":"([^"]*)"')), updated_at);
CREATE INDEX events_ordering_key ON events (ordering_key, seq);
