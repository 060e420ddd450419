-- Counts table for one outcome: children with the outcome (events) among the eligible
-- population, per group. Identifiers in braces come from allow-lists (analytics/data/queries.py);
-- values are bound parameters: $periods (VARCHAR[]) and any cohort values.
WITH eligible AS (
    SELECT *
    FROM facts
    WHERE {denominator}
      AND period IN (SELECT unnest($periods))
      AND {filter}
),

grouped AS (
    SELECT
        {group_select},
        count(*) FILTER (WHERE {numerator}) AS events,
        count(*) AS population
    FROM eligible
    GROUP BY ALL
)

SELECT * FROM grouped
ORDER BY ALL
