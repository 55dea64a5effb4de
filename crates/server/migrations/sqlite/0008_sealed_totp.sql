-- TOTP secrets are sealed like national ids (vault.rs): `secret` holds base64(nonce ‖ ciphertext)
-- and key_id names the key. Rows written before this migration hold hex with key_id NULL; the
-- server seals them when it starts (mfa::seal_legacy_totp).
ALTER TABLE totp ADD COLUMN key_id TEXT;
