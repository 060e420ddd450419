INSERT INTO children SELECT child_id, sex, ethnicity_code, birth_date FROM children_df;
