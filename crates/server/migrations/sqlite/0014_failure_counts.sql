-- Abuse limits counted per scope and minute instead of a row per failure: a check reads at most
-- 16 rows whatever the traffic (one address behind carrier NAT may start thousands of bank round
-- trips in a window). The window is counted in whole minutes (15 to 16 minutes).
CREATE TABLE failure_counts (
    scope   TEXT NOT NULL,
    -- at / 60000: the minute (Unix time) the failures fell in
    minute  INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (scope, minute)
);
CREATE INDEX failure_counts_last ON failure_counts(last_at);

INSERT INTO failure_counts (scope, minute, n, last_at)
    SELECT scope, at / 60000, COUNT(*), MAX(at) FROM failures GROUP BY scope, at / 60000;
DROP TABLE failures;
