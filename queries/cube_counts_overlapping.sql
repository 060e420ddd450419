-- queries/cube_counts.sql for windows that overlap (rolling windows, where a period belongs
-- to several): each cell is joined to every window holding its period. Bound values:
-- $window_labels and $window_periods (zipped), $key_space, filter and cohort values.
WITH windows AS (
    SELECT
        unnest($window_labels) AS window_label,
        unnest($window_periods) AS period
)

SELECT
    window_label,
    {group_select},
    {aggregates}
FROM {cube} AS f
JOIN windows AS w USING (period)
WHERE {filter}
GROUP BY ALL
