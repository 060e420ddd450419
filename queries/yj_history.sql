-- The youth-justice cohort's history (section 5.4: "at least 50% of the YOS cohort have
-- received a past or have a current school exclusion"; "more than half ... Special
-- Educational Needs"): children with a proven offence in the chosen years, each counted once
-- at the first of those years, split three ways: by exclusion (in an earlier year, only in
-- that year, not at all), by SEN (SEN support, EHCP, none) and by care (looked after or not)
-- in that year. Each count has its cell key (the sum of the children's record keys, mod
-- $key_space) for disclosure control. Identifiers in braces come from allow-lists
-- (analytics/data/followup.py); values are bound: $periods (VARCHAR[]), $key_space and any
-- filter values.
WITH years AS (
    SELECT
        *,
        suspended OR permanent_exclusion AS excluded_now,
        coalesce(lag(excluded_ever) OVER history, FALSE)
            OR coalesce(bool_or(suspended OR permanent_exclusion) OVER (
                history ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), FALSE)
            -- recorded as excluded in an earlier year where the previous year is missing
            OR (coalesce(excluded_ever, FALSE) AND NOT (suspended OR permanent_exclusion))
            AS excluded_before
    FROM facts
    WINDOW history AS (PARTITION BY child_id ORDER BY period_start)
),

offenders AS (
    SELECT *
    FROM years
    WHERE proven_offence
      AND period IN (SELECT unnest($periods))
      AND {filter}
    QUALIFY row_number() OVER (PARTITION BY child_id ORDER BY period_start) = 1
)

SELECT
    {group_select},
    count(*) AS population,
    count(*) FILTER (WHERE excluded_before) AS excluded_earlier,
    count(*) FILTER (WHERE excluded_now AND NOT excluded_before) AS excluded_that_year_only,
    count(*) FILTER (WHERE NOT excluded_before AND NOT excluded_now) AS not_excluded,
    count(*) FILTER (WHERE sen_support) AS sen_support,
    count(*) FILTER (WHERE ehcp) AS ehcp,
    count(*) FILTER (WHERE NOT sen_any) AS no_sen,
    count(*) FILTER (WHERE looked_after) AS looked_after,
    count(*) FILTER (WHERE NOT looked_after) AS not_looked_after,
    sum(record_key) % $key_space AS population_ckey,
    coalesce(sum(record_key) FILTER (WHERE excluded_before), 0) % $key_space AS excluded_earlier_ckey,
    coalesce(sum(record_key) FILTER (WHERE excluded_now AND NOT excluded_before), 0) % $key_space
        AS excluded_that_year_only_ckey,
    coalesce(sum(record_key) FILTER (WHERE NOT excluded_before AND NOT excluded_now), 0) % $key_space
        AS not_excluded_ckey,
    coalesce(sum(record_key) FILTER (WHERE sen_support), 0) % $key_space AS sen_support_ckey,
    coalesce(sum(record_key) FILTER (WHERE ehcp), 0) % $key_space AS ehcp_ckey,
    coalesce(sum(record_key) FILTER (WHERE NOT sen_any), 0) % $key_space AS no_sen_ckey,
    coalesce(sum(record_key) FILTER (WHERE looked_after), 0) % $key_space AS looked_after_ckey,
    coalesce(sum(record_key) FILTER (WHERE NOT looked_after), 0) % $key_space AS not_looked_after_ckey
FROM offenders
GROUP BY ALL
ORDER BY ALL
