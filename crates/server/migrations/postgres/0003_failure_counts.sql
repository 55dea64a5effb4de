-- Twin of migrations/sqlite/0014_failure_counts.sql: abuse limits counted per scope and minute.
CREATE TABLE failure_counts (
    scope   TEXT NOT NULL,
    -- at / 60000: the minute (Unix time) the failures fell in
    minute  BIGINT NOT NULL,
    n       BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (scope, minute)
);
CREATE INDEX failure_counts_last ON failure_counts(last_at);

INSERT INTO failure_counts (scope, minute, n, last_at)
    SELECT scope, at / 60000, COUNT(*), MAX(at) FROM failures GROUP BY scope, at / 60000;
DROP TABLE failures;
