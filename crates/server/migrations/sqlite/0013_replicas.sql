-- Several portal processes on one database (PostgreSQL replicas; harmless on SQLite):
-- an outbox message is claimed by one delivery worker for a while, so it is sent once;
-- a worker that must run in one process at a time (retention) holds a lease.
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;

CREATE TABLE worker_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
