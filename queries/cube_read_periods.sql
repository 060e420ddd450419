-- The periods' bits in the mask cube (queries/cube_periods.sql), for window masks.
SELECT period, bit FROM cube_periods ORDER BY bit
