-- Counts from a cube table, the same as queries/counts.sql gives from the rows: per window
-- of periods and group, the sum of each count column asked for (the eligible child-periods
-- of a flag, n__<flag>, or those with an outcome while eligible, e__<num>__<den>) and of its
-- cell-key column (nk__, ek__) mod $key_space. Cube cells are disjoint sets of
-- child-periods, so counts add up over cells and periods, and keys add up mod $key_space.
-- Windows here are disjoint (each period in at most one): a period's window is looked up in
-- the bound lists, with no join; queries/cube_counts_overlapping.sql joins them when they
-- overlap. Unordered: the caller sorts the few result rows (an ORDER BY here took longer
-- than the sums). {cube} is a cube table named in cube_info; identifiers in braces come from
-- allow-lists; bound values: $window_labels and $window_periods (zipped), $key_space,
-- filter and cohort values.
SELECT
    $window_labels[list_position($window_periods, period)] AS window_label,
    {group_select},
    {aggregates}
FROM {cube} AS f
WHERE list_contains($window_periods, period)
    AND {filter}
GROUP BY ALL
