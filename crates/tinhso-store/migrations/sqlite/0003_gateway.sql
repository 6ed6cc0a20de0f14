-- Data sharing gateway: information systems (consumers with their own API keys), access
-- requests and grants, and the hash-chained, append-only audit log.
CREATE TABLE systems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    description TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);
CREATE INDEX systems_agency ON systems(agency_id);

ALTER TABLE api_keys ADD COLUMN system_id INTEGER REFERENCES systems(id);
ALTER TABLE api_keys ADD COLUMN rate_per_minute INTEGER;

-- One row per access request; the owner's decision narrows it into a grant.
-- columns/row_filter/unmasked are JSON documents (arrays, object of column -> values).
CREATE TABLE grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    system_id INTEGER REFERENCES systems(id),
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    columns TEXT NOT NULL,
    row_filter TEXT NOT NULL,
    days INTEGER NOT NULL,
    status TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users(id),
    requested_at INTEGER NOT NULL,
    granted_columns TEXT,
    granted_row_filter TEXT,
    unmasked TEXT,
    decided_by INTEGER REFERENCES users(id),
    decided_at INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    expires_at INTEGER,
    revoked_by INTEGER REFERENCES users(id),
    revoked_at INTEGER
);
CREATE INDEX grants_dataset ON grants(dataset_id, status);
CREATE INDEX grants_agency ON grants(agency_id, status);

-- seq runs 1, 2, 3…; each entry's hash covers its fields and the previous hash.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    system_code TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    dataset TEXT NOT NULL,
    version INTEGER,
    columns TEXT NOT NULL,
    row_count INTEGER,
    purpose TEXT NOT NULL,
    grant_id INTEGER,
    detail TEXT NOT NULL,
    latency_us INTEGER,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_dataset ON audit_log(dataset, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
