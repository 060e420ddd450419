-- The periods of the data in order, each with its bit in the period masks of cube_masks:
-- bit i (1 << i) stands for the i-th period. Bound: $periods (VARCHAR[], in order).
CREATE OR REPLACE TABLE cube_periods AS
SELECT
    unnest($periods) AS period,
    (1::BIGINT << (generate_subscripts($periods, 1) - 1)) AS bit
