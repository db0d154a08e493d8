-- One row per snapshot of a source record (12345 工单 or 110 警单); the latest version wins.
-- Keyed by the source record, so re-sending a record never doubles it.
CREATE TABLE IF NOT EXISTS records (
  platform LowCardinality(String),
  source_id String,
  version DateTime64(3, 'Asia/Shanghai'),
  ingested_at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3),
  channel LowCardinality(String),
  received_at DateTime64(3, 'Asia/Shanghai'),
  county_code LowCardinality(String),
  town_code LowCardinality(String),
  lat Nullable(Float64),
  lon Nullable(Float64),
  source_category String,
  category_code LowCardinality(String),
  kind LowCardinality(String),
  urgency LowCardinality(String),
  title String,
  content String,
  caller_key String,
  unit_code LowCardinality(String),
  due_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  status LowCardinality(String),
  accepted_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  dispatched_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  signed_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  first_response_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  arrived_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  replied_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  closed_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  callback_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  callback_contacted Nullable(UInt8),
  callback_solved Nullable(UInt8),
  satisfaction_first LowCardinality(Nullable(String)),
  satisfaction_final LowCardinality(Nullable(String))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(received_at)
ORDER BY (platform, source_id)
SETTINGS non_replicated_deduplication_window = 10000;
