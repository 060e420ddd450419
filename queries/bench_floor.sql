-- Benchmark floor: the raw GROUP BY that produces the matrix's counts alone (children with
-- each outcome and eligible children, by minor ethnic group, sex and period), straight from
-- the base tables with no view, labels or post-processing. The product cannot beat this.
SELECT
    e.minor_group,
    c.sex,
    cy.period,
    count(*) AS children,
    count(*) FILTER (WHERE cy.on_roll) AS pupils,
    count(*) FILTER (WHERE cy.on_roll AND cy.suspensions > 0) AS suspended,
    count(*) FILTER (WHERE cy.on_roll AND cy.permanent_exclusion) AS permanent_exclusion,
    count(*) FILTER (WHERE cy.on_roll AND cy.age >= 5) AS pupils_5_15,
    count(*) FILTER (WHERE cy.persistent_absence) AS persistent_absence,
    count(*) FILTER (WHERE cy.on_roll AND cy.age = 15) AS year11,
    count(*) FILTER (WHERE NOT cy.ks4_basics) AS ks4_below_basics,
    count(*) FILTER (WHERE cy.on_roll AND cy.sen = 'SEN support') AS sen_support,
    count(*) FILTER (WHERE cy.on_roll AND cy.sen = 'EHCP') AS ehcp,
    count(*) FILTER (WHERE cy.on_roll AND cy.sen <> 'No SEN') AS sen_any,
    count(*) FILTER (WHERE cy.on_roll AND cy.fsm) AS fsm,
    count(*) FILTER (WHERE cy.age >= 16) AS age_16_17,
    count(*) FILTER (WHERE cy.neet) AS neet,
    count(*) FILTER (WHERE cy.cin) AS cin,
    count(*) FILTER (WHERE cy.cpp) AS cpp,
    count(*) FILTER (WHERE cy.looked_after) AS looked_after,
    count(*) FILTER (WHERE cy.age >= 10) AS age_10_17,
    count(*) FILTER (WHERE cy.concern_gangs) AS concern_gangs,
    count(*) FILTER (WHERE cy.concern_cce) AS concern_cce,
    count(*) FILTER (WHERE cy.concern_syv) AS concern_syv,
    count(*) FILTER (WHERE cy.concern_cse) AS concern_cse,
    count(*) FILTER (WHERE cy.age >= 5) AS age_5_17,
    count(*) FILTER (WHERE cy.age >= 5 AND cy.camhs) AS camhs,
    count(*) FILTER (WHERE cy.proven_offence) AS proven_offence,
    count(*) FILTER (WHERE cy.first_time_entrant) AS first_time_entrant,
    count(*) FILTER (WHERE cy.remand) AS remand,
    count(*) FILTER (WHERE cy.custody) AS custody,
    count(*) FILTER (WHERE cy.offence_prev_year) AS offence_prev_year,
    count(*) FILTER (WHERE cy.proven_offence AND cy.offence_prev_year) AS reoffended,
    count(*) FILTER (WHERE cy.proven_offence AND cy.first_time_entrant) AS fte_among_offenders,
    count(*) FILTER (WHERE cy.cin AND cy.cpp) AS cpp_given_cin,
    count(*) FILTER (WHERE cy.cin AND cy.looked_after) AS lac_given_cin,
    count(*) FILTER (WHERE cy.suspensions > 0 AND cy.permanent_exclusion) AS perm_given_susp
FROM child_year AS cy
JOIN children AS c USING (child_id)
JOIN ethnicity AS e ON e.code = c.ethnicity_code
GROUP BY ALL;
