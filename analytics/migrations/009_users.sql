-- People who sign in (analytics/api/access/users.ts): password stored only as an Argon2id hash. A
-- change (password, disable) writes a new version of the row; the latest updated_at wins.
CREATE TABLE IF NOT EXISTS users (
  username String,
  role LowCardinality(String),
  regions Array(String),
  password_hash String,
  disabled UInt8,
  created_at DateTime64(3, 'Asia/Shanghai'),
  updated_at DateTime64(3, 'Asia/Shanghai')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY username;
