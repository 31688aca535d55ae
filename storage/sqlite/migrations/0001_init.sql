-- 0001: the first schema of a redress database.
--
-- Times are INTEGER microseconds since the Unix epoch, UTC (storage.Time precision). A complaint is
-- stored whole as JSON in body; the other complaint columns copy the fields that queries filter,
-- order or aggregate on, so no query has to parse JSON.

CREATE TABLE complaints (
    tenant          TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    tracking_code   TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    external_ref    TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    queue           TEXT    NOT NULL DEFAULT '',
    assignee        TEXT    NOT NULL DEFAULT '',
    category        TEXT    NOT NULL DEFAULT '',
    customer_id     TEXT    NOT NULL DEFAULT '',
    severity        TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,                    -- NULL until acknowledged
    resolved_at     INTEGER,                    -- NULL until resolved
    reopened        INTEGER NOT NULL DEFAULT 0, -- how many times
    repeat_of       TEXT    NOT NULL DEFAULT '',
    breached        INTEGER NOT NULL DEFAULT 0, -- 0 or 1
    version         INTEGER NOT NULL,
    body            TEXT    NOT NULL            -- encoding/json of complaint.Complaint
);

-- Lookups. IDs are unique across tenants (a ULID names one complaint); (tenant, id) is what reads and
-- the foreign keys of the other tables use. External references are unique per channel only when
-- present.
CREATE UNIQUE INDEX complaints_uid      ON complaints (id);
CREATE UNIQUE INDEX complaints_id       ON complaints (tenant, id);
CREATE UNIQUE INDEX complaints_tracking ON complaints (tenant, tracking_code);
CREATE UNIQUE INDEX complaints_external ON complaints (tenant, channel, external_ref) WHERE external_ref <> '';

-- Lists, newest first, keyset on (created_at, id): one index per filter, each ending in
-- (created_at, id) so a page is read in order and stops after its last row. The unfiltered index
-- carries category so that counting by category over a creation window reads the index alone.
CREATE INDEX complaints_created  ON complaints (tenant, created_at, id, category);
CREATE INDEX complaints_status   ON complaints (tenant, status, created_at, id);
CREATE INDEX complaints_category ON complaints (tenant, category, created_at, id);
CREATE INDEX complaints_channel  ON complaints (tenant, channel, created_at, id);
CREATE INDEX complaints_customer ON complaints (tenant, customer_id, created_at, id);
-- The inboxes: a queue's or an agent's complaints in some statuses (the open ones). A list with
-- several statuses reads one ordered arm per status and merges them; a list by queue or assignee
-- without a status filter does the same over every status, so these two indexes serve it too.
CREATE INDEX complaints_queue_status    ON complaints (tenant, queue, status, created_at, id);
CREATE INDEX complaints_assignee_status ON complaints (tenant, assignee, status, created_at, id);

-- Tags, one row per (complaint, tag): the tags filter probes the primary key. Triggers keep the rows
-- equal to the tags in the body, in the statement that writes the body, so an insert or update of a
-- complaint stays one statement (atomic on its own) and tags can never disagree with the record.
CREATE TABLE complaint_tags (
    tenant       TEXT NOT NULL,
    complaint_id TEXT NOT NULL,
    tag          TEXT NOT NULL,
    PRIMARY KEY (tenant, complaint_id, tag),
    FOREIGN KEY (tenant, complaint_id) REFERENCES complaints (tenant, id)
) WITHOUT ROWID;

CREATE TRIGGER complaints_tags_insert AFTER INSERT ON complaints BEGIN
    INSERT INTO complaint_tags (tenant, complaint_id, tag)
    SELECT NEW.tenant, NEW.id, value FROM json_each(NEW.body, '$.tags') WHERE true
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER complaints_tags_update AFTER UPDATE OF body ON complaints BEGIN
    DELETE FROM complaint_tags WHERE tenant = OLD.tenant AND complaint_id = OLD.id;
    INSERT INTO complaint_tags (tenant, complaint_id, tag)
    SELECT NEW.tenant, NEW.id, value FROM json_each(NEW.body, '$.tags') WHERE true
    ON CONFLICT DO NOTHING;
END;

-- The audit trail, append-only.
CREATE TABLE events (
    tenant       TEXT    NOT NULL,
    complaint_id TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    id           TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    actor        TEXT    NOT NULL DEFAULT '',
    at           INTEGER NOT NULL,
    trigger      TEXT    NOT NULL DEFAULT '',
    from_status  TEXT    NOT NULL DEFAULT '',
    to_status    TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '',
    public       INTEGER NOT NULL DEFAULT 0,
    attrs        TEXT,                          -- JSON object, NULL when empty
    PRIMARY KEY (tenant, complaint_id, seq),
    FOREIGN KEY (tenant, complaint_id) REFERENCES complaints (tenant, id)
) WITHOUT ROWID; -- clustered: a complaint's events are read together, in seq order

-- SLA and other due times. The scanner claims the earliest due of all tenants or of one. Rows are
-- small and always found by key, so the table is clustered on its primary key.
CREATE TABLE timers (
    tenant       TEXT    NOT NULL,
    complaint_id TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant, complaint_id, kind),
    FOREIGN KEY (tenant, complaint_id) REFERENCES complaints (tenant, id)
) WITHOUT ROWID;
CREATE INDEX timers_due        ON timers (due_at, tenant, complaint_id, kind);
CREATE INDEX timers_tenant_due ON timers (tenant, due_at, complaint_id, kind);

-- Messages waiting to leave (webhooks), written in the transaction of the change they report.
CREATE TABLE outbox (
    tenant          TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    key             TEXT    NOT NULL DEFAULT '',
    payload         BLOB,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    dead            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX outbox_pending ON outbox (dead, next_attempt_at);
