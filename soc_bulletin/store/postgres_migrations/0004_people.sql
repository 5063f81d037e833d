-- Version 4: people's own records. Confirmed sign-ups and everyone's preferences, requests waiting for the link of
-- their confirmation mail (only a digest of its token), and a journal that never names an address.

CREATE TABLE soc_bulletin.people (
    key text PRIMARY KEY,
    address text NOT NULL,
    origin text NOT NULL,
    details text NOT NULL,
    paused_until text NOT NULL,
    consent text NOT NULL,
    updated double precision NOT NULL
);

CREATE TABLE soc_bulletin.requests (
    digest text PRIMARY KEY,
    kind text NOT NULL,
    key text NOT NULL,
    address text NOT NULL,
    payload text NOT NULL,
    created double precision NOT NULL,
    expires double precision NOT NULL
);
CREATE INDEX requests_by_key ON soc_bulletin.requests (key, created);

CREATE TABLE soc_bulletin.journal (
    at double precision NOT NULL,
    event text NOT NULL,
    detail text NOT NULL
);
