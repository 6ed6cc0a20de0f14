-- IOC dashboards: definitions (JSON documents owned by tinhso-ioc) with every saved
-- version kept; alert rules on panel values, their history, and in-app notifications.
CREATE TABLE dashboards (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    builtin BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

CREATE TABLE dashboard_versions (
    dashboard_id BIGINT NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    saved_by BIGINT REFERENCES users(id),
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (dashboard_id, version)
);

-- A rule compares a column of a panel's rows with a threshold; any row breaking it fires.
-- filters: JSON object of the panel filters; emails: JSON array of addresses.
CREATE TABLE alert_rules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    dashboard_slug TEXT NOT NULL,
    panel_id TEXT NOT NULL,
    column_name TEXT NOT NULL,
    op TEXT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    in_app BIGINT NOT NULL DEFAULT 1,
    emails TEXT NOT NULL DEFAULT '[]',
    webhook TEXT NOT NULL DEFAULT '',
    enabled BIGINT NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'unknown',
    last_value DOUBLE PRECISION,
    last_checked_at BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);

-- One row per state change (ok -> firing, firing -> ok, error), with what was delivered.
CREATE TABLE alert_events (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    state TEXT NOT NULL,
    value DOUBLE PRECISION,
    detail TEXT NOT NULL DEFAULT '',
    deliveries TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX alert_events_rule ON alert_events(rule_id, at);

CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title_vi TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_vi TEXT NOT NULL DEFAULT '',
    body_en TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);
