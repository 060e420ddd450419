INSERT INTO generator_truth SELECT outcome, period, ethnicity_code, sex, children, expected, expected_at_reference FROM truth_df;
