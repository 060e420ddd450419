-- The cube's tables (queries/cube_info.sql) and, on every row, the outcome pairs it counts
-- (queries/cube_pairs.sql) and the periods of the data in order with their bits in the period
-- masks (queries/cube_periods.sql): what the planner reads, in one round trip.
SELECT
    name,
    kind,
    columns,
    n_rows,
    version,
    (SELECT list([pair::VARCHAR, numerator, denominator] ORDER BY pair) FROM cube_pairs) AS pairs,
    (SELECT list(period ORDER BY bit) FROM cube_periods) AS periods,
    (SELECT list(bit ORDER BY bit) FROM cube_periods) AS bits
FROM cube_info
ORDER BY n_rows
