-- Embedded mode (flow 9): a registration started in a frame inside a bank's page.
-- The registration's browser_hash is then the hash of the frame's credential. Its flow is opened
-- top-level through a one-time launch link (launch_hash, valid 2 minutes): until then the flow is
-- bound to no browser ('unlaunched'); the launch binds it to the browser that opened the link, and
-- the bank's authorization URL waits sealed with the vault (it holds the state).
ALTER TABLE auth_flows ADD COLUMN launch_hash TEXT;
ALTER TABLE auth_flows ADD COLUMN launch_key TEXT;
ALTER TABLE auth_flows ADD COLUMN launch_sealed BLOB;
ALTER TABLE auth_flows ADD COLUMN launch_expires_at INTEGER;
-- 'popup' (back to /embed/return with a hand-back code) or 'top' (back to embed_return, a page on
-- one of the bank's embedding origins).
ALTER TABLE auth_flows ADD COLUMN embed_mode TEXT;
ALTER TABLE auth_flows ADD COLUMN embed_return TEXT;
CREATE UNIQUE INDEX auth_flows_launch ON auth_flows(launch_hash) WHERE launch_hash IS NOT NULL;

-- One-time codes the bank's sign-in window hands back to the frame: single use, 60 seconds,
-- usable only with the credential of the frame that started the registration.
CREATE TABLE embed_handbacks (
    code_hash       TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id),
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX embed_handbacks_expires ON embed_handbacks(expires_at);
