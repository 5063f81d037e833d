-- Version 3: the store. A suppression entry per address and source (an undo lifts only its own), the entries
-- lifted, the tokens of unsubscribe links, the store's own secret, and what bounce processing remembers.

ALTER TABLE soc_bulletin.suppressions ADD COLUMN source text NOT NULL DEFAULT 'manual';
UPDATE soc_bulletin.suppressions SET source = CASE reason WHEN 'bounced' THEN 'bounce' WHEN 'complained' THEN 'complaint'
                                                          ELSE 'manual' END;
ALTER TABLE soc_bulletin.suppressions DROP CONSTRAINT suppressions_pkey;
ALTER TABLE soc_bulletin.suppressions ADD PRIMARY KEY (key, source);

-- (key, source) entries an undo took back, and the day: an import of an older row does not bring them back
CREATE TABLE soc_bulletin.lifted (
    key text NOT NULL,
    source text NOT NULL,
    day text NOT NULL,
    PRIMARY KEY (key, source)
);

-- the opaque token of each address's unsubscribe links
CREATE TABLE soc_bulletin.links (
    token text PRIMARY KEY,
    address text NOT NULL
);

-- facts about the store as a whole: 'secret' (made on first use when none is configured), imports done
CREATE TABLE soc_bulletin.store_meta (
    key text PRIMARY KEY,
    value text NOT NULL
);

-- bounce processing: messages handled (by digest), and soft bounces, one per bounced message
CREATE TABLE soc_bulletin.processed (
    digest text PRIMARY KEY,
    source text NOT NULL,
    kind text NOT NULL,
    at double precision NOT NULL
);
CREATE TABLE soc_bulletin.soft (
    key text NOT NULL,
    reference text NOT NULL,
    day text NOT NULL,
    status text NOT NULL,
    PRIMARY KEY (key, reference)
);
