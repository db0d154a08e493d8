-- Rejected input lines with the reason, kept so an operator can see and fix what a source sent.
-- raw has personal data masked (phone and ID numbers), never in clear.
CREATE TABLE IF NOT EXISTS quarantine (
  quarantined_at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3),
  kind LowCardinality(String),
  request_id String,
  line UInt32,
  source_key String,
  errors String,
  raw String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(quarantined_at)
ORDER BY (quarantined_at, request_id, line)
TTL toDateTime(quarantined_at) + INTERVAL 180 DAY
SETTINGS non_replicated_deduplication_window = 10000;
