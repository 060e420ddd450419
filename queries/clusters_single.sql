-- Fragment of queries/counts.sql: windows of one period, where each child-period is its own
-- cluster (x<i> and y<i> are the flags as 0/1).
SELECT
        window_label,
        child_id,
        {group_cols},
        record_key,
        {cluster_flags}
    FROM in_scope
