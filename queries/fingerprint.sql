-- Every row of one table in a stable order, for a content hash (table from an allow-list).
SELECT * FROM {table} ORDER BY ALL;
