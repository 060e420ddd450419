-- Where the slices of cube_masks are collected before they are merged.
CREATE OR REPLACE TEMP TABLE cube_masks_parts (
    {fixed_types},
    pair      SMALLINT,
    mx        BIGINT,
    my        BIGINT,
    children  INTEGER,
    keys      SMALLINT
)
