DELETE FROM datasets WHERE name = $name;
