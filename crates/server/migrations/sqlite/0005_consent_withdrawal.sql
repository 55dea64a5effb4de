-- Withdrawing a consent is itself a ledger entry that points at the consent it withdraws; the
-- link whose data may no longer be used is marked, never deleted.
ALTER TABLE consents ADD COLUMN withdraws INTEGER REFERENCES consents(id);
ALTER TABLE bank_links ADD COLUMN consent_withdrawn_at INTEGER;
