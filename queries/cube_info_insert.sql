-- One row of cube_info (queries/cube_info.sql) for the cube table $name.
INSERT INTO cube_info
SELECT $name, $kind, $columns, count(*), $version FROM {table}
