-- The detection windows that raised an item (their hull; 0 for items raised before this migration).
--
-- Why: when a detector computes a window again (late data, a correction: an emergency transferred
-- after all) and no longer finds an item raised only from inside that window, the item is withdrawn
-- (dismissed with a reason, by the detector) instead of staying open on evidence that is gone.
ALTER TABLE items ADD COLUMN IF NOT EXISTS detect_from DateTime64(3, 'Asia/Shanghai') DEFAULT toDateTime64(0, 3, 'Asia/Shanghai');

ALTER TABLE items ADD COLUMN IF NOT EXISTS detect_to DateTime64(3, 'Asia/Shanghai') DEFAULT toDateTime64(0, 3, 'Asia/Shanghai');
