-- Event data and message records carry what customers wrote, and a WhatsApp message text may hold
-- a NUL character (\u0000). JSONB cannot store one (PostgreSQL text has no NUL), so a batch with
-- such a message failed on every attempt until its row was quarantined. The json type keeps the
-- text as written and accepts the escape; nothing queries inside these two columns, so JSONB's
-- operators and indexes are not missed. (SQLite stores the JSON text as it is already.)
ALTER TABLE events ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE messages ALTER COLUMN record TYPE json USING record::json;
