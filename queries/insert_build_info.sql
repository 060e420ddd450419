INSERT INTO build_info VALUES ($scale, $seed, $generator, current_timestamp::TIMESTAMP);
