-- What the cube holds, read by the planner (analytics/data/cube.py): one row per cube table,
-- its kind (cells: counts per breakdown cell and period; masks: children per period mask),
-- the columns it can group and filter by, its size and the layout version.
CREATE OR REPLACE TABLE cube_info (
    name       VARCHAR,
    kind       VARCHAR,
    columns    VARCHAR[],
    n_rows     BIGINT,
    version    INTEGER
)
