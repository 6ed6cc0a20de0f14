-- Single sign-on: OpenID Connect clients, signing keys, authorization codes,
-- access and refresh tokens (only hashes of secrets and tokens are stored), consents.
CREATE TABLE oidc_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- NULL for public clients (PKCE required).
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    post_logout_uris TEXT NOT NULL DEFAULT '[]',
    scopes TEXT NOT NULL,
    first_party INTEGER NOT NULL DEFAULT 0,
    -- The portal: where the application starts, and who may open it (JSON lists; empty = everyone).
    home_url TEXT NOT NULL DEFAULT '',
    roles TEXT NOT NULL DEFAULT '[]',
    agencies TEXT NOT NULL DEFAULT '[]',
    -- Client-credentials tokens act as this information system in the gateway.
    system_id INTEGER REFERENCES systems(id),
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);

CREATE TABLE oidc_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_der TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT NOT NULL DEFAULT '',
    code_challenge TEXT NOT NULL DEFAULT '',
    auth_time INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

-- Access and refresh tokens. A refresh token belongs to a family: using a
-- rotated (already used) one revokes the whole family.
CREATE TABLE oidc_tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    family TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    scope TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX oidc_tokens_family ON oidc_tokens(family);

CREATE TABLE oidc_consents (
    user_id INTEGER NOT NULL REFERENCES users(id),
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
