-- Lifecycle events of records, including transfers between the platforms (from/to + counterpart id).
CREATE TABLE IF NOT EXISTS events (
  platform LowCardinality(String),
  event_id String,
  record_id String,
  type LowCardinality(String),
  at DateTime64(3, 'Asia/Shanghai'),
  from_platform LowCardinality(String),
  to_platform LowCardinality(String),
  from_unit LowCardinality(String),
  to_unit LowCardinality(String),
  counterpart_id String,
  note String,
  ingested_at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (platform, event_id)
SETTINGS non_replicated_deduplication_window = 10000;
