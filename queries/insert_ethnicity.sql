INSERT INTO ethnicity
SELECT code, label, minor_group, major_group, ons_2021_label, sort_order FROM eth_df;
