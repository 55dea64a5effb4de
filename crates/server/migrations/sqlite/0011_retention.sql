-- Retention (retention.rs, docs/RETENTION.md): a registration that never became an account has its
-- personal data erased after its time (the row stays, blanked, because the consent ledger and the
-- journal point at it), and indexes so the worker's bounded batches find expired rows cheaply.
ALTER TABLE registrations ADD COLUMN erased_at INTEGER;
CREATE INDEX registrations_unclaimed ON registrations(updated_at)
    WHERE account_id IS NULL AND erased_at IS NULL;
CREATE INDEX auth_flows_expires ON auth_flows(expires_at);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
CREATE INDEX sessions_created ON sessions(created_at);
CREATE INDEX failures_at ON failures(at);
CREATE INDEX outbox_created ON outbox(created_at);
CREATE INDEX dev_inbox_created ON dev_inbox(created_at);
CREATE INDEX challenges_expires ON challenges(expires_at);
