-- Store a validated frame (registered with the connection) as a table.
CREATE TABLE {table} AS SELECT * FROM {frame};
