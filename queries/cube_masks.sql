-- The mask cube: children per fixed characteristics, outcome pair and pair of period masks
-- (see cube_masks_insert.sql), merged over the slices. From it the per-child sums of squares
-- of any window of periods follow exactly (queries/cube_squares.sql).
CREATE OR REPLACE TABLE cube_masks AS
SELECT
    {fixed},
    pair,
    mx,
    my,
    sum(children)::INTEGER AS children,
    (sum(keys) % $key_space)::SMALLINT AS keys
FROM cube_masks_parts
GROUP BY ALL
ORDER BY ALL
