-- The catalogue of a user's imported datasets (in the user database, never the synthetic one).
CREATE TABLE IF NOT EXISTS datasets (
    name             VARCHAR PRIMARY KEY,
    kind             VARCHAR NOT NULL,     -- records / aggregate
    source_file      VARCHAR NOT NULL,
    imported_at      TIMESTAMP NOT NULL,
    n_rows           BIGINT NOT NULL,
    group_cols       VARCHAR[],            -- aggregate: the group columns
    outcomes         VARCHAR[],            -- outcomes the data support
    periods          VARCHAR[],
    ethnicity_level  VARCHAR               -- code / major / none
);
