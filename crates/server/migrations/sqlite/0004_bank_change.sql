-- Bank change: flows can also link a bank to a signed-in account (optionally replacing another).
CREATE TABLE auth_flows_new (
    state_hash      TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL DEFAULT 'register' CHECK (purpose IN ('register', 'signin', 'link')),
    registration_id TEXT REFERENCES registrations(id),
    account_id      TEXT REFERENCES accounts(id),
    replace_bank    TEXT,
    browser_hash    TEXT,
    bank_id         TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER
);
INSERT INTO auth_flows_new (state_hash, purpose, registration_id, browser_hash, bank_id, nonce, pkce_verifier, created_at, expires_at, consumed_at)
    SELECT state_hash, purpose, registration_id, browser_hash, bank_id, nonce, pkce_verifier, created_at, expires_at, consumed_at FROM auth_flows;
DROP TABLE auth_flows;
ALTER TABLE auth_flows_new RENAME TO auth_flows;
