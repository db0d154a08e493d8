-- Records a source marks confidential (保密件): their text (title, content) reaches admins only.
ALTER TABLE records ADD COLUMN IF NOT EXISTS confidential UInt8 DEFAULT 0;
