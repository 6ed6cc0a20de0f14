-- IOC dashboards: definitions (JSON documents owned by tinhso-ioc) with every saved
-- version kept; alert rules on panel values, their history, and in-app notifications.
CREATE TABLE dashboards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL
);

CREATE TABLE dashboard_versions (
    dashboard_id INTEGER NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    saved_by INTEGER REFERENCES users(id),
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (dashboard_id, version)
);

-- A rule compares a column of a panel's rows with a threshold; any row breaking it fires.
-- filters: JSON object of the panel filters; emails: JSON array of addresses.
CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    dashboard_slug TEXT NOT NULL,
    panel_id TEXT NOT NULL,
    column_name TEXT NOT NULL,
    op TEXT NOT NULL,
    threshold REAL NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    in_app INTEGER NOT NULL DEFAULT 1,
    emails TEXT NOT NULL DEFAULT '[]',
    webhook TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'unknown',
    last_value REAL,
    last_checked_at INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);

-- One row per state change (ok -> firing, firing -> ok, error), with what was delivered.
CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    value REAL,
    detail TEXT NOT NULL DEFAULT '',
    deliveries TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX alert_events_rule ON alert_events(rule_id, at);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title_vi TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_vi TEXT NOT NULL DEFAULT '',
    body_en TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);
