-- Benchmark pandas baseline: every child-year row with the columns the baseline needs.
SELECT cy.*, c.sex, e.minor_group AS ethnicity_minor
FROM child_year AS cy
JOIN children AS c USING (child_id)
JOIN ethnicity AS e ON e.code = c.ethnicity_code;
