-- Version 5: the pace of a send as the relay's replies shaped it (soc_bulletin/send/adaptive.py, kept as JSON so
-- every sender slows down together), and the messages taken for the daily limit every sender shares.

ALTER TABLE soc_bulletin.pacers ADD COLUMN pace text NOT NULL DEFAULT '';

CREATE TABLE soc_bulletin.quota (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at double precision NOT NULL,   -- seconds since the epoch
    count integer NOT NULL
);
CREATE INDEX quota_at ON soc_bulletin.quota (at);
