-- IT projects and their appraisal: the workflow (JSON owned by tinhso-dx), projects at a
-- step, every transition and comment, documents, the province's yearly DX capital plan,
-- allocations to projects, disbursements, and the notices already sent about a project.
CREATE TABLE dx_workflow (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    definition TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

-- tasks: JSON array of plan task ids; datasets: JSON array of dataset slugs.
CREATE TABLE dx_projects (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    owner_agency_id BIGINT NOT NULL REFERENCES agencies(id),
    group_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    requested BIGINT NOT NULL,
    funding_source TEXT NOT NULL DEFAULT '',
    tasks TEXT NOT NULL DEFAULT '[]',
    datasets TEXT NOT NULL DEFAULT '[]',
    step TEXT NOT NULL,
    step_name TEXT NOT NULL,
    step_entered_at BIGINT NOT NULL,
    step_due_on TEXT,
    status TEXT NOT NULL,
    returns BIGINT NOT NULL DEFAULT 0,
    decision TEXT NOT NULL DEFAULT '',
    approved_on TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX dx_projects_year ON dx_projects (year, step);

-- action: create, advance, return, approve, reject, comment; missing: JSON array of checklist items.
CREATE TABLE dx_project_events (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES dx_projects(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_step TEXT NOT NULL DEFAULT '',
    to_step TEXT NOT NULL DEFAULT '',
    by_user BIGINT REFERENCES users(id),
    username TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    missing TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX dx_project_events_project ON dx_project_events (project_id, id);

CREATE TABLE dx_project_documents (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES dx_projects(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    step TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX dx_project_documents_project ON dx_project_documents (project_id);

-- The province's DX capital plan for a year (đồng).
CREATE TABLE dx_budget_plans (
    year BIGINT PRIMARY KEY,
    amount BIGINT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

CREATE TABLE dx_allocations (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES dx_projects(id),
    year BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX dx_allocations_year ON dx_allocations (year, project_id);

CREATE TABLE dx_disbursements (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES dx_projects(id),
    year BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    amount BIGINT NOT NULL,
    voucher TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX dx_disbursements_year ON dx_disbursements (year, project_id);

-- A notice (stalled, returned twice, low disbursement) is sent once per key.
CREATE TABLE dx_project_notices (
    project_id BIGINT NOT NULL REFERENCES dx_projects(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    notice_key TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (project_id, reason, notice_key)
);
