-- Which contents of each record have been seen, and since when: a digest of the fields a record keeps
-- for life (its instant, place, category, kind, text, caller) and of whether it was handed over to the
-- other platform (detectors leave such records out), not of its progress (status otherwise, unit,
-- lifecycle stamps, callback).
--
-- Why: the detect job (jobs/detect-job.ts) recomputes the windows a changed record feeds. Records
-- progress all day long, each step a new version of a known key; treated as changes, every
-- minute's run recomputed every window of the weeks those matters were received in (measured in
-- `npm run eval:detect`: each live run recomputed ten days of windows). No detector raises on a
-- record's progress alone (new lifecycle events are new event keys, and those are read as new data),
-- so only a version with a digest not seen before — a correction — recomputes the windows holding it.
CREATE TABLE IF NOT EXISTS record_digests (
  platform LowCardinality(String),
  source_id String,
  digest UInt64,
  first_ingested SimpleAggregateFunction(min, DateTime64(3, 'Asia/Shanghai'))
)
ENGINE = AggregatingMergeTree
ORDER BY (platform, source_id, digest);

CREATE MATERIALIZED VIEW IF NOT EXISTS record_digests_mv TO record_digests AS
SELECT platform, source_id,
  cityHash64(received_at, channel, county_code, town_code, ifNull(toString(lat), ''), ifNull(toString(lon), ''), source_category,
    category_code, kind, urgency, title, content, caller_key, confidential, is_deleted, status = 'transferred_out') AS digest,
  ingested_at AS first_ingested
FROM records;

INSERT INTO record_digests
SELECT platform, source_id,
  cityHash64(received_at, channel, county_code, town_code, ifNull(toString(lat), ''), ifNull(toString(lon), ''), source_category,
    category_code, kind, urgency, title, content, caller_key, confidential, is_deleted, status = 'transferred_out') AS digest,
  min(ingested_at)
FROM records GROUP BY platform, source_id, digest;
