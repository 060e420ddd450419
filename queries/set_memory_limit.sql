-- Caps DuckDB's memory for a connection that builds a large database (it spills to disk
-- beyond it). Bound: $limit, e.g. '3GB'.
SET memory_limit = $limit
