-- The outbox forwarder asks "is this published item already some other record's?" before it
-- takes an item found in MPIS's table as its own (the identity match of store::outbox::
-- find_in_mpis); this index answers that without scanning every publish record.
CREATE INDEX IF NOT EXISTS idx_publish_records_mpis_item
    ON publish_records (mpis_published_item_id) WHERE mpis_published_item_id IS NOT NULL;
