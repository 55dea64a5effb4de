-- Replies kept for Idempotency-Key replay are sealed with the vault (see idempotency.rs): `body`
-- holds nonce ‖ ciphertext of the whole answer (status, the headers the handler set — Set-Cookie
-- included — and the body) and key_id names the key; content_type is no longer written. Replies
-- kept before this were in clear (new TOTP secrets, backup codes): they are dropped, so a retry of
-- such a request within a day of the upgrade runs again instead of being replayed.
ALTER TABLE idempotency ADD COLUMN key_id TEXT;
DELETE FROM idempotency WHERE status IS NOT NULL;
