-- Child-years in the database (benchmark size).
SELECT count(*) FROM child_year;
