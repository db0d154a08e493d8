-- Bearer tokens for systems and screens (roles and region scope: analytics/api/access/). The token
-- itself is never stored: only its SHA-256 (tokens are 32 random bytes, so a plain hash suffices).
-- A revocation writes a new version of the row (revoked_at set); the latest updated_at wins.
CREATE TABLE IF NOT EXISTS access_tokens (
  id String,
  hash String,
  role LowCardinality(String),
  regions Array(String),
  platforms Array(String),
  name String,
  created_at DateTime64(3, 'Asia/Shanghai'),
  expires_at DateTime64(3, 'Asia/Shanghai'),
  revoked_at Nullable(DateTime64(3, 'Asia/Shanghai')),
  updated_at DateTime64(3, 'Asia/Shanghai')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

-- Which caller sent a quarantined line (a token id; '' before access control or for admins), so a
-- source token sees its own rejected lines and nobody else's.
ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS sender String DEFAULT '';
