-- The outcome pairs the cube counts (queries/cube_pairs.sql). Bound: $numerators and
-- $denominators (VARCHAR[], zipped), numbered from 0 in that order.
INSERT INTO cube_pairs
SELECT
    (generate_subscripts($numerators, 1) - 1)::SMALLINT,
    unnest($numerators),
    unnest($denominators)
