-- Times are Unix milliseconds (UTC). National ids are never stored in clear: only keyed hashes.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('pending_confirmation', 'active')),
    -- HMAC(pepper, country | tax id): one account per person, whichever bank they come from.
    person_key    TEXT NOT NULL UNIQUE,
    country       TEXT NOT NULL CHECK (country IN ('RU', 'UA')),
    family_name   TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    middle_name   TEXT,
    birthdate     TEXT NOT NULL,
    phone         TEXT NOT NULL,
    email         TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE registrations (
    id              TEXT PRIMARY KEY,
    request_number  INTEGER NOT NULL UNIQUE,
    bank_id         TEXT NOT NULL,
    phone           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('awaiting_bank', 'pending_confirmation', 'rejected', 'failed')),
    reason          TEXT,
    trace_id        TEXT,
    -- SHA-256 of the browser-binding cookie: the callback must come back to the same browser.
    browser_hash    TEXT NOT NULL,
    account_id      TEXT REFERENCES accounts(id),
    consent_version TEXT NOT NULL,
    lang            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX registrations_account ON registrations(account_id);

-- One bank round trip in flight: state (hashed), nonce and PKCE verifier stay on the server.
CREATE TABLE auth_flows (
    state_hash      TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id),
    bank_id         TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER
);

CREATE TABLE bank_links (
    id           INTEGER PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    bank_id      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    linked_at    INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    retired_at   INTEGER,
    UNIQUE (bank_id, subject)
);
CREATE INDEX bank_links_account ON bank_links(account_id);

-- 152-FZ ledger: every transfer of personal data from a bank. Append-only.
CREATE TABLE consents (
    id              INTEGER PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id),
    account_id      TEXT REFERENCES accounts(id),
    bank_id         TEXT NOT NULL,
    fields          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    version         TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    at              INTEGER NOT NULL
);
CREATE TRIGGER consents_append_only_update BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;
CREATE TRIGGER consents_append_only_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;

CREATE TABLE journal (
    id              INTEGER PRIMARY KEY,
    registration_id TEXT REFERENCES registrations(id),
    account_id      TEXT REFERENCES accounts(id),
    at              INTEGER NOT NULL,
    code            TEXT NOT NULL,
    upstream        TEXT,
    trace_id        TEXT
);
CREATE INDEX journal_registration ON journal(registration_id, at);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);
