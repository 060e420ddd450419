-- A dataset file's own catalogue row (one file per imported dataset; the store's catalogue
-- is the set of these rows).
CREATE TABLE dataset (
    name             VARCHAR PRIMARY KEY,
    kind             VARCHAR NOT NULL,     -- records / aggregate
    source_file      VARCHAR NOT NULL,
    imported_at      TIMESTAMP NOT NULL,
    n_rows           BIGINT NOT NULL,
    group_cols       VARCHAR[],            -- aggregate: the group columns
    outcomes         VARCHAR[],            -- outcomes the data support
    periods          VARCHAR[],
    ethnicity_level  VARCHAR,              -- code / major / none
    owner            VARCHAR NOT NULL,     -- the importing user's id ("local" in local mode)
    owner_name       VARCHAR NOT NULL
);
