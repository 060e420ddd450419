INSERT INTO schools SELECT school_id, school_name, phase FROM schools_df;
