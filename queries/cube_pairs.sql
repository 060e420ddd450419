-- The outcome pairs (numerator flag, denominator flag) the cube counts, numbered as in the
-- cube's measure columns and cube_masks.pair.
CREATE OR REPLACE TABLE cube_pairs (
    pair         SMALLINT,
    numerator    VARCHAR,
    denominator  VARCHAR
)
