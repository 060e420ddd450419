-- The analysis view: one row per child-year with readable breakdown columns and one
-- boolean flag per outcome numerator and eligible population (outcome catalogue columns
-- `numerator` and `denominator` name these flags).
CREATE OR REPLACE VIEW facts AS
WITH child_years AS (
    SELECT * FROM child_year
),

with_child AS (
    SELECT
        cy.*,
        c.sex,
        c.ethnicity_code,
        c.record_key,
        e.minor_group AS ethnicity_minor,
        e.major_group AS ethnicity_major,
        s.school_name,
        s.phase AS school_phase_raw
    FROM child_years AS cy
    JOIN children AS c USING (child_id)
    JOIN ethnicity AS e ON e.code = c.ethnicity_code
    LEFT JOIN schools AS s USING (school_id)
)

SELECT
    child_id,
    record_key,
    period,
    period_start,
    age,
    -- breakdown columns
    ethnicity_code,
    ethnicity_minor,
    ethnicity_major,
    sex,
    CASE WHEN fsm THEN 'FSM eligible' ELSE 'Not FSM eligible' END AS fsm_status,
    sen AS sen_status,
    CASE WHEN looked_after THEN 'Looked after' ELSE 'Not looked after' END AS care_status,
    CASE WHEN age <= 4 THEN '0-4'
         WHEN age <= 9 THEN '5-9'
         WHEN age <= 15 THEN '10-15'
         ELSE '16-17' END AS age_band,
    coalesce(school_name, 'Not on roll') AS school,
    coalesce(school_phase_raw, 'Not on roll') AS school_phase,
    -- eligible populations
    TRUE AS all_children,
    age >= 5 AS age_5_17,
    age >= 10 AS age_10_17,
    age >= 16 AS age_16_17,
    on_roll AS pupil,
    on_roll AND age >= 5 AS pupil_5_15,
    on_roll AND age = 15 AS year11,
    -- outcomes
    coalesce(suspensions, 0) > 0 AS suspended,
    coalesce(suspensions, 0) AS suspension_count,
    coalesce(permanent_exclusion, FALSE) AS permanent_exclusion,
    coalesce(persistent_absence, FALSE) AS persistent_absence,
    coalesce(NOT ks4_basics, FALSE) AS ks4_below_basics,
    coalesce(neet, FALSE) AS neet,
    cin,
    cpp,
    looked_after,
    camhs,
    sen = 'SEN support' AS sen_support,
    sen = 'EHCP' AS ehcp,
    sen <> 'No SEN' AS sen_any,
    fsm,
    coalesce(proven_offence, FALSE) AS proven_offence,
    coalesce(first_time_entrant, FALSE) AS first_time_entrant,
    coalesce(offence_prev_year, FALSE) AS offence_prev_year,
    coalesce(proven_offence AND offence_prev_year, FALSE) AS reoffended,
    coalesce(remand, FALSE) AS remand,
    coalesce(custody, FALSE) AS custody,
    coalesce(concern_gangs, FALSE) AS concern_gangs,
    coalesce(concern_cce, FALSE) AS concern_cce,
    coalesce(concern_syv, FALSE) AS concern_syv,
    coalesce(concern_cse, FALSE) AS concern_cse,
    excluded_ever
FROM with_child;
