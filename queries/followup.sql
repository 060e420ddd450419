-- Follow-up after a first exclusion (Disproportionality Action Plan, recommendation 10).
--
-- Index children: pupils first suspended or permanently excluded in an index year, whose
-- record the year before shows no earlier exclusion ("Excluded"), and pupils not excluded up
-- to and including an index year ("Not excluded"; one index year each, picked reproducibly
-- at random among their eligible years). A child not yet excluded may be a comparison child
-- in an earlier year and an excluded child later: counted once in each cohort.
-- Follow-up: for each window of 1, 2, 3 years, whether the child was eligible for each
-- outcome in any of the years after the index year within the window, and whether they had
-- it; only windows that end by the last year of the data.
-- Counts: children with the outcome (events) among children eligible for it (population),
-- per group of the index year. Identifiers in braces come from allow-lists
-- (analytics/data/followup.py); values are bound: $periods (index years, VARCHAR[]),
-- $windows (INTEGER[]), $key_space (cell keys of the counts, for disclosure control) and any
-- filter values.
WITH years AS (
    SELECT
        *,
        suspended OR permanent_exclusion AS excluded_now,
        lag(period_start) OVER history AS previous_start,
        coalesce(lag(excluded_ever) OVER history, FALSE)
            OR coalesce(bool_or(suspended OR permanent_exclusion) OVER (
                history ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), FALSE)
            AS excluded_before
    FROM facts
    WINDOW history AS (PARTITION BY child_id ORDER BY period_start)
),

candidates AS (
    SELECT
        *,
        CASE WHEN excluded_now THEN 'Excluded' ELSE 'Not excluded' END AS cohort
    FROM years
    WHERE pupil
      AND previous_start = period_start - 1
      AND NOT excluded_before
      AND period IN (SELECT unnest($periods))
      AND {filter}
),

index_years AS (
    SELECT *
    FROM candidates
    QUALIFY row_number() OVER (
        PARTITION BY child_id, cohort
        ORDER BY (child_id * 2654435761 + period_start * 40503) % 4294967291
    ) = 1
),

windows AS (
    SELECT unnest($windows) AS years
),

followed AS (
    SELECT
        i.child_id,
        i.cohort,
        w.years,
        later.* EXCLUDE (child_id)
    FROM index_years AS i
    CROSS JOIN windows AS w
    JOIN years AS later
      ON later.child_id = i.child_id
     AND later.period_start BETWEEN i.period_start + 1 AND i.period_start + w.years
    WHERE i.period_start + w.years <= (SELECT max(period_start) FROM facts)
),

per_child AS (
    SELECT
        child_id,
        cohort,
        years,
        {per_child}
    FROM followed
    GROUP BY child_id, cohort, years
),

at_index AS (
    SELECT
        p.*,
        i.* EXCLUDE (child_id, cohort)
    FROM per_child AS p
    JOIN index_years AS i USING (child_id, cohort)
)

SELECT
    {group_select},
    cohort,
    years,
    {aggregates}
FROM at_index
GROUP BY ALL
ORDER BY ALL
