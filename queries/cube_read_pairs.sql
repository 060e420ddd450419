-- The outcome pairs the cube counts (queries/cube_pairs.sql), for the planner.
SELECT pair, numerator, denominator FROM cube_pairs ORDER BY pair
