-- Passport, taxpayer number and SNILS, sealed with AEAD (see vault.rs); key_id names the key.
ALTER TABLE accounts ADD COLUMN national_ids BLOB;
ALTER TABLE accounts ADD COLUMN key_id TEXT;
