-- Whether a dataset's file holds a table (e.g. the returns_info of an imported return).
SELECT count(*) > 0
FROM information_schema.tables
WHERE table_schema = 'main' AND table_name = $table;
