-- One row per child (of those with child_id from $lo to $hi, a slice of the children so
-- that memory stays bounded at any scale): the child's fixed characteristics and record key,
-- and per flag and outcome pair a period mask, the OR of the bits (cube_periods) of the
-- periods in which the flag (eligible) or the outcome while eligible held. Masks are packed
-- several to a BIGINT column {masks} at shifts chosen by analytics/data/cube.py.
CREATE OR REPLACE TEMP TABLE cube_child_masks AS
SELECT
    f.child_id,
    any_value(f.record_key) AS record_key,
    {fixed},
    {masks}
FROM facts AS f
JOIN cube_periods AS p USING (period)
WHERE f.child_id BETWEEN $lo AND $hi
GROUP BY f.child_id
