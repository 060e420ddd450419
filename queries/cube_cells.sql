-- A counts cube, straight from the rows (analytics/data/cube.py): one row per combination of
-- the breakdown columns {columns} that occurs, with per flag d the eligible child-periods
-- n__d and per outcome pair (num, den) the child-periods with the outcome while eligible
-- e__num__den, each beside its cell key (the sum of the record keys of the rows counted, mod
-- $key_space; keys add up mod $key_space, so any coarser cell's key is the sum of its cells'
-- keys).
CREATE OR REPLACE TABLE {table} AS
SELECT
    {columns},
    {measures}
FROM facts
GROUP BY ALL
