-- Benchmark floor over the counts cube: the raw GROUP BY that produces every count and cell
-- key the RRI matrix needs (minor ethnic group, sex and period) straight from the cube table
-- it reads (cube_base), with no labels or post-processing. The matrix cannot beat this.
SELECT
    ethnicity_minor,
    sex,
    period,
    sum(COLUMNS('^(n|e)__')),
    sum(COLUMNS('^(n|e)k__')) % 256
FROM cube_base
GROUP BY ALL
