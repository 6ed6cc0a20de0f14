-- Warehouse catalogue: datasets and their ingests (one row per upload, committed or refused).
-- The table data itself lives in Delta tables under data_dir/warehouse/<slug>; `definition` and
-- `report` are JSON documents owned by the warehouse crate.
CREATE TABLE datasets (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    zone TEXT NOT NULL,
    owner_agency_id BIGINT NOT NULL REFERENCES agencies(id),
    sector TEXT NOT NULL DEFAULT '',
    frequency TEXT NOT NULL,
    definition TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX datasets_owner ON datasets(owner_agency_id);

CREATE TABLE dataset_ingests (
    id BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    version BIGINT,
    status TEXT NOT NULL,
    mode TEXT NOT NULL,
    file_name TEXT NOT NULL,
    encoding TEXT NOT NULL DEFAULT '',
    rows_read BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    correct BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    clean BIGINT NOT NULL,
    report TEXT NOT NULL,
    rejects_file TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX dataset_ingests_dataset ON dataset_ingests(dataset_id, id);
CREATE UNIQUE INDEX dataset_ingests_version ON dataset_ingests(dataset_id, version);
