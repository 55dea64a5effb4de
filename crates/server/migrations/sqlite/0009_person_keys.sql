-- Every identifier that recognises a person across banks, as keyed hashes (HMAC(pepper, id)):
-- the taxpayer number (the accounts.person_key every account has had), SNILS and the passport.
-- A citizen without an INN (Gosuslugi asks for it "if present") is recognised by the others;
-- a bank that later sends more identifiers adds them. One key belongs to one account.
CREATE TABLE person_keys (
    key         TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id)
);
CREATE INDEX person_keys_account ON person_keys(account_id);
INSERT INTO person_keys (key, account_id) SELECT person_key, id FROM accounts;
