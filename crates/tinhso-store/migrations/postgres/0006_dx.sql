-- DX programme tracker: plans and their tasks in the 10 groups, KPIs with a monthly history,
-- monthly reviews with one report per agency, DTI frameworks, self-assessments and results
-- (the province's own and the national ranking table), other indices (PAPI, PCI, SIPAS) and
-- targets, and evidence files. Documents (framework definitions, report contents, sub-indices)
-- are JSON owned by tinhso-dx; the store keeps them as text.
CREATE TABLE dx_plans (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    agency_id BIGINT REFERENCES agencies(id),
    year_from BIGINT NOT NULL,
    year_to BIGINT NOT NULL,
    issued_on TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- cooperating, datasets, projects: JSON arrays (agency codes, dataset slugs, project names).
CREATE TABLE dx_tasks (
    id BIGSERIAL PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES dx_plans(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    group_code TEXT NOT NULL,
    title TEXT NOT NULL,
    lead_agency_id BIGINT NOT NULL REFERENCES agencies(id),
    cooperating TEXT NOT NULL DEFAULT '[]',
    start_on TEXT,
    due_on TEXT NOT NULL,
    output TEXT NOT NULL DEFAULT '',
    budget BIGINT,
    status TEXT NOT NULL,
    progress BIGINT NOT NULL DEFAULT 0,
    datasets TEXT NOT NULL DEFAULT '[]',
    projects TEXT NOT NULL DEFAULT '[]',
    updated_at BIGINT NOT NULL,
    UNIQUE (plan_id, code)
);
CREATE INDEX dx_tasks_lead ON dx_tasks (lead_agency_id);

CREATE TABLE dx_kpis (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    plan_id BIGINT REFERENCES dx_plans(id) ON DELETE SET NULL,
    group_code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL,
    baseline DOUBLE PRECISION NOT NULL,
    baseline_on TEXT NOT NULL,
    target DOUBLE PRECISION NOT NULL,
    target_on TEXT NOT NULL,
    higher_is_better BIGINT NOT NULL DEFAULT 1,
    method TEXT NOT NULL,
    sql_text TEXT NOT NULL DEFAULT '',
    agency_id BIGINT REFERENCES agencies(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE dx_kpi_values (
    kpi_id BIGINT NOT NULL REFERENCES dx_kpis(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users(id),
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (kpi_id, month)
);

CREATE TABLE dx_reviews (
    id BIGSERIAL PRIMARY KEY,
    month TEXT NOT NULL UNIQUE,
    opened_at BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    meeting_on TEXT,
    closed_at BIGINT,
    closed_by BIGINT REFERENCES users(id)
);

-- content: JSON {items: [{task_id, progress, result, obstacles, proposals}], obstacles, proposals}.
CREATE TABLE dx_review_reports (
    review_id BIGINT NOT NULL REFERENCES dx_reviews(id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '{}',
    submitted_at BIGINT,
    submitted_by BIGINT REFERENCES users(id),
    late BIGINT NOT NULL DEFAULT 0,
    reminded_at BIGINT,
    PRIMARY KEY (review_id, agency_id)
);

-- definition: JSON (indices with points and components).
CREATE TABLE dti_frameworks (
    code TEXT PRIMARY KEY,
    first_year BIGINT NOT NULL,
    definition TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

CREATE TABLE dti_assessments (
    year BIGINT NOT NULL,
    indicator TEXT NOT NULL,
    framework TEXT NOT NULL REFERENCES dti_frameworks(code),
    value DOUBLE PRECISION NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    assessed_by BIGINT REFERENCES users(id),
    assessed_at BIGINT NOT NULL,
    PRIMARY KEY (year, indicator)
);

-- The province's own official results for an index (DTI, PAPI, PCI, SIPAS) by year.
-- sub_indices: JSON object {index code: value}.
CREATE TABLE dx_index_results (
    index_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    score DOUBLE PRECISION,
    rank BIGINT,
    of_count BIGINT,
    sub_indices TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users(id),
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (index_code, year)
);

CREATE TABLE dx_index_targets (
    index_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    rank_target BIGINT,
    score_target DOUBLE PRECISION,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (index_code, year)
);

-- The national DTI ranking table as published (one row per province, names as printed).
CREATE TABLE dti_rankings (
    year BIGINT NOT NULL,
    province TEXT NOT NULL,
    rank BIGINT NOT NULL,
    score DOUBLE PRECISION,
    sub_indices TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT '',
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (year, province)
);

-- Evidence files of a self-assessment.
CREATE TABLE dx_attachments (
    id BIGSERIAL PRIMARY KEY,
    year BIGINT NOT NULL,
    indicator TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX dx_attachments_indicator ON dx_attachments (year, indicator);
