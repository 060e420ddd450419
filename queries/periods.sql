SELECT DISTINCT period FROM child_year ORDER BY period;
