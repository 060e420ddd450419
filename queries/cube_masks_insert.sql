-- Children of one slice counted by their fixed characteristics and, for outcome pair $pair,
-- the masks of the periods they were eligible (mx) and had the outcome (my), with the sum of
-- their record keys mod $key_space. Children never eligible are left out (they add nothing).
INSERT INTO cube_masks_parts
SELECT
    {fixed},
    $pair::SMALLINT AS pair,
    mx,
    my,
    count(*)::INTEGER AS children,
    (sum(record_key) % $key_space)::SMALLINT AS keys
FROM (
    SELECT *, coalesce({x}, 0) AS mx, coalesce({y}, 0) AS my
    FROM cube_child_masks
)
WHERE mx <> 0
GROUP BY ALL
