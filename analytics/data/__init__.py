"""Where the numbers come from, up to the counts table.

The synthetic borough's generator and its DuckDB database, the SQL in ``queries/`` (loaded by
name, identifiers from allow-lists), the counts that SQL returns (events and population per
group), the reference tables (ethnicity codes, outcome catalogue, cohorts), and the user's own
data: readers for uploaded files and the store they are kept in.
"""
