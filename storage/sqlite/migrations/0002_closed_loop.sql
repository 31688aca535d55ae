-- 0002: the closed loop: problem records (root-cause analysis and corrective actions) and
-- satisfaction surveys.
--
-- As for complaints, each record is stored whole as JSON in doc, with copies of the fields that
-- queries filter, order or aggregate on in columns of their own. Times are INTEGER microseconds since
-- the Unix epoch, UTC.

-- Problem records. next_report is rca.Problem.NextReport(): when the earliest open action not yet
-- reported falls due, NULL when there is none. Every insert and update recomputes it, so the overdue
-- scan reads the head of an index instead of every problem's actions.
CREATE TABLE problems (
    tenant      TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    next_report INTEGER,                        -- NULL when no open action is left to report
    doc         TEXT    NOT NULL,               -- encoding/json of rca.Problem
    PRIMARY KEY (tenant, id)
);

-- Lists, newest first, keyset on (created_at, id), with or without a status filter.
CREATE INDEX problems_created ON problems (tenant, created_at, id);
CREATE INDEX problems_status  ON problems (tenant, status, created_at, id);
-- The overdue scan, of every tenant or of one: only problems with something to report are indexed.
CREATE INDEX problems_due        ON problems (next_report, id, tenant) WHERE next_report IS NOT NULL;
CREATE INDEX problems_tenant_due ON problems (tenant, next_report, id) WHERE next_report IS NOT NULL;

-- The complaints each problem groups, one row per link, for "the problems of this complaint". As for
-- complaint tags, triggers keep the rows equal to the list in the document, inside the statement that
-- writes the document, so a problem's insert or update stays one atomic statement.
CREATE TABLE problem_complaints (
    tenant       TEXT NOT NULL,
    problem_id   TEXT NOT NULL,
    complaint_id TEXT NOT NULL,
    PRIMARY KEY (tenant, problem_id, complaint_id),
    FOREIGN KEY (tenant, problem_id) REFERENCES problems (tenant, id)
) WITHOUT ROWID;
CREATE INDEX problem_complaints_complaint ON problem_complaints (tenant, complaint_id, problem_id);

CREATE TRIGGER problems_complaints_insert AFTER INSERT ON problems BEGIN
    INSERT INTO problem_complaints (tenant, problem_id, complaint_id)
    SELECT NEW.tenant, NEW.id, value FROM json_each(NEW.doc, '$.complaints') WHERE true
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER problems_complaints_update AFTER UPDATE OF doc ON problems BEGIN
    DELETE FROM problem_complaints WHERE tenant = OLD.tenant AND problem_id = OLD.id;
    INSERT INTO problem_complaints (tenant, problem_id, complaint_id)
    SELECT NEW.tenant, NEW.id, value FROM json_each(NEW.doc, '$.complaints') WHERE true
    ON CONFLICT DO NOTHING;
END;

-- Satisfaction surveys, each for one complaint of its tenant. The link token is kept only as its
-- SHA-256, unique in the whole store: a link names one survey. The scores of an answer are copied into
-- csat, nps and ces (NULL when not given) so that the tallies group them without parsing JSON.
CREATE TABLE surveys (
    tenant       TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    complaint_id TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL,
    scheduled_at INTEGER NOT NULL,
    answered_at  INTEGER,                       -- NULL until answered
    csat         INTEGER,
    nps          INTEGER,
    ces          INTEGER,
    version      INTEGER NOT NULL,
    doc          TEXT    NOT NULL,              -- encoding/json of feedback.Survey
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, complaint_id) REFERENCES complaints (tenant, id)
);
CREATE UNIQUE INDEX surveys_token     ON surveys (token_hash);
CREATE INDEX        surveys_complaint ON surveys (tenant, complaint_id, scheduled_at, id);
-- Tallies over an answer window read this index alone: it holds the complaint (for the grouping
-- dimension) and the scores.
CREATE INDEX surveys_answered ON surveys (tenant, answered_at, complaint_id, csat, nps, ces)
    WHERE answered_at IS NOT NULL;
