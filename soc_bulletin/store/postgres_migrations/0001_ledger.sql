-- Version 1: the ledger of every issue's send, the senders sharing one, the send's pace, the suppression list.
-- Applied once, in one transaction, by soc_bulletin/store/postgres_db.py; never edit an applied migration, add the next.

CREATE SCHEMA soc_bulletin;

CREATE TABLE soc_bulletin.schema_version (
    version integer PRIMARY KEY,
    applied timestamptz NOT NULL DEFAULT now()
);

-- facts about an issue's send: 'issue' (its identity), 'created', 'started'
CREATE TABLE soc_bulletin.meta (
    issue text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (issue, key)
);

-- each edition's fingerprint, one row per version (the content freeze)
CREATE TABLE soc_bulletin.editions (
    issue text NOT NULL,
    edition text NOT NULL,
    version integer NOT NULL,
    fingerprint text NOT NULL,
    articles jsonb NOT NULL,
    recorded double precision NOT NULL,
    PRIMARY KEY (issue, edition, version)
);

-- one row per recipient per issue; key is the normalised address, casefolded
CREATE TABLE soc_bulletin.recipients (
    issue text NOT NULL,
    key text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    address text NOT NULL,
    name text NOT NULL,
    segment text NOT NULL,
    edition text NOT NULL,
    version integer NOT NULL DEFAULT 0,
    state text NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed-temporary', 'failed-permanent',
                                         'suppressed', 'skipped')),
    attempts integer NOT NULL DEFAULT 0,
    reply text NOT NULL DEFAULT '',
    run text,                -- the run that last targeted the row (shared by the senders that joined it)
    claimer text,            -- the sender holding a 'sending' row
    claim text,              -- the claim (one batch) that took it: makes a claim retried after a lost reply idempotent
    lease_until timestamptz, -- after this, another sender may claim the row again
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issue, key)
);
-- room on each page for lease renewals to update in place (HOT), and vacuum early: a big send updates every row twice
ALTER TABLE soc_bulletin.recipients SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02,
                                         autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX recipients_claimable ON soc_bulletin.recipients (issue, run, seq) WHERE state IN ('pending', 'sending');
CREATE INDEX recipients_held ON soc_bulletin.recipients (claimer, claim) WHERE state = 'sending';

-- the senders of a send, alive while their lease is renewed
CREATE TABLE soc_bulletin.senders (
    id text PRIMARY KEY,
    issue text NOT NULL,
    run text NOT NULL,
    segment text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    started timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz NOT NULL
);
CREATE INDEX senders_by_issue ON soc_bulletin.senders (issue, segment, lease_until);

-- the send's one rate: the earliest moment the next message may start, whoever sends it
CREATE TABLE soc_bulletin.pacers (
    issue text PRIMARY KEY,
    next_at timestamptz NOT NULL
);

-- addresses never to send to, whatever issue, list or segment; key as in recipients
CREATE TABLE soc_bulletin.suppressions (
    key text PRIMARY KEY,
    address text NOT NULL,
    reason text NOT NULL DEFAULT '',
    date text NOT NULL DEFAULT '',
    added timestamptz NOT NULL DEFAULT now()
);
