//! Single sign-on records: OpenID Connect clients, signing keys,
//! authorization codes, access and refresh tokens, and consents. Secrets,
//! codes and tokens are stored as SHA-256 hashes only; codes are single-use
//! (marked used in the same statement that checks them).

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, Result};

use crate::credentials::{random_hex, sha256_hex};
use crate::{db_err, is_unique_violation, now, Store};

/// A registered application.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    /// `None`: a public client (PKCE required, no secret).
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub first_party: bool,
    pub home_url: String,
    /// Roles that see it in the portal (empty: every role).
    pub roles: Vec<String>,
    /// Agency codes whose staff see it in the portal (empty: every agency).
    pub agencies: Vec<String>,
    pub system_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

impl OidcClient {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
}

/// What is registered.
#[derive(Debug, Clone, Default)]
pub struct OidcClientInput {
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub first_party: bool,
    pub home_url: String,
    pub roles: Vec<String>,
    pub agencies: Vec<String>,
    pub system_id: Option<i64>,
}

const CLIENT_SELECT: &str = "SELECT id, client_id, name, secret_hash, redirect_uris, post_logout_uris, scopes, \
     first_party, home_url, roles, agencies, system_id, created_by, created_at, disabled_at FROM oidc_clients";

fn list(r: &AnyRow, col: &str) -> Result<Vec<String>> {
    let text: String = r.try_get(col).map_err(db_err)?;
    serde_json_list(&text)
}

fn serde_json_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(Error::internal)
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).expect("a list of strings is JSON")
}

fn client_from(r: &AnyRow) -> Result<OidcClient> {
    Ok(OidcClient {
        id: r.try_get("id").map_err(db_err)?,
        client_id: r.try_get("client_id").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        secret_hash: r.try_get("secret_hash").map_err(db_err)?,
        redirect_uris: list(r, "redirect_uris")?,
        post_logout_uris: list(r, "post_logout_uris")?,
        scopes: list(r, "scopes")?,
        first_party: r.try_get::<i64, _>("first_party").map_err(db_err)? != 0,
        home_url: r.try_get("home_url").map_err(db_err)?,
        roles: list(r, "roles")?,
        agencies: list(r, "agencies")?,
        system_id: r.try_get("system_id").map_err(db_err)?,
        created_by: r.try_get("created_by").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
        disabled_at: r.try_get("disabled_at").map_err(db_err)?,
    })
}

/// A signing key as stored.
#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: String,
    /// Base64 of the private key's DER.
    pub private_der: String,
    /// The public JWK (JSON).
    pub public_jwk: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// A redeemed authorization code.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: String,
    pub code_challenge: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// The outcome of redeeming a code.
#[derive(Debug, Clone)]
pub enum Redeem {
    Fresh(CodeGrant),
    Reused(CodeGrant),
    Expired,
    Unknown,
}

/// A token row.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub kind: String,
    pub family: String,
    pub client_id: String,
    pub user_id: Option<i64>,
    pub scope: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenRecord {
    pub fn active_at(&self, t: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > t
    }
}

fn token_from(r: &AnyRow) -> Result<TokenRecord> {
    Ok(TokenRecord {
        kind: r.try_get("kind").map_err(db_err)?,
        family: r.try_get("family").map_err(db_err)?,
        client_id: r.try_get("client_id").map_err(db_err)?,
        user_id: r.try_get("user_id").map_err(db_err)?,
        scope: r.try_get("scope").map_err(db_err)?,
        auth_time: r.try_get("auth_time").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
        expires_at: r.try_get("expires_at").map_err(db_err)?,
        used_at: r.try_get("used_at").map_err(db_err)?,
        revoked_at: r.try_get("revoked_at").map_err(db_err)?,
    })
}

impl Store {
    /// Registers a client; returns it and, for a confidential client, its secret (shown once).
    pub async fn create_oidc_client(
        &self,
        input: &OidcClientInput,
        created_by: Option<i64>,
    ) -> Result<(OidcClient, Option<String>)> {
        let name = tinhso_domain::text::nfc(&input.name);
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::invalid(
                "name",
                "Tên ứng dụng không được để trống, tối đa 200 ký tự.",
                "The application name must not be empty, 200 characters at most.",
            ));
        }
        if input.redirect_uris.is_empty() {
            return Err(Error::invalid(
                "redirect_uri",
                "Cần ít nhất một địa chỉ chuyển hướng (redirect URI).",
                "At least one redirect URI is needed.",
            ));
        }
        for u in input.redirect_uris.iter().chain(&input.post_logout_uris) {
            check_uri(u)?;
        }
        let client_id = format!("tsc_{}", random_hex(12));
        let secret = (!input.public).then(|| random_hex(32));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris, post_logout_uris, scopes, \
             first_party, home_url, roles, agencies, system_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(client_id.clone())
        .bind(name)
        .bind(secret.as_deref().map(sha256_hex))
        .bind(json_list(&input.redirect_uris))
        .bind(json_list(&input.post_logout_uris))
        .bind(json_list(&input.scopes))
        .bind(i64::from(input.first_party))
        .bind(input.home_url.clone())
        .bind(json_list(&input.roles))
        .bind(json_list(&input.agencies))
        .bind(input.system_id)
        .bind(created_by)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let c = self.oidc_client_by_id(id).await?;
        Ok((c, secret))
    }

    async fn oidc_client_by_id(&self, id: i64) -> Result<OidcClient> {
        let r = sqlx::query(&format!("{CLIENT_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        client_from(&r)
    }

    /// An enabled client by its public id.
    pub async fn oidc_client(&self, client_id: &str) -> Result<Option<OidcClient>> {
        let r = sqlx::query(&format!("{CLIENT_SELECT} WHERE client_id = $1 AND disabled_at IS NULL"))
            .bind(client_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        r.as_ref().map(client_from).transpose()
    }

    pub async fn oidc_clients(&self) -> Result<Vec<OidcClient>> {
        let rows = sqlx::query(&format!("{CLIENT_SELECT} WHERE disabled_at IS NULL ORDER BY name"))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(client_from).collect()
    }

    // ---- keys ----

    pub async fn insert_signing_key(&self, k: &SigningKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_keys (kid, alg, private_der, public_jwk, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(k.kid.clone())
        .bind(k.alg.clone())
        .bind(k.private_der.clone())
        .bind(k.public_jwk.clone())
        .bind(k.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Retires every current key (a new one is inserted next); retired keys stay published until their tokens expire.
    pub async fn retire_signing_keys(&self, at: i64) -> Result<()> {
        sqlx::query("UPDATE oidc_keys SET retired_at = $1 WHERE retired_at IS NULL")
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Keys newest first, including retired ones.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>> {
        let rows = sqlx::query(
            "SELECT kid, alg, private_der, public_jwk, created_at, retired_at FROM oidc_keys ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, created_at DESC, kid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(SigningKey {
                    kid: r.try_get("kid").map_err(db_err)?,
                    alg: r.try_get("alg").map_err(db_err)?,
                    private_der: r.try_get("private_der").map_err(db_err)?,
                    public_jwk: r.try_get("public_jwk").map_err(db_err)?,
                    created_at: r.try_get("created_at").map_err(db_err)?,
                    retired_at: r.try_get("retired_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    // ---- codes ----

    pub async fn insert_code(&self, code: &str, g: &CodeGrant) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_codes (code_hash, client_id, user_id, redirect_uri, scope, nonce, code_challenge, \
             auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(sha256_hex(code))
        .bind(g.client_id.clone())
        .bind(g.user_id)
        .bind(g.redirect_uri.clone())
        .bind(g.scope.clone())
        .bind(g.nonce.clone())
        .bind(g.code_challenge.clone())
        .bind(g.auth_time)
        .bind(now())
        .bind(g.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Redeems a code once. Tokens issued from a code carry its hash as their
    /// family, so a replayed code can revoke them (`Redeem::Reused`).
    pub async fn redeem_code(&self, code: &str) -> Result<Redeem> {
        let hash = sha256_hex(code);
        let t = now();
        let done = sqlx::query("UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL")
            .bind(t)
            .bind(hash.clone())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        let r = sqlx::query(
            "SELECT client_id, user_id, redirect_uri, scope, nonce, code_challenge, auth_time, expires_at \
             FROM oidc_codes WHERE code_hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = r else { return Ok(Redeem::Unknown) };
        let g = CodeGrant {
            client_id: r.try_get("client_id").map_err(db_err)?,
            user_id: r.try_get("user_id").map_err(db_err)?,
            redirect_uri: r.try_get("redirect_uri").map_err(db_err)?,
            scope: r.try_get("scope").map_err(db_err)?,
            nonce: r.try_get("nonce").map_err(db_err)?,
            code_challenge: r.try_get("code_challenge").map_err(db_err)?,
            auth_time: r.try_get("auth_time").map_err(db_err)?,
            expires_at: r.try_get("expires_at").map_err(db_err)?,
        };
        if done.rows_affected() == 0 {
            return Ok(Redeem::Reused(g));
        }
        if g.expires_at <= t {
            return Ok(Redeem::Expired);
        }
        Ok(Redeem::Fresh(g))
    }

    // ---- tokens ----

    /// Stores a token (its hash); returns nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_token(
        &self,
        token: &str,
        kind: &str,
        family: &str,
        client_id: &str,
        user_id: Option<i64>,
        scope: &str,
        auth_time: i64,
        expires_at: i64,
    ) -> Result<()> {
        let res = sqlx::query(
            "INSERT INTO oidc_tokens (token_hash, kind, family, client_id, user_id, scope, auth_time, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(sha256_hex(token))
        .bind(kind.to_string())
        .bind(family.to_string())
        .bind(client_id.to_string())
        .bind(user_id)
        .bind(scope.to_string())
        .bind(auth_time)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::internal("token collision")),
            Err(e) => Err(db_err(e)),
        }
    }

    pub async fn token(&self, token: &str) -> Result<Option<TokenRecord>> {
        let r = sqlx::query(
            "SELECT kind, family, client_id, user_id, scope, auth_time, created_at, expires_at, used_at, revoked_at \
             FROM oidc_tokens WHERE token_hash = $1",
        )
        .bind(sha256_hex(token))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        r.as_ref().map(token_from).transpose()
    }

    /// Marks a refresh token used; `false` when it had been used already (reuse).
    pub async fn use_refresh_token(&self, token: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE oidc_tokens SET used_at = $1 WHERE token_hash = $2 AND kind = 'refresh' AND used_at IS NULL",
        )
        .bind(now())
        .bind(sha256_hex(token))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    /// Revokes every token of a family (a refresh-token reuse, a replayed code, a logout).
    pub async fn revoke_family(&self, family: &str) -> Result<u64> {
        let done = sqlx::query("UPDATE oidc_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(family.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    /// Revokes one token (RFC 7009).
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        sqlx::query("UPDATE oidc_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(sha256_hex(token))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Revokes all of a user's tokens for a client (RP-initiated logout).
    pub async fn revoke_user_tokens(&self, user_id: i64, client_id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE oidc_tokens SET revoked_at = $1 WHERE user_id = $2 AND client_id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(user_id)
        .bind(client_id.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    // ---- consents ----

    pub async fn consent(&self, user_id: i64, client_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT scope FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    pub async fn save_consent(&self, user_id: i64, client_id: &str, scope: &str) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO oidc_consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(client_id.to_string())
            .bind(scope.to_string())
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

/// Redirect URIs: absolute http(s) URLs without fragments; plain http only for loopback hosts.
pub fn check_uri(u: &str) -> Result<()> {
    let bad = || {
        Error::invalid(
            "redirect_uri",
            format!("Địa chỉ «{u}» không hợp lệ: cần URL tuyệt đối https (http chỉ cho localhost), không có #."),
            format!("«{u}» is invalid: an absolute https URL is needed (http only for localhost), without #."),
        )
    };
    let rest = if let Some(r) = u.strip_prefix("https://") {
        r
    } else if let Some(r) = u.strip_prefix("http://") {
        let host = r.split(['/', ':', '?']).next().unwrap_or("");
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(bad());
        }
        r
    } else {
        return Err(bad());
    };
    if rest.is_empty() || u.contains('#') || u.chars().any(char::is_whitespace) || u.len() > 2000 {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip() {
        let v = vec!["https://a.vn/cb?x=\"1\"".to_string(), "b\\c".to_string()];
        assert_eq!(serde_json_list(&json_list(&v)).unwrap(), v);
        assert!(serde_json_list("[]").unwrap().is_empty());
    }

    #[test]
    fn redirect_uris_are_checked() {
        assert!(check_uri("https://app.gialai.gov.vn/callback").is_ok());
        assert!(check_uri("http://127.0.0.1:5000/cb").is_ok());
        assert!(check_uri("http://localhost/cb").is_ok());
        assert!(check_uri("http://evil.example/cb").is_err());
        assert!(check_uri("https://a.vn/cb#x").is_err());
        assert!(check_uri("javascript:alert(1)").is_err());
        assert!(check_uri("https://").is_err());
    }
}
