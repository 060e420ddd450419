INSERT INTO build_info VALUES ($scale, $seed, $null_borough, $generator, current_timestamp::TIMESTAMP);
