-- Consultation items (会商事项, analytics/items/): one item per finding fingerprint. Every change (a
-- detector seeing the issue again, a review, a decision…) writes a whole new row with version + 1; the
-- highest version wins (read with FINAL). Not partitioned: every version of an item stays in one part
-- range, so FINAL never needs to merge across partitions.
CREATE TABLE IF NOT EXISTS items (
  id String,
  fingerprint String,
  kind LowCardinality(String),
  title String,
  severity LowCardinality(String),
  status LowCardinality(String),
  county_code LowCardinality(String),
  category_code LowCardinality(String),
  units Array(String),
  first_seen DateTime64(3, 'Asia/Shanghai'),
  last_seen DateTime64(3, 'Asia/Shanghai'),
  raised_at DateTime64(3, 'Asia/Shanghai'),
  escalated_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  evidence String,
  suggested_lead String,
  suggested_assist Array(String),
  status_reason String,
  decision String,
  decided_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  decided_by String,
  routing_version UInt32,
  version UInt64,
  updated_at DateTime64(3, 'Asia/Shanghai'),
  updated_by String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Every change of an item, appended and never updated: who (token or user id and role), when, what.
CREATE TABLE IF NOT EXISTS item_history (
  item_id String,
  version UInt64,
  at DateTime64(3, 'Asia/Shanghai'),
  actor String,
  role LowCardinality(String),
  action LowCardinality(String),
  from_status LowCardinality(String),
  to_status LowCardinality(String),
  reason String,
  detail String
)
ENGINE = MergeTree
ORDER BY (item_id, version, at);

-- The routing list's changes decided in consultation: each decision adds one numbered version for its
-- category (and county; '' city-wide). The current list is the latest version per category × county.
CREATE TABLE IF NOT EXISTS routing_versions (
  version UInt32,
  category_code LowCardinality(String),
  county_code LowCardinality(String),
  lead String,
  assist Array(String),
  norm String,
  start_date Date,
  item_id String,
  at DateTime64(3, 'Asia/Shanghai'),
  actor String
)
ENGINE = MergeTree
ORDER BY version;
