//! Login sessions (cookie tokens) and API keys for information systems. Only
//! hashes of tokens and keys are stored; the secrets are shown once.

use sqlx::Row;
use tinhso_domain::{Error, Result, Scope};

use crate::credentials::{random_hex, same, sha256_hex};
use crate::users::User;
use crate::{db_err, now, Store};

/// A live session: the user and the CSRF token bound to it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyAccess {
    Read,
    ReadWrite,
}

impl ApiKeyAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyAccess::Read => "read",
            ApiKeyAccess::ReadWrite => "read_write",
        }
    }
    pub fn parse(s: &str) -> Result<ApiKeyAccess> {
        match s.trim() {
            "read" | "" => Ok(ApiKeyAccess::Read),
            "read_write" | "write" => Ok(ApiKeyAccess::ReadWrite),
            _ => Err(Error::invalid(
                "access",
                format!("Quyền «{s}» không hợp lệ (read hoặc read_write)."),
                format!("Access «{s}» is invalid (read or read_write)."),
            )),
        }
    }
}

/// A stored API key (never its secret).
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: i64,
    pub prefix: String,
    pub user_id: i64,
    pub name: String,
    /// The agency subtree the key is narrowed to; `None` keeps the owner's scope.
    pub agency_id: Option<i64>,
    pub access: ApiKeyAccess,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The information system the key belongs to (it then acts as that system).
    pub system_id: Option<i64>,
    /// Requests per minute allowed; `None` takes the deployment default.
    pub rate_per_minute: Option<i64>,
}

/// The caller behind a valid API key: the owner, the key, and the scope the
/// key allows (never more than the owner's).
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub user: User,
    pub key: ApiKey,
    pub scope: Scope,
    /// The system the key belongs to, if any.
    pub system: Option<crate::gateway::System>,
}

const KEY_PREFIX: &str = "tsk_";

impl Store {
    /// Opens a session for `user_id`, valid `ttl_secs`; returns the cookie token.
    pub async fn create_session(&self, user_id: i64, ttl_secs: i64) -> Result<String> {
        let token = random_hex(32);
        let at = now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(sha256_hex(&token))
        .bind(user_id)
        .bind(random_hex(32))
        .bind(at)
        .bind(at + ttl_secs)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        // Expired sessions of anyone are cleared as new ones open.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(at).execute(&self.pool).await.map_err(db_err)?;
        Ok(token)
    }

    /// The session for a cookie token: `Ok(None)` if unknown, an
    /// `Unauthenticated` error saying so if it expired or the user is disabled.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row = sqlx::query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let user_id: i64 = row.try_get("user_id").map_err(db_err)?;
        let expires_at: i64 = row.try_get("expires_at").map_err(db_err)?;
        if expires_at < now() {
            self.delete_session(token).await?;
            return Err(session_expired());
        }
        let user = self.user(user_id).await?;
        if !user.active {
            self.delete_session(token).await?;
            return Err(session_expired());
        }
        Ok(Some(Session { user, csrf_token: row.try_get("csrf_token").map_err(db_err)?, expires_at }))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Ends a session early (for tests and admin tools): sets it to expired.
    pub async fn expire_session(&self, token: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(now() - 1)
            .bind(sha256_hex(token))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Creates an API key for `owner`, optionally narrowed to an agency subtree
    /// inside the owner's scope. Returns the key and its secret, shown once.
    pub async fn create_api_key(
        &self,
        owner: &User,
        name: &str,
        agency_code: Option<&str>,
        access: ApiKeyAccess,
    ) -> Result<(ApiKey, String)> {
        let name = tinhso_domain::text::nfc(name);
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "name",
                "Tên khoá không được để trống, tối đa 100 ký tự.",
                "The key name must not be empty, 100 characters at most.",
            ));
        }
        if !owner.role.is_staff() || !owner.active {
            return Err(Error::forbidden());
        }
        let agency_id = match agency_code.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(code) => {
                let a = self.agency_by_code(code).await?.ok_or_else(|| {
                    Error::invalid(
                        "agency_code",
                        format!("Không có cơ quan mã {code}."),
                        format!("There is no agency with code {code}."),
                    )
                })?;
                if !owner.scope().contains(&a.path) {
                    return Err(Error::forbidden().at("agency_code"));
                }
                Some(a.id)
            }
        };
        let prefix = random_hex(6);
        let secret = random_hex(32);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (prefix, secret_hash, user_id, name, agency_id, access, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(prefix.clone())
        .bind(sha256_hex(&secret))
        .bind(owner.id)
        .bind(name)
        .bind(agency_id)
        .bind(access.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let key = self.api_key(id).await?;
        Ok((key, format!("{KEY_PREFIX}{prefix}_{secret}")))
    }

    async fn api_key(&self, id: i64) -> Result<ApiKey> {
        let r = sqlx::query(
            "SELECT id, prefix, user_id, name, agency_id, access, created_at, last_used_at, revoked_at, system_id, rate_per_minute FROM api_keys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::not_found(format!("Không có khoá API số {id}."), format!("There is no API key number {id}.")))?;
        let access: String = r.try_get("access").map_err(db_err)?;
        Ok(ApiKey {
            id: r.try_get("id").map_err(db_err)?,
            prefix: r.try_get("prefix").map_err(db_err)?,
            user_id: r.try_get("user_id").map_err(db_err)?,
            name: r.try_get("name").map_err(db_err)?,
            agency_id: r.try_get("agency_id").map_err(db_err)?,
            access: ApiKeyAccess::parse(&access)?,
            created_at: r.try_get("created_at").map_err(db_err)?,
            last_used_at: r.try_get("last_used_at").map_err(db_err)?,
            revoked_at: r.try_get("revoked_at").map_err(db_err)?,
            system_id: r.try_get("system_id").map_err(db_err)?,
            rate_per_minute: r.try_get("rate_per_minute").map_err(db_err)?,
        })
    }

    /// The keys a user owns, newest first.
    pub async fn api_keys(&self, user_id: i64) -> Result<Vec<ApiKey>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM api_keys WHERE user_id = $1 ORDER BY id DESC")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.api_key(id).await?);
        }
        Ok(out)
    }

    /// Revokes a key; only its owner or a system admin may. Takes effect at
    /// the next request.
    pub async fn revoke_api_key(&self, caller: &User, id: i64) -> Result<()> {
        let key = self.api_key(id).await?;
        if key.user_id != caller.id && caller.role != tinhso_domain::Role::SystemAdmin {
            return Err(Error::forbidden());
        }
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        self.bump();
        Ok(())
    }

    /// Checks an API key from an `Authorization: Bearer` header. Successful
    /// checks are cached in memory until anything about keys, users, systems
    /// or grants changes in this process (revocation takes effect at the next
    /// request); `last_used_at` is written at most once a minute per key.
    pub async fn authenticate_key(&self, presented: &str) -> Result<KeyCaller> {
        let invalid = || {
            Error::new(
                tinhso_domain::ErrorKind::Unauthenticated,
                "Khoá API không hợp lệ, đã bị thu hồi hoặc chủ khoá đã bị khoá.",
                "The API key is invalid, revoked, or its owner is disabled.",
            )
        };
        let rest = presented.trim().strip_prefix(KEY_PREFIX).ok_or_else(invalid)?;
        let (prefix, secret) = rest.split_once('_').ok_or_else(invalid)?;
        let generation = self.generation();
        let secret_hash = sha256_hex(secret);
        let cached = self.key_cache.lock().expect("key cache").get(prefix).cloned();
        if let Some((g, hash, kc)) = cached {
            if g == generation && same(&hash, &secret_hash) {
                self.touch_key(&kc.key).await?;
                return Ok(kc);
            }
        }
        let row = sqlx::query("SELECT id, secret_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL")
            .bind(prefix.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(invalid)?;
        let hash: String = row.try_get("secret_hash").map_err(db_err)?;
        if !same(&hash, &secret_hash) {
            return Err(invalid());
        }
        let key = self.api_key(row.try_get("id").map_err(db_err)?).await?;
        let user = self.user(key.user_id).await?;
        if !user.active {
            return Err(invalid());
        }
        let system = match key.system_id {
            Some(id) => {
                let s = self.system(id).await?;
                if s.disabled_at.is_some() {
                    return Err(invalid());
                }
                Some(s)
            }
            None => None,
        };
        let scope = match key.agency_id {
            None => user.scope(),
            Some(aid) => {
                let a = self.agency(aid).await?;
                // The owner may since have moved: the key never exceeds them.
                user.scope().narrow_to(a.id, &a.path)
            }
        };
        let kc = KeyCaller { user, key, scope, system };
        self.touch_key(&kc.key).await?;
        {
            let mut cache = self.key_cache.lock().expect("key cache");
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(prefix.to_string(), (generation, hash, kc.clone()));
        }
        Ok(kc)
    }

    /// Records that a key was used (at most once a minute per key).
    async fn touch_key(&self, key: &ApiKey) -> Result<()> {
        let t = now();
        {
            let mut seen = self.key_seen.lock().expect("key seen");
            if seen.get(&key.id).is_some_and(|&last| t - last < 60) {
                return Ok(());
            }
            seen.insert(key.id, t);
        }
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(t)
            .bind(key.id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

fn session_expired() -> Error {
    Error::new(
        tinhso_domain::ErrorKind::Unauthenticated,
        "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
        "Your session has expired. Please log in again.",
    )
}
