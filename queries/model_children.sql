-- Per-child counts of the adjusted model (model_cells.sql): one row per child and cell, so
-- that robust errors can add up each child's contributions over the years it is counted.
-- Cells are numbered exactly as in model_cells.sql. Identifiers in braces come from
-- allow-lists; values are bound: $periods (VARCHAR[]) and filter values.
WITH eligible AS (
    SELECT *
    FROM facts
    WHERE {denominator}
      AND period IN (SELECT unnest($periods))
      AND {filter}
),

cells AS (
    SELECT
        {terms},
        (row_number() OVER (ORDER BY {terms}) - 1)::INTEGER AS cell
    FROM (SELECT DISTINCT {terms} FROM eligible)
),

per_child AS (
    SELECT
        e.child_id AS cluster,
        c.cell,
        (count(*) FILTER (WHERE {numerator}))::INTEGER AS events,
        count(*)::INTEGER AS population
    FROM eligible AS e
    JOIN cells AS c USING ({terms})
    GROUP BY ALL
)

SELECT * FROM per_child
