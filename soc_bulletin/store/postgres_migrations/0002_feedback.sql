-- Version 2: bounces and complaints that came back after the send, against a recipient's row.
-- Recording the same reference for the same row and kind twice changes nothing.

CREATE TABLE soc_bulletin.feedback (
    issue text NOT NULL,
    key text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    permanent boolean NOT NULL,
    detail text NOT NULL,
    reference text NOT NULL,
    recorded double precision NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (issue, key, kind, reference),
    FOREIGN KEY (issue, key) REFERENCES soc_bulletin.recipients (issue, key) ON DELETE CASCADE
);
