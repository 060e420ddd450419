-- A coarser counts cube from a finer one (analytics/data/cube.py): the same measures summed
-- over the breakdown columns {columns} kept; cell keys summed mod $key_space.
CREATE OR REPLACE TABLE {table} AS
SELECT
    {columns},
    {measures}
FROM {source}
GROUP BY ALL
