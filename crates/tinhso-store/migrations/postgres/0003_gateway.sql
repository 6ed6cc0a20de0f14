-- Data sharing gateway: information systems (consumers with their own API keys), access
-- requests and grants, and the hash-chained, append-only audit log.
CREATE TABLE systems (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    description TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE INDEX systems_agency ON systems(agency_id);

ALTER TABLE api_keys ADD COLUMN system_id BIGINT REFERENCES systems(id);
ALTER TABLE api_keys ADD COLUMN rate_per_minute BIGINT;

-- One row per access request; the owner's decision narrows it into a grant.
-- columns/row_filter/unmasked are JSON documents (arrays, object of column -> values).
CREATE TABLE grants (
    id BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    system_id BIGINT REFERENCES systems(id),
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    columns TEXT NOT NULL,
    row_filter TEXT NOT NULL,
    days BIGINT NOT NULL,
    status TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at BIGINT NOT NULL,
    granted_columns TEXT,
    granted_row_filter TEXT,
    unmasked TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    expires_at BIGINT,
    revoked_by BIGINT REFERENCES users(id),
    revoked_at BIGINT
);
CREATE INDEX grants_dataset ON grants(dataset_id, status);
CREATE INDEX grants_agency ON grants(agency_id, status);

-- seq runs 1, 2, 3…; each entry's hash covers its fields and the previous hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    system_code TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    dataset TEXT NOT NULL,
    version BIGINT,
    columns TEXT NOT NULL,
    row_count BIGINT,
    purpose TEXT NOT NULL,
    grant_id BIGINT,
    detail TEXT NOT NULL,
    latency_us BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_dataset ON audit_log(dataset, at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
