-- When each record and event key was first ingested, kept apart from the data.
--
-- Why: the detect job (jobs/detect-job.ts) tells a new record (late data: every window that reads it
-- is recomputed) from a new version of a known one (a matter progressing: only the windows holding
-- its instants). Looking for an older version in `records` itself fails as soon as a background merge
-- has replaced it, and then one status update recomputed weeks of windows. Here merges keep the
-- minimum, so a key's first ingestion survives every merge; duplicate rows (retried inserts, the
-- backfill below racing the view) change nothing.
CREATE TABLE IF NOT EXISTS record_keys (
  platform LowCardinality(String),
  source_id String,
  first_ingested SimpleAggregateFunction(min, DateTime64(3, 'Asia/Shanghai'))
)
ENGINE = AggregatingMergeTree
ORDER BY (platform, source_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS record_keys_mv TO record_keys AS
SELECT platform, source_id, ingested_at AS first_ingested FROM records;

INSERT INTO record_keys SELECT platform, source_id, min(ingested_at) FROM records GROUP BY platform, source_id;

CREATE TABLE IF NOT EXISTS event_keys (
  platform LowCardinality(String),
  event_id String,
  first_ingested SimpleAggregateFunction(min, DateTime64(3, 'Asia/Shanghai'))
)
ENGINE = AggregatingMergeTree
ORDER BY (platform, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS event_keys_mv TO event_keys AS
SELECT platform, event_id, ingested_at AS first_ingested FROM events;

INSERT INTO event_keys SELECT platform, event_id, min(ingested_at) FROM events GROUP BY platform, event_id;
