INSERT INTO children SELECT child_id, sex, ethnicity_code, birth_date, record_key FROM children_df;
