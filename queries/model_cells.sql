-- Cells of the adjusted model for one outcome: one row per combination of the terms
-- (breakdown, characteristics and, when years are pooled, period) with the child-years with
-- the outcome (events) and all eligible child-years (population), numbered in a fixed
-- order that model_children.sql repeats. Identifiers in braces come from allow-lists
-- (analytics/data/queries.py); values are bound: $periods (VARCHAR[]) and filter values.
WITH eligible AS (
    SELECT *
    FROM facts
    WHERE {denominator}
      AND period IN (SELECT unnest($periods))
      AND {filter}
),

grouped AS (
    SELECT
        {terms},
        count(*) FILTER (WHERE {numerator}) AS events,
        count(*) AS population
    FROM eligible
    GROUP BY ALL
)

SELECT
    (row_number() OVER (ORDER BY {terms}) - 1)::INTEGER AS cell,
    *
FROM grouped
ORDER BY cell
