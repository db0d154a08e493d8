-- Append-only audit trail (analytics/api/access/audit.ts): token creation, use and revocation, refused
-- credentials, reads of the record export and of traces (record text). Nothing in the API writes to
-- it except these actions; nothing updates or deletes rows (old months leave by the TTL).
CREATE TABLE IF NOT EXISTS audit (
  at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3),
  actor String,
  role LowCardinality(String),
  address String,
  action LowCardinality(String),
  target String,
  outcome LowCardinality(String),
  detail String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, action)
TTL toDateTime(at) + INTERVAL 400 DAY;
