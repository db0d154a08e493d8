-- What the detect job had already seen of its settle margin: per detector, a signature (row count and
-- a sum of row hashes, as text) of the records and events ingested in the minute before its last
-- run's start, taken just before that run read its changes.
--
-- Why: a run looks again at rows ingested shortly before the previous run started (an insert in
-- flight then may have become visible only after that run's read). Looked at again, they dirtied
-- their windows once more: after an import every window of history was computed twice, and runs in
-- quick succession (the eval's simulated minutes) recomputed weeks of windows each time. When the
-- margin's signature is unchanged, nothing arrived late in it and the next run starts at the mark.
CREATE TABLE IF NOT EXISTS job_settled (
  job LowCardinality(String),
  mark DateTime64(3, 'Asia/Shanghai'),
  sig String
)
ENGINE = ReplacingMergeTree(mark)
ORDER BY job;
