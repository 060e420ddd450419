-- What an imported statutory return holds: its files, the populations it covers completely,
-- the outcomes that need a population table, and the import's notes (see analytics/data/imports.py).
SELECT kind, value, detail FROM returns_info ORDER BY kind, value;
