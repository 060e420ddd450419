INSERT INTO child_year BY NAME SELECT * FROM chunk_df;
