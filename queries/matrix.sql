-- Counts for many outcomes in one scan: for each group, one events/population pair per
-- outcome (aggregate columns generated from the outcome catalogue's allow-listed flags).
-- Bound values: $periods (VARCHAR[]) and any filter/cohort values.
WITH in_scope AS (
    SELECT *
    FROM facts
    WHERE period IN (SELECT unnest($periods))
      AND {filter}
)

SELECT
    {group_select},
    {aggregates}
FROM in_scope
GROUP BY ALL
ORDER BY ALL
