-- Metric rollups (analytics/metrics/rollup.ts, filled by jobs/rollup-job.ts): per day, the metrics'
-- counts summed by platform × county × street × unit × category × channel, so a year's by-district
-- table or a 14-day overview sums a few thousand rows instead of reading millions FINAL.
--
-- Why change counters: a day's rollup is used only while it still equals raw. Every insert into
-- records or events (new records, new versions, corrections, re-sends, tombstones) passes through
-- these views, which add the rows it wrote to its days' counters. A counter only grows (merges of
-- records do not touch it), so "the counter is what it was when the day was computed" means no row
-- of that day arrived since; the job reads a counter before the data it summarises, and a view's
-- block is written after its source table's, so nothing read at compute time is newer than its
-- counter. Readers compare the counters at query time: a changed day is read raw until recomputed.
-- (Lightweight DELETE and ALTER … UPDATE bypass views; the product never applies them to records or
-- events.)
CREATE TABLE IF NOT EXISTS record_day_changes (
  day Date,
  rows SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS record_day_changes_mv TO record_day_changes AS
SELECT toDate(received_at) AS day, count() AS rows FROM records GROUP BY day;

INSERT INTO record_day_changes SELECT toDate(received_at) AS day, count() AS rows FROM records GROUP BY day;

CREATE TABLE IF NOT EXISTS event_day_changes (
  day Date,
  rows SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS event_day_changes_mv TO event_day_changes AS
SELECT toDate(at) AS day, count() AS rows FROM events GROUP BY day;

INSERT INTO event_day_changes SELECT toDate(at) AS day, count() AS rows FROM events GROUP BY day;

-- One row per computed day of a rollup (fingerprint `fp`: the definitions and settings it was
-- computed under; a new fingerprint is a new set of tables, never mixed with old values). The day's
-- value rows carry the same computed_at; the latest committed computed_at wins, so a crash before the
-- commit leaves the previous computation in view.
--   records: basis = the day's record counter; settled_max = the latest instant any of its rolled-up
--            records could still change with as_of (its limits), so it serves any as_of from then on;
--            min_at/max_at = the earliest and latest received_at of the day's rows (NULL: none);
--            pending = how many of its records were not settled yet (copied as they are instead).
--   events:  basis = the sum of the event counters of every day up to this one (a transfer in on an
--            earlier day makes a later transfer out a bounce); rec_days/rec_basis = the days of the
--            sending records and the sum of their counters (their county, unit, … place the events);
--            rec_global = 1 + the sum of every record counter when a sending record was missing (it
--            may arrive on any day), else 0.
CREATE TABLE IF NOT EXISTS rollup_days (
  fp LowCardinality(String),
  source LowCardinality(String),
  day Date,
  computed_at DateTime64(3, 'Asia/Shanghai'),
  basis UInt64,
  settled_max Nullable(DateTime64(3, 'Asia/Shanghai')),
  pending UInt64,
  min_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  max_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  rec_days Array(Date),
  rec_basis UInt64,
  rec_global UInt64
)
ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (fp, source, day);
