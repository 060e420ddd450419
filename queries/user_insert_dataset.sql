INSERT INTO dataset VALUES ($name, $kind, $source_file, current_timestamp::TIMESTAMP, $n_rows,
                            $group_cols, $outcomes, $periods, $ethnicity_level, $owner,
                            $owner_name);
