-- The cube's tables and pairs (queries/cube_info.sql), for the planner.
SELECT name, kind, columns, n_rows, version FROM cube_info ORDER BY n_rows
