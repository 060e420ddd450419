SELECT name, owner, owner_name, kind, source_file, imported_at, n_rows, group_cols, outcomes,
       periods, ethnicity_level
FROM dataset;
