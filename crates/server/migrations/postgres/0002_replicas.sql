-- Twin of migrations/sqlite/0013_replicas.sql: an outbox message is claimed by one delivery
-- worker for a while, so it is sent once; a worker that must run in one replica at a time
-- (retention) holds a lease.
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;

CREATE TABLE worker_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
