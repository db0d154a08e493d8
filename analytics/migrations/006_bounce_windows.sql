-- The bounce job replaces a WHOLE day window when it recomputes it, and finds every changed window.
--
-- Why: bounce_daily was ReplacingMergeTree ORDER BY (day, category_code), so a recomputation replaced
-- only the (day, category) rows it wrote again. After a record's category changed, the day held the
-- old and the new category (3 rows for 2 transfers), and a day whose transfers all went away kept
-- its stale rows.
--
-- Now each run writes all rows of the windows it computes into bounce_runs, tagged with the run's
-- time (computed_at), and then commits each window by writing that same time into job_windows. A
-- window shows the rows of its latest committed run only: a crash before the commit leaves the
-- previous run in view, and a run that found no transfers commits an empty window. The job deletes
-- older runs of a window after committing the new one. bounce_daily becomes a view with this rule,
-- so every reader applies it (no FINAL needed). Statements here are idempotent: re-running is safe.
DROP TABLE IF EXISTS bounce_daily;

CREATE TABLE IF NOT EXISTS bounce_runs (
  day Date,
  category_code LowCardinality(String),
  transfers UInt32,
  bounces UInt32,
  computed_at DateTime64(3, 'Asia/Shanghai')
)
ENGINE = MergeTree
ORDER BY (day, computed_at, category_code);

CREATE VIEW IF NOT EXISTS bounce_daily AS
SELECT day, category_code, transfers, bounces, computed_at
FROM bounce_runs
WHERE (day, computed_at) IN (
  SELECT toDate(window_start), max(completed_at) FROM job_windows WHERE job = 'bounce-daily' GROUP BY window_start);

-- Every transfer out that a computed window counted, as it was then (day, sending record, counterpart).
-- When an event changes, the window and the counterpart it had before are found here, even after
-- ClickHouse merged its old version away, so the window it left is recomputed too.
CREATE TABLE IF NOT EXISTS bounce_inputs (
  platform LowCardinality(String),
  event_id String,
  day Date,
  record_id String,
  to_platform LowCardinality(String),
  counterpart_id String,
  computed_at DateTime64(3, 'Asia/Shanghai')
)
ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (platform, event_id);

-- Per job, the start of its last complete run: rows ingested since then (less a settle margin) are
-- the changes the next run looks at. No row yet: the next run recomputes all history.
CREATE TABLE IF NOT EXISTS job_marks (
  job LowCardinality(String),
  mark DateTime64(3, 'Asia/Shanghai')
)
ENGINE = ReplacingMergeTree(mark)
ORDER BY job;
