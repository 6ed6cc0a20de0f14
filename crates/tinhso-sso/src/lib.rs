//! tinhso as an OpenID Connect provider: the province's single sign-on.
//!
//! Authorization code flow with PKCE (S256; required for public clients),
//! refresh tokens rotated on every use (reusing a rotated one revokes the
//! whole family), client credentials for information systems, userinfo,
//! revocation (RFC 7009), introspection (RFC 7662), and ID tokens signed
//! with RS256 by keys that rotate (a retired key stays in the JWKS until the
//! tokens it signed have expired). Access and refresh tokens are opaque
//! random strings stored as hashes; codes live 60 seconds and are single-use.
//!
//! This crate knows no HTTP: the web layer turns requests into calls here
//! and [`OAuthError`]s into RFC 6749 error responses.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tinhso_domain::Role;
use tinhso_store::credentials::{random_hex, same, sha256_hex};
use tinhso_store::{CodeGrant, OidcClient, Redeem, SigningKey, Store, User};

/// Lifetimes, in seconds.
pub const CODE_TTL: i64 = 60;
pub const ACCESS_TTL: i64 = 600;
pub const ID_TTL: i64 = 600;
pub const REFRESH_TTL: i64 = 30 * 86_400;

/// Scopes tinhso knows.
pub const SCOPES: [&str; 5] = ["openid", "profile", "email", "offline_access", "gateway"];

/// An OAuth 2.0 / OIDC error: the `error` code, the HTTP status and a bilingual description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub vi: String,
    pub en: String,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, vi: impl Into<String>, en: impl Into<String>) -> OAuthError {
        OAuthError { status, error, vi: vi.into(), en: en.into() }
    }
    fn grant(vi: &str, en: &str) -> OAuthError {
        OAuthError::new(400, "invalid_grant", vi, en)
    }
    fn client() -> OAuthError {
        OAuthError::new(
            401,
            "invalid_client",
            "Ứng dụng không xác thực được (client_id hoặc client_secret sai).",
            "Client authentication failed (wrong client_id or client_secret).",
        )
    }
    fn request(vi: impl Into<String>, en: impl Into<String>) -> OAuthError {
        OAuthError::new(400, "invalid_request", vi, en)
    }
    /// The description both ways, as `error_description` carries it.
    pub fn description(&self) -> String {
        format!("{} / {}", self.vi, self.en)
    }
}

impl From<tinhso_domain::Error> for OAuthError {
    fn from(e: tinhso_domain::Error) -> Self {
        OAuthError::new(500, "server_error", e.vi, e.en)
    }
}

pub type OResult<T> = std::result::Result<T, OAuthError>;

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: OidcClient,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
}

/// What `/authorize` was sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
}

/// Where to send an error: to the client's redirect URI when it is known and
/// registered, otherwise shown to the user (never redirect to an unchecked URI).
#[derive(Debug, Clone)]
pub enum AuthFailure {
    Show(OAuthError),
    Redirect { uri: String, state: String, error: OAuthError },
}

/// The token endpoint's answer.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// Claims of an ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_unit: Option<String>,
}

/// The provider: the store and the issuer URL (e.g. `https://sso.gialai.gov.vn`).
#[derive(Clone)]
pub struct Provider {
    store: Store,
    pub issuer: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `BASE64URL(SHA-256(verifier))`, the S256 challenge.
pub fn s256(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

fn now() -> i64 {
    tinhso_store::now()
}

fn has_scope(scope: &str, s: &str) -> bool {
    scope.split_whitespace().any(|x| x == s)
}

impl Provider {
    pub fn new(store: Store, issuer: &str) -> Provider {
        Provider { store, issuer: issuer.trim_end_matches('/').to_string() }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    // ---- keys ----

    /// Makes a new RS256 signing key and retires the current one (it stays
    /// published until the ID tokens it signed have expired).
    pub async fn rotate_key(&self) -> OResult<String> {
        let key = tokio::task::spawn_blocking(|| {
            let mut rng = rand::thread_rng();
            rsa::RsaPrivateKey::new(&mut rng, 2048)
        })
        .await
        .map_err(tinhso_domain::Error::internal)?
        .map_err(tinhso_domain::Error::internal)?;
        let der = key.to_pkcs1_der().map_err(tinhso_domain::Error::internal)?;
        let kid = random_hex(8);
        let jwk = json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be()),
        });
        let t = now();
        self.store.retire_signing_keys(t).await?;
        self.store
            .insert_signing_key(&SigningKey {
                kid: kid.clone(),
                alg: "RS256".into(),
                private_der: base64::engine::general_purpose::STANDARD.encode(der.as_bytes()),
                public_jwk: jwk.to_string(),
                created_at: t,
                retired_at: None,
            })
            .await?;
        tracing::info!(%kid, "OpenID Connect signing key rotated");
        Ok(kid)
    }

    /// The current signing key, made on first use.
    async fn signing_key(&self) -> OResult<SigningKey> {
        let keys = self.store.signing_keys().await?;
        if let Some(k) = keys.into_iter().find(|k| k.retired_at.is_none()) {
            return Ok(k);
        }
        self.rotate_key().await?;
        let keys = self.store.signing_keys().await?;
        keys.into_iter().find(|k| k.retired_at.is_none()).ok_or_else(|| tinhso_domain::Error::internal("no key").into())
    }

    /// The published keys: the current one and retired ones whose tokens may still be valid.
    pub async fn jwks(&self) -> OResult<Value> {
        self.signing_key().await?;
        let t = now();
        let keys: Vec<Value> = self
            .store
            .signing_keys()
            .await?
            .into_iter()
            .filter(|k| k.retired_at.is_none_or(|r| r + ID_TTL + 60 > t))
            .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
            .collect();
        Ok(json!({ "keys": keys }))
    }

    /// Checks an ID token we issued (for `id_token_hint`): RS256 only, one of our keys, our issuer.
    /// `alg: none`, HMAC and unknown keys are refused. Expiry is checked unless `allow_expired`.
    pub async fn verify_id_token(&self, token: &str, allow_expired: bool) -> OResult<IdClaims> {
        let bad = || OAuthError::request("id_token không hợp lệ.", "The id_token is invalid.");
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad())?;
        if header.alg != Algorithm::RS256 {
            return Err(bad());
        }
        let kid = header.kid.ok_or_else(bad)?;
        let key = self.store.signing_keys().await?.into_iter().find(|k| k.kid == kid).ok_or_else(bad)?;
        let jwk: Value = serde_json::from_str(&key.public_jwk).map_err(|_| bad())?;
        let dk = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap_or_default(),
            jwk["e"].as_str().unwrap_or_default(),
        )
        .map_err(|_| bad())?;
        let mut v = Validation::new(Algorithm::RS256);
        v.set_issuer(&[&self.issuer]);
        v.validate_aud = false;
        v.validate_exp = !allow_expired;
        v.leeway = 0;
        let data = jsonwebtoken::decode::<IdClaims>(token, &dk, &v).map_err(|_| bad())?;
        Ok(data.claims)
    }

    async fn sign(&self, claims: &IdClaims) -> OResult<String> {
        let key = self.signing_key().await?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(&key.private_der)
            .map_err(tinhso_domain::Error::internal)?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid);
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&der))
            .map_err(|e| tinhso_domain::Error::internal(e).into())
    }

    // ---- clients ----

    /// Authenticates a client at the token, revocation and introspection
    /// endpoints: confidential clients by secret; public clients by id only.
    pub async fn authenticate_client(&self, client_id: &str, secret: Option<&str>) -> OResult<OidcClient> {
        let client = self.store.oidc_client(client_id).await?.ok_or_else(OAuthError::client)?;
        match (&client.secret_hash, secret) {
            (None, None) => Ok(client),
            (None, Some(_)) => Err(OAuthError::client()),
            (Some(h), Some(s)) if same(h, &sha256_hex(s)) => Ok(client),
            _ => Err(OAuthError::client()),
        }
    }

    // ---- authorization ----

    /// Validates an authorization request (before the user is asked anything).
    pub async fn check_authorize(&self, p: &AuthParams) -> std::result::Result<AuthRequest, AuthFailure> {
        let show = |e: OAuthError| AuthFailure::Show(e);
        let client_id = p
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| show(OAuthError::request("Thiếu client_id.", "client_id is missing.")))?;
        let client = self.store.oidc_client(client_id).await.map_err(|e| show(e.into()))?.ok_or_else(|| {
            show(OAuthError::new(
                400,
                "invalid_client",
                format!("Không có ứng dụng «{client_id}»."),
                format!("There is no application «{client_id}»."),
            ))
        })?;
        let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
        if !client.redirect_uris.contains(&redirect_uri) {
            // Exact match only; never redirect to an unregistered address.
            return Err(show(OAuthError::request(
                format!("redirect_uri «{redirect_uri}» chưa được đăng ký cho ứng dụng này."),
                format!("redirect_uri «{redirect_uri}» is not registered for this application."),
            )));
        }
        let state = p.state.clone().unwrap_or_default();
        let back = |e: OAuthError| AuthFailure::Redirect { uri: redirect_uri.clone(), state: state.clone(), error: e };
        if p.response_type.as_deref() != Some("code") {
            return Err(back(OAuthError::new(
                400,
                "unsupported_response_type",
                "Chỉ hỗ trợ response_type=code.",
                "Only response_type=code is supported.",
            )));
        }
        let scope = p.scope.clone().unwrap_or_default();
        if !has_scope(&scope, "openid") {
            return Err(back(OAuthError::new(
                400,
                "invalid_scope",
                "Phạm vi phải có openid.",
                "The scope must include openid.",
            )));
        }
        for s in scope.split_whitespace() {
            if !client.scopes.iter().any(|c| c == s) {
                return Err(back(OAuthError::new(
                    400,
                    "invalid_scope",
                    format!("Ứng dụng không được cấp phạm vi «{s}»."),
                    format!("The application may not ask for scope «{s}»."),
                )));
            }
        }
        let challenge = p.code_challenge.clone().unwrap_or_default();
        match (challenge.is_empty(), p.code_challenge_method.as_deref()) {
            (true, _) if client.is_public() => {
                return Err(back(OAuthError::request(
                    "Ứng dụng công khai phải dùng PKCE (code_challenge, S256).",
                    "Public applications must use PKCE (code_challenge, S256).",
                )))
            }
            (false, Some("S256")) if challenge.len() == 43 => {}
            (false, _) => {
                return Err(back(OAuthError::request(
                    "Chỉ hỗ trợ code_challenge_method=S256 với mã thách thức 43 ký tự.",
                    "Only code_challenge_method=S256 with a 43-character challenge is supported.",
                )))
            }
            (true, _) => {}
        }
        let nonce = p.nonce.clone().unwrap_or_default();
        if nonce.len() > 500 || state.len() > 2000 {
            return Err(back(OAuthError::request("state hoặc nonce quá dài.", "state or nonce is too long.")));
        }
        Ok(AuthRequest { client, redirect_uri, scope, state, nonce, code_challenge: challenge })
    }

    /// Does the user still have to consent to this application and scope?
    pub async fn needs_consent(&self, user: &User, req: &AuthRequest) -> OResult<bool> {
        if req.client.first_party {
            return Ok(false);
        }
        let given = self.store.consent(user.id, &req.client.client_id).await?;
        Ok(!given.is_some_and(|g| req.scope.split_whitespace().all(|s| has_scope(&g, s))))
    }

    pub async fn save_consent(&self, user: &User, req: &AuthRequest) -> OResult<()> {
        Ok(self.store.save_consent(user.id, &req.client.client_id, &req.scope).await?)
    }

    /// Issues a code for the logged-in user; returns the redirect URL.
    pub async fn issue_code(&self, user: &User, req: &AuthRequest, auth_time: i64) -> OResult<String> {
        let code = random_hex(32);
        self.store
            .insert_code(
                &code,
                &CodeGrant {
                    client_id: req.client.client_id.clone(),
                    user_id: user.id,
                    redirect_uri: req.redirect_uri.clone(),
                    scope: req.scope.clone(),
                    nonce: req.nonce.clone(),
                    code_challenge: req.code_challenge.clone(),
                    auth_time,
                    expires_at: now() + CODE_TTL,
                },
            )
            .await?;
        let mut params = vec![("code", code.as_str())];
        if !req.state.is_empty() {
            params.push(("state", req.state.as_str()));
        }
        params.push(("iss", self.issuer.as_str()));
        Ok(with_query(&req.redirect_uri, &params))
    }

    // ---- tokens ----

    /// `grant_type=authorization_code`.
    pub async fn exchange_code(
        &self,
        client: &OidcClient,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> OResult<TokenResponse> {
        let g = match self.store.redeem_code(code).await? {
            Redeem::Fresh(g) => g,
            Redeem::Reused(_) => {
                // A replayed code: revoke what the first exchange issued.
                let n = self.store.revoke_family(&sha256_hex(code)).await?;
                tracing::warn!(client = %client.client_id, revoked = n, "authorization code reused");
                return Err(OAuthError::grant(
                    "Mã cấp quyền đã được dùng; các mã truy cập cấp từ nó đã bị thu hồi.",
                    "The authorization code was already used; the tokens issued from it are revoked.",
                ));
            }
            Redeem::Expired => {
                return Err(OAuthError::grant("Mã cấp quyền đã hết hạn.", "The authorization code expired."))
            }
            Redeem::Unknown => {
                return Err(OAuthError::grant("Mã cấp quyền không hợp lệ.", "The authorization code is invalid."))
            }
        };
        if g.client_id != client.client_id {
            return Err(OAuthError::grant(
                "Mã cấp quyền thuộc ứng dụng khác.",
                "The code was issued to another client.",
            ));
        }
        if g.redirect_uri != redirect_uri {
            return Err(OAuthError::grant(
                "redirect_uri không khớp với lúc cấp mã.",
                "redirect_uri does not match the authorization request.",
            ));
        }
        if !g.code_challenge.is_empty() {
            let ok = verifier.is_some_and(|v| (43..=128).contains(&v.len()) && same(&s256(v), &g.code_challenge));
            if !ok {
                return Err(OAuthError::grant(
                    "code_verifier không khớp (PKCE).",
                    "The code_verifier does not match (PKCE).",
                ));
            }
        } else if verifier.is_some() {
            return Err(OAuthError::grant(
                "Không có PKCE lúc cấp mã nhưng lại gửi code_verifier.",
                "A code_verifier was sent but the request had no PKCE.",
            ));
        }
        let user = self.store.user(g.user_id).await?;
        if !user.active {
            return Err(OAuthError::grant("Tài khoản đã bị khoá.", "The account is disabled."));
        }
        self.tokens(client, &user, &g.scope, &g.nonce, g.auth_time, &sha256_hex(code)).await
    }

    async fn tokens(
        &self,
        client: &OidcClient,
        user: &User,
        scope: &str,
        nonce: &str,
        auth_time: i64,
        family: &str,
    ) -> OResult<TokenResponse> {
        let access = random_hex(32);
        let t = now();
        self.store
            .insert_token(&access, "access", family, &client.client_id, Some(user.id), scope, auth_time, t + ACCESS_TTL)
            .await?;
        let refresh = if has_scope(scope, "offline_access") || !client.is_public() {
            let r = random_hex(32);
            self.store
                .insert_token(
                    &r,
                    "refresh",
                    family,
                    &client.client_id,
                    Some(user.id),
                    scope,
                    auth_time,
                    t + REFRESH_TTL,
                )
                .await?;
            Some(r)
        } else {
            None
        };
        let id_token = if has_scope(scope, "openid") {
            let mut claims = self.user_claims(user, scope).await?;
            claims.aud = client.client_id.clone();
            claims.nonce = nonce.to_string();
            claims.auth_time = auth_time;
            Some(self.sign(&claims).await?)
        } else {
            None
        };
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: ACCESS_TTL,
            scope: scope.to_string(),
            refresh_token: refresh,
            id_token,
        })
    }

    /// `grant_type=refresh_token`: rotates the token; reuse of a rotated one revokes the family.
    pub async fn refresh(&self, client: &OidcClient, token: &str) -> OResult<TokenResponse> {
        let invalid = || OAuthError::grant("Mã làm mới không hợp lệ.", "The refresh token is invalid.");
        let rec = self.store.token(token).await?.filter(|r| r.kind == "refresh").ok_or_else(invalid)?;
        if rec.client_id != client.client_id {
            return Err(invalid());
        }
        if !rec.active_at(now()) {
            return Err(OAuthError::grant(
                "Mã làm mới đã hết hạn hoặc bị thu hồi.",
                "The refresh token expired or was revoked.",
            ));
        }
        if !self.store.use_refresh_token(token).await? {
            let n = self.store.revoke_family(&rec.family).await?;
            tracing::warn!(client = %client.client_id, revoked = n, "refresh token reused: family revoked");
            return Err(OAuthError::grant(
                "Mã làm mới đã được dùng trước đó; toàn bộ phiên của ứng dụng đã bị thu hồi.",
                "The refresh token was already used; the whole session for this application is revoked.",
            ));
        }
        let user_id = rec.user_id.ok_or_else(invalid)?;
        let user = self.store.user(user_id).await?;
        if !user.active {
            return Err(OAuthError::grant("Tài khoản đã bị khoá.", "The account is disabled."));
        }
        self.tokens(client, &user, &rec.scope, "", rec.auth_time, &rec.family).await
    }

    /// `grant_type=client_credentials`: confidential clients only; no user, no ID token.
    pub async fn client_credentials(&self, client: &OidcClient, scope: Option<&str>) -> OResult<TokenResponse> {
        if client.is_public() {
            return Err(OAuthError::new(
                400,
                "unauthorized_client",
                "Ứng dụng công khai không dùng được client_credentials.",
                "Public applications cannot use client_credentials.",
            ));
        }
        let scope = scope.unwrap_or("gateway").to_string();
        for s in scope.split_whitespace() {
            if s == "openid" || s == "offline_access" || !client.scopes.iter().any(|c| c == s) {
                return Err(OAuthError::new(
                    400,
                    "invalid_scope",
                    format!("Phạm vi «{s}» không được cấp cho ứng dụng."),
                    format!("Scope «{s}» is not allowed for this application."),
                ));
            }
        }
        let access = random_hex(32);
        let t = now();
        self.store
            .insert_token(&access, "access", &random_hex(16), &client.client_id, None, &scope, t, t + ACCESS_TTL)
            .await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: ACCESS_TTL,
            scope,
            refresh_token: None,
            id_token: None,
        })
    }

    /// The claims for `user` within `scope` (`sub` always).
    pub async fn user_claims(&self, user: &User, scope: &str) -> OResult<IdClaims> {
        let t = now();
        let mut c = IdClaims {
            iss: self.issuer.clone(),
            sub: user.id.to_string(),
            aud: String::new(),
            exp: t + ID_TTL,
            iat: t,
            auth_time: t,
            nonce: String::new(),
            name: None,
            preferred_username: None,
            email: None,
            agency: None,
            roles: None,
            admin_unit: None,
        };
        if has_scope(scope, "profile") {
            c.name = Some(user.full_name.clone());
            c.preferred_username = Some(user.username.clone());
            c.agency = user.agency_code.clone();
            c.roles = Some(vec![user.role.as_str().to_string()]);
            if let Some(id) = user.agency_id {
                c.admin_unit = self.store.agency(id).await?.admin_unit_code;
            }
        }
        if has_scope(scope, "email") {
            c.email = Some(user.email.clone());
        }
        Ok(c)
    }

    /// The user behind an access token (userinfo), if it is active.
    pub async fn userinfo(&self, access_token: &str) -> OResult<Value> {
        let invalid = || {
            OAuthError::new(
                401,
                "invalid_token",
                "Mã truy cập không hợp lệ hoặc đã hết hạn.",
                "The access token is invalid or expired.",
            )
        };
        let rec = self.store.token(access_token).await?.filter(|r| r.kind == "access").ok_or_else(invalid)?;
        if !rec.active_at(now()) {
            return Err(invalid());
        }
        let user = self.store.user(rec.user_id.ok_or_else(invalid)?).await?;
        if !user.active {
            return Err(invalid());
        }
        let c = self.user_claims(&user, &rec.scope).await?;
        let mut v = serde_json::to_value(&c).map_err(tinhso_domain::Error::internal)?;
        if let Value::Object(m) = &mut v {
            for k in ["iss", "aud", "exp", "iat", "auth_time", "nonce"] {
                m.remove(k);
            }
        }
        Ok(v)
    }

    /// RFC 7662 introspection, for the client's own tokens.
    pub async fn introspect(&self, client: &OidcClient, token: &str) -> OResult<Value> {
        let Some(rec) = self.store.token(token).await? else { return Ok(json!({"active": false})) };
        if rec.client_id != client.client_id
            || !rec.active_at(now())
            || (rec.kind == "refresh" && rec.used_at.is_some())
        {
            return Ok(json!({"active": false}));
        }
        let mut v = json!({
            "active": true, "client_id": rec.client_id, "scope": rec.scope, "token_type": if rec.kind == "access" { "Bearer" } else { "refresh_token" },
            "exp": rec.expires_at, "iat": rec.created_at, "iss": self.issuer,
        });
        if let Some(uid) = rec.user_id {
            let u = self.store.user(uid).await?;
            v["sub"] = json!(uid.to_string());
            v["username"] = json!(u.username);
        }
        Ok(v)
    }

    /// RFC 7009: revoking an unknown or foreign token is not an error.
    pub async fn revoke(&self, client: &OidcClient, token: &str) -> OResult<()> {
        if let Some(rec) = self.store.token(token).await? {
            if rec.client_id == client.client_id {
                if rec.kind == "refresh" {
                    self.store.revoke_family(&rec.family).await?;
                } else {
                    self.store.revoke_token(token).await?;
                }
            }
        }
        Ok(())
    }

    /// The client and user behind an access token for the gateway: client
    /// credentials tokens act as the client's information system.
    pub async fn gateway_token(&self, token: &str) -> OResult<(OidcClient, Option<i64>)> {
        let invalid = || {
            OAuthError::new(
                401,
                "invalid_token",
                "Mã truy cập không hợp lệ hoặc đã hết hạn.",
                "The access token is invalid or expired.",
            )
        };
        let rec = self.store.token(token).await?.filter(|r| r.kind == "access").ok_or_else(invalid)?;
        if !rec.active_at(now()) || !has_scope(&rec.scope, "gateway") {
            return Err(invalid());
        }
        let client = self.store.oidc_client(&rec.client_id).await?.ok_or_else(invalid)?;
        Ok((client, rec.user_id))
    }

    /// The applications a user may open from the portal.
    pub async fn portal(&self, user: &User) -> OResult<Vec<OidcClient>> {
        Ok(self
            .store
            .oidc_clients()
            .await?
            .into_iter()
            .filter(|c| !c.home_url.is_empty())
            .filter(|c| c.roles.is_empty() || c.roles.iter().any(|r| r == user.role.as_str()))
            .filter(|c| {
                c.agencies.is_empty()
                    || user.role == Role::SystemAdmin
                    || user.agency_code.as_ref().is_some_and(|a| c.agencies.contains(a))
            })
            .collect())
    }

    /// RP-initiated logout: the post-logout redirect, checked against the client's list.
    pub async fn logout_target(
        &self,
        id_token_hint: Option<&str>,
        client_id: Option<&str>,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> OResult<(Option<IdClaims>, Option<String>)> {
        let claims = match id_token_hint.filter(|h| !h.is_empty()) {
            Some(h) => Some(self.verify_id_token(h, true).await?),
            None => None,
        };
        let client_id = claims.as_ref().map(|c| c.aud.clone()).or(client_id.map(str::to_string));
        // The application's tokens for this user end with the session.
        if let (Some(uid), Some(cid)) = (claims.as_ref().and_then(|c| c.sub.parse::<i64>().ok()), &client_id) {
            self.store.revoke_user_tokens(uid, cid).await?;
        }
        let Some(uri) = post_logout_redirect_uri.filter(|u| !u.is_empty()) else { return Ok((claims, None)) };
        let client = match client_id {
            Some(id) => self.store.oidc_client(&id).await?,
            None => None,
        };
        if !client.is_some_and(|c| c.post_logout_uris.iter().any(|u| u == uri)) {
            return Err(OAuthError::request(
                "post_logout_redirect_uri chưa được đăng ký cho ứng dụng.",
                "post_logout_redirect_uri is not registered for the application.",
            ));
        }
        let params: Vec<(&str, &str)> = state.filter(|s| !s.is_empty()).map(|s| vec![("state", s)]).unwrap_or_default();
        Ok((claims, Some(with_query(uri, &params))))
    }

    /// The discovery document.
    pub fn discovery(&self) -> Value {
        let i = &self.issuer;
        json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/oidc/authorize"),
            "token_endpoint": format!("{i}/oidc/token"),
            "userinfo_endpoint": format!("{i}/oidc/userinfo"),
            "jwks_uri": format!("{i}/oidc/jwks"),
            "end_session_endpoint": format!("{i}/oidc/logout"),
            "revocation_endpoint": format!("{i}/oidc/revoke"),
            "introspection_endpoint": format!("{i}/oidc/introspect"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES,
            "claims_supported": ["sub", "name", "preferred_username", "email", "agency", "roles", "admin_unit", "auth_time", "nonce"],
            "ui_locales_supported": ["vi", "en"],
            "authorization_response_iss_parameter_supported": true,
        })
    }
}

/// `uri` with `params` appended to its query.
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return uri.to_string();
    }
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", q.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn query_is_appended_and_encoded() {
        assert_eq!(
            with_query("https://a.vn/cb", &[("code", "x y"), ("state", "s&t")]),
            "https://a.vn/cb?code=x%20y&state=s%26t"
        );
        assert_eq!(with_query("https://a.vn/cb?k=1", &[("code", "c")]), "https://a.vn/cb?k=1&code=c");
    }
}
