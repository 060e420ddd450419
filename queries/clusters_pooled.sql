-- Fragment of queries/counts.sql: a window's child-periods collapsed to one row per child
-- and group, with x<i> (periods eligible) and y<i> (periods with the outcome) per outcome.
SELECT
        window_label,
        child_id,
        {group_cols},
        any_value(record_key) AS record_key,
        {cluster_sums}
    FROM in_scope
    GROUP BY ALL
