-- Tables of a synthetic (or record-level uploaded) borough. Documented column by column in
-- docs/data_dictionary.md.
CREATE TABLE ethnicity (
    code            VARCHAR PRIMARY KEY,   -- DfE ethnicity code, e.g. BCRB
    label           VARCHAR NOT NULL,
    minor_group     VARCHAR NOT NULL,
    major_group     VARCHAR NOT NULL,
    ons_2021_label  VARCHAR,
    sort_order      INTEGER NOT NULL
);

CREATE TABLE schools (
    school_id    SMALLINT PRIMARY KEY,
    school_name  VARCHAR NOT NULL,
    phase        VARCHAR NOT NULL          -- Primary / Secondary
);

CREATE TABLE children (
    child_id        BIGINT PRIMARY KEY,
    sex             VARCHAR NOT NULL,      -- Female / Male
    ethnicity_code  VARCHAR NOT NULL,
    birth_date      DATE NOT NULL,
    record_key      SMALLINT NOT NULL      -- 0-255, fixed random key for disclosure control
);

CREATE TABLE child_year (
    child_id             BIGINT NOT NULL,
    period               VARCHAR NOT NULL,   -- academic year, e.g. 2019/20
    period_start         SMALLINT NOT NULL,  -- 2019 for 2019/20
    age                  TINYINT NOT NULL,   -- age on 31 August at the start of the period
    on_roll              BOOLEAN NOT NULL,
    school_id            SMALLINT,
    fsm                  BOOLEAN NOT NULL,
    sen                  VARCHAR NOT NULL,   -- No SEN / SEN support / EHCP
    cin                  BOOLEAN NOT NULL,
    cpp                  BOOLEAN NOT NULL,
    looked_after         BOOLEAN NOT NULL,
    camhs                BOOLEAN NOT NULL,
    absence_pct          DOUBLE,
    persistent_absence   BOOLEAN,
    suspensions          SMALLINT,
    permanent_exclusion  BOOLEAN,
    excluded_ever        BOOLEAN NOT NULL,
    ks4_attainment8      DOUBLE,
    ks4_basics           BOOLEAN,
    neet                 BOOLEAN,
    proven_offence       BOOLEAN,
    first_time_entrant   BOOLEAN,
    offence_prev_year    BOOLEAN,
    remand               BOOLEAN,
    custody              BOOLEAN,
    concern_gangs        BOOLEAN,
    concern_cce          BOOLEAN,
    concern_syv          BOOLEAN,
    concern_cse          BOOLEAN
);

-- The synthetic generator's true effects (absent from imported data): per outcome, period
-- and ethnicity-by-sex cell, the expected number of children with the outcome, and the
-- number expected with the White British offset of the same sex but the children's own
-- circumstances. expected / expected_at_reference is the cell's true adjusted rate ratio.
CREATE TABLE generator_truth (
    outcome                VARCHAR NOT NULL,
    period                 VARCHAR NOT NULL,
    ethnicity_code         VARCHAR NOT NULL,
    sex                    VARCHAR NOT NULL,
    children               BIGINT NOT NULL,  -- children in the outcome's drawing pool
    expected               DOUBLE NOT NULL,
    expected_at_reference  DOUBLE NOT NULL
);

CREATE TABLE build_info (
    scale      DOUBLE,
    seed       BIGINT,
    null_borough BOOLEAN,                  -- built with every ethnic and sex effect off
    generator  VARCHAR,
    built_at   TIMESTAMP
);
