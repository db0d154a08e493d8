-- The keys of every cross-platform transfer that names its counterpart record, by that counterpart.
--
-- Why: "the transfers into these records" (a transfer out bounces when its record had itself arrived
-- by transfer: eventsInWindow in analytics/metrics/definitions.ts, jurisdiction's bounces, the record
-- trace's links) was found by scanning every transfer of all history, because events are sorted by
-- their own key: 65–150 ms a query on 13 M events and growing with every year kept. Here they are
-- sorted by (to_platform, counterpart_id), so the lookup reads only the counterparts asked for.
--
-- Every version of such an event reaches this table (a view sees every inserted block), so it is a
-- superset: readers take the keys found here to `events FINAL` and test the latest version there
-- (a corrected or deleted transfer then counts as it is now). Duplicates (re-sent batches, the
-- backfill racing the view) collapse and change nothing in an IN list.
CREATE TABLE IF NOT EXISTS transfer_keys (
  to_platform LowCardinality(String),
  counterpart_id String,
  platform LowCardinality(String),
  from_platform LowCardinality(String),
  event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (to_platform, counterpart_id, platform, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS transfer_keys_mv TO transfer_keys AS
SELECT to_platform, counterpart_id, platform, from_platform, event_id FROM events WHERE type = 'transfer' AND counterpart_id != '';

INSERT INTO transfer_keys SELECT to_platform, counterpart_id, platform, from_platform, event_id FROM events WHERE type = 'transfer' AND counterpart_id != '';
