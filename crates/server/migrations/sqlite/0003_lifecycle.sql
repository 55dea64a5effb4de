-- Account lifecycle: sign-in flows, richer sessions, activation challenges, outbox, dev inbox,
-- two-factor, and failure counters for abuse limits.

-- Flows now also serve sign-in (no registration): rebuild with a nullable registration and a purpose.
CREATE TABLE auth_flows_new (
    state_hash      TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL DEFAULT 'register' CHECK (purpose IN ('register', 'signin')),
    registration_id TEXT REFERENCES registrations(id),
    browser_hash    TEXT,
    bank_id         TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER
);
INSERT INTO auth_flows_new (state_hash, registration_id, bank_id, nonce, pkce_verifier, created_at, expires_at, consumed_at)
    SELECT state_hash, registration_id, bank_id, nonce, pkce_verifier, created_at, expires_at, consumed_at FROM auth_flows;
DROP TABLE auth_flows;
ALTER TABLE auth_flows_new RENAME TO auth_flows;

-- auth_at: last full bank authentication; mfa_pending: signed in at the bank, TOTP still to give.
ALTER TABLE sessions ADD COLUMN auth_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN mfa_pending INTEGER NOT NULL DEFAULT 0;

ALTER TABLE accounts ADD COLUMN activated_at INTEGER;

-- One-time activation codes: only an HMAC of the code is kept.
CREATE TABLE challenges (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    channel     TEXT NOT NULL CHECK (channel IN ('phone', 'email')),
    code_hash   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    used_at     INTEGER,
    locked_at   INTEGER
);
CREATE INDEX challenges_account ON challenges(account_id, created_at);

-- Messages to deliver. The text (which holds the code) is erased once delivered.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    account_id  TEXT REFERENCES accounts(id),
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    body        TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX outbox_pending ON outbox(sent_at, id);

-- Sandbox mode only: what the dev sender "delivered", shown on the dev inbox page.
CREATE TABLE dev_inbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE totp (
    account_id   TEXT PRIMARY KEY REFERENCES accounts(id),
    secret       TEXT NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT -1,
    created_at   INTEGER NOT NULL
);

CREATE TABLE backup_codes (
    id         INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    code_hash  TEXT NOT NULL,
    used_at    INTEGER,
    UNIQUE (account_id, code_hash)
);

-- Failed attempts, per account and per client address, for increasing delays.
CREATE TABLE failures (
    id    INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX failures_scope ON failures(scope, at);
