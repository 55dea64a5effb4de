-- Idempotency-Key: a POST retried with the same key (and the same body) gets the first answer
-- again instead of being done twice. Scoped to the browser or session that sent it; kept 24 h.
CREATE TABLE idempotency (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER,
    content_type TEXT,
    body         BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_created ON idempotency(created_at);
