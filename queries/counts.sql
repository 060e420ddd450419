-- Counts for one or more outcomes, per group and window of periods, with what disclosure
-- control (analytics/protect) and pooled-period intervals (analytics/stats/rri.py) need.
--
-- A window is one period or several pooled. Counts are child-periods, as in published
-- pooled rates: a child eligible in three years of a window counts three times in the
-- population, with their characteristics of each year. Because the same child is then
-- counted more than once, each child is also a cluster: per child (and group) x = periods
-- eligible and y = periods with the outcome, and the group's sums of x*x, x*y and y*y give
-- the cluster-robust variance. Each count has a cell key: the sum, mod $key_space, of the
-- record keys of the rows counted (a child's key once per period, or per pair of periods).
--
-- Identifiers in braces are built from allow-lists (analytics/data/queries.py). Bound values:
-- $window_labels and $window_periods (VARCHAR[], zipped: period [i] belongs to window [i]),
-- $key_space and any filter or cohort values.
WITH windows AS (
    SELECT
        unnest($window_labels) AS window_label,
        unnest($window_periods) AS period
),

in_scope AS (
    -- child-periods in a window and in the restricted population, with the group columns
    -- and, per outcome i, flags n<i> (eligible) and e<i> (had the outcome while eligible)
    SELECT
        w.window_label,
        f.child_id,
        f.record_key,
        {group_select},
        {flag_select}
    FROM facts AS f
    JOIN windows AS w USING (period)
    WHERE {filter}
),

clusters AS (
    -- one row per child, group and window: {clusters} is queries/clusters_pooled.sql, or
    -- queries/clusters_single.sql when every window is one period (a child-period is then
    -- its own cluster and the sums of squares equal the counts)
    {clusters}
)

SELECT
    window_label,
    {group_cols},
    {aggregates}
FROM clusters
GROUP BY ALL
ORDER BY ALL
