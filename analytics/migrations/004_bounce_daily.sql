-- Written by the bounce job (jobs/): transfers per category per day and how many were sent back
-- to the platform they came from (来回转办). Recomputed per day window; the latest run wins.
CREATE TABLE IF NOT EXISTS bounce_daily (
  day Date,
  category_code LowCardinality(String),
  transfers UInt32,
  bounces UInt32,
  computed_at DateTime64(3, 'Asia/Shanghai')
)
ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (day, category_code);

-- Which job windows are complete, so a restarted scheduler catches up the ones it missed.
CREATE TABLE IF NOT EXISTS job_windows (
  job LowCardinality(String),
  window_start DateTime('Asia/Shanghai'),
  window_end DateTime('Asia/Shanghai'),
  final UInt8,
  rows UInt32,
  completed_at DateTime64(3, 'Asia/Shanghai')
)
ENGINE = ReplacingMergeTree(completed_at)
ORDER BY (job, window_start);
