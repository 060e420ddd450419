-- Per-child sums of squares of pooled windows from the mask cube (queries/cube_masks.sql),
-- the same as queries/counts.sql gives from the rows when every group column is a fixed
-- characteristic of the child (so each child is one cluster of one group): a child with
-- period masks mx, my is eligible in x = bit_count(mx & w) periods of window w and has the
-- outcome in y = bit_count(my & w), and the group's sums of y*y, x*y, x*x (and of record
-- key times each, mod $key_space) add up over the children. One row per window, group and
-- outcome pair. Bound: $window_labels and $window_masks (zipped), $pairs (the pairs asked
-- for), $key_space, filter and cohort values.
WITH windows AS (
    SELECT
        unnest($window_labels) AS window_label,
        unnest($window_masks) AS w
),

children AS (
    SELECT
        w.window_label,
        f.*,
        bit_count(f.mx & w.w)::BIGINT AS x,
        bit_count(f.my & w.w)::BIGINT AS y
    FROM cube_masks AS f
    CROSS JOIN windows AS w
    WHERE list_contains($pairs, f.pair)
)

SELECT
    window_label,
    {group_select},
    pair,
    sum(children * y * y)::BIGINT AS syy,
    (sum(keys * y * y) % $key_space)::BIGINT AS syyk,
    sum(children * x * y)::BIGINT AS sxy,
    (sum(keys * x * y) % $key_space)::BIGINT AS sxyk,
    sum(children * x * x)::BIGINT AS sxx,
    (sum(keys * x * x) % $key_space)::BIGINT AS sxxk
FROM children
WHERE {filter}
GROUP BY ALL
