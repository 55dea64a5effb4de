-- Lookups that scanned a whole table (found with SQLite's full-scan counters over the test suite):
-- an account's consent ledger and its newest consent per bank (every sign-in), whether a consent
-- was withdrawn, and the retention pass's unconfirmed TOTP enrolments.
CREATE INDEX consents_account ON consents(account_id, bank_id);
CREATE INDEX consents_withdraws ON consents(withdraws) WHERE withdraws IS NOT NULL;
CREATE INDEX totp_pending ON totp(created_at) WHERE confirmed_at IS NULL;
