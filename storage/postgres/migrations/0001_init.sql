-- 0001_init: complaints, their events, SLA timers and the webhook outbox.
--
-- Every text column that takes part in an ORDER BY, a keyset cursor or a group key uses COLLATE "C", so
-- rows sort by bytes, exactly as the other adapters sort them, whatever the database's locale is.

-- complaints holds the full record as JSON in record and copies of the fields that queries filter, sort
-- or aggregate on in plain indexed columns. Reads decode record but take the fields that never change
-- after intake (tracking_code, channel, external_ref, created_at) from their columns, which updates do
-- not touch. IDs are ULIDs, unique across tenants.
CREATE TABLE complaints (
    tenant          text COLLATE "C" NOT NULL,
    id              text COLLATE "C" NOT NULL,
    tracking_code   text COLLATE "C" NOT NULL,
    channel         text COLLATE "C" NOT NULL,
    external_ref    text COLLATE "C" NOT NULL,
    status          text COLLATE "C" NOT NULL,
    queue           text COLLATE "C" NOT NULL,
    assignee        text COLLATE "C" NOT NULL,
    category        text COLLATE "C" NOT NULL,
    customer_id     text COLLATE "C" NOT NULL,
    severity        text COLLATE "C" NOT NULL,
    tags            text[] COLLATE "C" NOT NULL,
    version         bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    reopened        integer NOT NULL,
    repeat_of       text COLLATE "C" NOT NULL,
    breached        boolean NOT NULL,
    record          json NOT NULL,
    PRIMARY KEY (id)
);

-- Lookups by the customer's tracking code and by the channel's idempotency key.
CREATE UNIQUE INDEX complaints_tracking_code ON complaints (tenant, tracking_code);
CREATE UNIQUE INDEX complaints_external_ref ON complaints (tenant, channel, external_ref)
    WHERE external_ref <> '';

-- The unfiltered list (newest first, keyset on created_at, id) and every aggregation over a creation
-- window: the included columns let ComplaintCount group by any dimension with an index-only scan.
CREATE INDEX complaints_created ON complaints (tenant, created_at, id)
    INCLUDE (category, queue, assignee, channel, status, severity);

-- One index per list filter, each ending in the keyset columns so a filtered page reads only its rows.
-- Work lists (a queue's or an agent's open complaints) also get one with the status, read one status
-- at a time.
CREATE INDEX complaints_status ON complaints (tenant, status, created_at, id);
CREATE INDEX complaints_queue ON complaints (tenant, queue, created_at, id);
CREATE INDEX complaints_queue_status ON complaints (tenant, queue, status, created_at, id);
CREATE INDEX complaints_assignee ON complaints (tenant, assignee, created_at, id);
CREATE INDEX complaints_assignee_status ON complaints (tenant, assignee, status, created_at, id);
CREATE INDEX complaints_category ON complaints (tenant, category, created_at, id);
CREATE INDEX complaints_channel ON complaints (tenant, channel, created_at, id);
CREATE INDEX complaints_customer ON complaints (tenant, customer_id, created_at, id);
CREATE INDEX complaints_tags ON complaints USING gin (tags);

-- events is the append-only audit trail; record holds the whole event.
CREATE TABLE events (
    tenant       text COLLATE "C" NOT NULL,
    complaint_id text COLLATE "C" NOT NULL,
    seq          bigint NOT NULL,
    id           text COLLATE "C" NOT NULL,
    type         text COLLATE "C" NOT NULL,
    at           timestamptz NOT NULL,
    public       boolean NOT NULL,
    record       json NOT NULL,
    PRIMARY KEY (tenant, complaint_id, seq)
);

-- timers hold only pending due times; the scanner deletes what it claims, so the table stays small
-- and "earliest due" is the head of an index.
CREATE TABLE timers (
    tenant       text COLLATE "C" NOT NULL,
    complaint_id text COLLATE "C" NOT NULL,
    kind         text COLLATE "C" NOT NULL,
    due_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant, complaint_id, kind)
);
CREATE INDEX timers_due ON timers (due_at, tenant, complaint_id, kind);
CREATE INDEX timers_tenant_due ON timers (tenant, due_at, complaint_id, kind);

-- outbox holds webhook deliveries written in the same transaction as the change they report; the
-- partial index holds only messages still to deliver.
CREATE TABLE outbox (
    tenant          text COLLATE "C" NOT NULL,
    id              text COLLATE "C" NOT NULL,
    topic           text COLLATE "C" NOT NULL,
    key             text COLLATE "C" NOT NULL,
    payload         bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    last_error      text NOT NULL,
    dead            boolean NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE NOT dead;
