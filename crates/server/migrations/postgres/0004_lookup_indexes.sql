-- Twin of migrations/sqlite/0015_lookup_indexes.sql.
CREATE INDEX consents_account ON consents(account_id, bank_id);
CREATE INDEX consents_withdraws ON consents(withdraws) WHERE withdraws IS NOT NULL;
CREATE INDEX totp_pending ON totp(created_at) WHERE confirmed_at IS NULL;
