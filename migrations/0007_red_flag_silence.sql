-- A red flag whose condition still holds can be silenced for a while instead of resolved:
-- it stays open (its acknowledgement and history kept) but is not an alert until then.
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS silenced_until TIMESTAMPTZ;
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS silenced_by TEXT;
