-- 0002_closed_loop: problem records (root-cause analysis and corrective actions) and satisfaction
-- surveys.
--
-- As for complaints, each record is kept whole as JSON in doc, with copies of the fields that queries
-- filter, sort or aggregate on in plain indexed columns; text columns use COLLATE "C".

-- problems: next_report is rca.Problem.NextReport(), when the earliest open action not yet reported
-- falls due, NULL when there is none. Every insert and update recomputes it, so the overdue scan reads
-- the head of a partial index holding only problems with something to report. Reads take created_at,
-- which never changes, from its column.
CREATE TABLE problems (
    tenant      text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    status      text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL,
    version     bigint NOT NULL,
    next_report timestamptz,
    doc         json NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX problems_created ON problems (tenant, created_at, id);
CREATE INDEX problems_status ON problems (tenant, status, created_at, id);
CREATE INDEX problems_due ON problems (next_report, id, tenant) WHERE next_report IS NOT NULL;
CREATE INDEX problems_tenant_due ON problems (tenant, next_report, id) WHERE next_report IS NOT NULL;

-- problem_complaints: the complaints each problem groups, one row per link, written in the same
-- statement as the problem, for "the problems of this complaint".
CREATE TABLE problem_complaints (
    tenant       text COLLATE "C" NOT NULL,
    problem_id   text COLLATE "C" NOT NULL,
    complaint_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, problem_id, complaint_id),
    FOREIGN KEY (tenant, problem_id) REFERENCES problems (tenant, id)
);
CREATE INDEX problem_complaints_complaint ON problem_complaints (tenant, complaint_id, problem_id);

-- surveys: one per scheduled satisfaction survey of a complaint. The link token is kept only as its
-- SHA-256, unique in the whole schema. The scores of an answer are copied into csat, nps and ces (NULL
-- when not given) so that tallies group them without reading JSON; the partial index over answered
-- surveys carries them, so a tally over an answer window is an index-only scan of surveys. Reads take
-- complaint_id and token_hash, which never change, from their columns.
CREATE TABLE surveys (
    tenant       text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    complaint_id text COLLATE "C" NOT NULL REFERENCES complaints (id),
    token_hash   text COLLATE "C" NOT NULL,
    scheduled_at timestamptz NOT NULL,
    answered_at  timestamptz,
    csat         smallint,
    nps          smallint,
    ces          smallint,
    version      bigint NOT NULL,
    doc          json NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX surveys_token_hash ON surveys (token_hash);
CREATE INDEX surveys_complaint ON surveys (tenant, complaint_id, scheduled_at, id);
CREATE INDEX surveys_answered ON surveys (tenant, answered_at) INCLUDE (complaint_id, csat, nps, ces)
    WHERE answered_at IS NOT NULL;
