SELECT name, kind, source_file, imported_at, n_rows, group_cols, outcomes, periods, ethnicity_level
FROM datasets
ORDER BY imported_at, name;
