-- Counts from a cube table, the same as queries/counts.sql gives from the rows: per window
-- of periods and group, the events e<i>, population n<i> and their cell keys per outcome
-- pair. Cube cells are disjoint sets of child-periods, so counts add up over cells and
-- periods, and keys add up mod $key_space. {cube} is a cube table named in cube_info;
-- identifiers in braces come from allow-lists; bound values: $window_labels and
-- $window_periods (zipped), $key_space, filter and cohort values.
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
ORDER BY ALL
