-- Counts from a cube table, the same as queries/counts.sql gives from the rows: per window
-- of periods and group, the sum of each count column asked for (the eligible child-periods
-- of a flag, n__<flag>, or those with an outcome while eligible, e__<num>__<den>) and of its
-- cell-key column (nk__, ek__) mod $key_space. Cube cells are disjoint sets of
-- child-periods, so counts add up over cells and periods, and keys add up mod $key_space.
-- Windows here are disjoint (each period in at most one; queries/cube_counts_overlapping.sql
-- joins them when they overlap). Fixed fragments chosen by analytics/data/cube.py, cheapest
-- first: {window_label} is `period` when each window is one period named by it, else the
-- period's label looked up in $window_labels by its place in $window_periods; {periods} is
-- TRUE when every period of the data is asked for, else whether the period is in
-- $window_periods. Unordered: the caller sorts the few result rows (an ORDER BY here took
-- longer than the sums). {cube} is a cube table named in cube_info; identifiers in braces
-- come from allow-lists; bound values: $window_labels and $window_periods (zipped),
-- $key_space, filter and cohort values.
SELECT
    {window_label} AS window_label,
    {group_select},
    {aggregates}
FROM {cube} AS f
WHERE {periods}
    AND {filter}
GROUP BY ALL
