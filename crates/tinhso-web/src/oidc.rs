//! OpenID Connect over HTTP: discovery, JWKS, authorize (with the login form
//! and a consent screen), token, userinfo, revocation, introspection,
//! RP-initiated logout, and the portal of applications. The protocol rules
//! live in `tinhso_sso`; this module speaks HTTP and audits logins and tokens.

use askama::Template;
use axum::extract::{FromRequest, OriginalUri, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use tinhso_sso::{AuthFailure, AuthParams, AuthRequest, OAuthError};
use tinhso_store::User;
use tinhso_warehouse::Audit;
use utoipa::ToSchema;

use crate::auth::{actor_of, cookie, PageCaller, L, SESSION_COOKIE};
use crate::openapi::{BadRequest, Forbidden, TooManyRequests, Unauthorized};
use crate::pages::{ctx, error_page, render, Ctx};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize).post(consent_submit))
        .route("/oidc/token", axum::routing::post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo_post))
        .route("/oidc/revoke", axum::routing::post(revoke))
        .route("/oidc/introspect", axum::routing::post(introspect))
        .route("/oidc/logout", get(logout))
        .route("/portal", get(portal))
        .route("/api/v1/oidc/clients", get(list_clients).post(create_client))
}

/// An application registered for single sign-on (an OpenID Connect client).
#[derive(Serialize, ToSchema)]
#[schema(as = OidcClient)]
struct ClientDto {
    /// `tsc_…`
    client_id: String,
    name: String,
    /// A public client (an app in the browser or on a phone): no secret, PKCE required.
    public: bool,
    /// A first-party application: no consent screen.
    first_party: bool,
    redirect_uris: Vec<String>,
    /// Where RP-initiated logout may return.
    post_logout_uris: Vec<String>,
    /// The scopes it may ask for.
    scopes: Vec<String>,
    /// Its address on the portal.
    home_url: String,
    /// Only users with these roles may sign in (empty: any role).
    roles: Vec<String>,
    /// Only users of these agencies (codes) may sign in (empty: any agency).
    agencies: Vec<String>,
    /// Shown once, at registration; only its hash is stored. Absent for public clients and in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, value_type = String)]
    client_secret: Option<String>,
}

fn client_dto(c: &tinhso_store::OidcClient, secret: Option<String>) -> ClientDto {
    ClientDto {
        client_id: c.client_id.clone(),
        name: c.name.clone(),
        public: c.is_public(),
        first_party: c.first_party,
        redirect_uris: c.redirect_uris.clone(),
        post_logout_uris: c.post_logout_uris.clone(),
        scopes: c.scopes.clone(),
        home_url: c.home_url.clone(),
        roles: c.roles.clone(),
        agencies: c.agencies.clone(),
        client_secret: secret,
    }
}

/// A new application.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OidcClientBody)]
struct ClientBody {
    /// 1 to 200 characters.
    name: String,
    /// At least one: `https://…` (or `http://localhost…`), exact match at authorize.
    #[schema(example = json!(["https://app.example.gov.vn/callback"]))]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_uris: Vec<String>,
    /// A public client: no secret, PKCE required.
    #[serde(default)]
    public: bool,
    /// No consent screen.
    #[serde(default)]
    first_party: bool,
    /// `openid`, `profile`, `email`, `offline_access`, `gateway`; the first four by default.
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    home_url: String,
    /// Only users with these roles may sign in.
    #[serde(default)]
    roles: Vec<String>,
    /// Only users of these agencies (codes) may sign in.
    #[serde(default)]
    agencies: Vec<String>,
    /// The information system (code) that `client_credentials` tokens act as, for the gateway.
    #[serde(default)]
    system: Option<String>,
}

fn require_admin(c: &crate::auth::Caller) -> Result<(), tinhso_domain::Error> {
    if c.user.role == tinhso_domain::Role::SystemAdmin && c.system.is_none() {
        Ok(())
    } else {
        Err(tinhso_domain::Error::forbidden())
    }
}

/// Ứng dụng đăng nhập một lần — Applications registered for single sign-on
///
/// System administrators only, not with a system's key.
#[utoipa::path(
    get,
    path = "/api/v1/oidc/clients",
    tag = "sso",
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The applications", body = Vec<ClientDto>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests),
    )
)]
async fn list_clients(
    State(s): State<AppState>,
    c: crate::auth::Caller,
) -> crate::error::ApiResult<Json<Vec<ClientDto>>> {
    require_admin(&c)?;
    Ok(Json(s.store.oidc_clients().await?.iter().map(|x| client_dto(x, None)).collect()))
}

/// Đăng ký ứng dụng — Register an application (system administrators only)
///
/// A confidential client's secret is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/oidc/clients",
    tag = "sso",
    request_body(content = ClientBody, content_type = "application/json"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "The application, with its secret", body = ClientDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests),
    )
)]
async fn create_client(
    State(s): State<AppState>,
    c: crate::auth::Caller,
    body: axum::body::Bytes,
) -> crate::error::ApiResult<(StatusCode, Json<ClientDto>)> {
    require_admin(&c)?;
    c.require_write()?;
    let b: ClientBody = serde_json::from_slice(&body).map_err(|e| {
        tinhso_domain::Error::invalid(
            "body",
            format!("Nội dung JSON không hợp lệ: {e}"),
            format!("Invalid JSON body: {e}"),
        )
    })?;
    let scopes =
        b.scopes.unwrap_or_else(|| ["openid", "profile", "email", "offline_access"].map(String::from).to_vec());
    if let Some(bad) = scopes.iter().find(|x| !tinhso_sso::SCOPES.contains(&x.as_str())) {
        return Err(tinhso_domain::Error::invalid(
            "scopes",
            format!("Phạm vi «{bad}» không hỗ trợ."),
            format!("Scope «{bad}» is not supported."),
        )
        .into());
    }
    for r in &b.roles {
        tinhso_domain::Role::parse(r)?;
    }
    let system_id = match &b.system {
        Some(code) => Some(
            s.store
                .system_by_code(code)
                .await?
                .ok_or_else(|| {
                    tinhso_domain::Error::invalid(
                        "system",
                        format!("Không có hệ thống «{code}»."),
                        format!("There is no system «{code}»."),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let input = tinhso_store::OidcClientInput {
        name: b.name,
        public: b.public,
        redirect_uris: b.redirect_uris,
        post_logout_uris: b.post_logout_uris,
        scopes,
        first_party: b.first_party,
        home_url: b.home_url,
        roles: b.roles,
        agencies: b.agencies,
        system_id,
    };
    let (client, secret) = s.store.create_oidc_client(&input, Some(c.user.id)).await?;
    Ok((StatusCode::CREATED, Json(client_dto(&client, secret))))
}

// ---------------------------------------------------------------- the protocol

/// An OAuth 2.0 error (RFC 6749 §5.2): the endpoints of the protocol answer
/// errors this way, not as problem documents.
#[derive(ToSchema)]
#[allow(dead_code)]
struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `invalid_token`, `slow_down`, `server_error`…
    #[schema(example = "invalid_request")]
    error: String,
    /// What went wrong, in Vietnamese and English.
    error_description: String,
}

/// The provider's metadata (OpenID Connect Discovery 1.0).
#[derive(ToSchema)]
#[allow(dead_code)]
struct OidcDiscovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    response_types_supported: Vec<String>,
    grant_types_supported: Vec<String>,
    subject_types_supported: Vec<String>,
    id_token_signing_alg_values_supported: Vec<String>,
    token_endpoint_auth_methods_supported: Vec<String>,
    code_challenge_methods_supported: Vec<String>,
    scopes_supported: Vec<String>,
    claims_supported: Vec<String>,
    ui_locales_supported: Vec<String>,
    authorization_response_iss_parameter_supported: bool,
}

/// The public keys that sign ID tokens (RFC 7517).
#[derive(ToSchema)]
#[allow(dead_code)]
struct Jwks {
    /// RSA keys (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    #[schema(value_type = Vec<Object>)]
    keys: Vec<serde_json::Value>,
}

/// Tokens (RFC 6749 §5.1).
#[derive(ToSchema)]
#[allow(dead_code)]
struct TokenResponse {
    /// Opaque; send as `Authorization: Bearer …`.
    access_token: String,
    /// `Bearer`.
    token_type: String,
    /// Seconds.
    expires_in: i64,
    /// The scopes granted, space-separated.
    scope: String,
    /// With `offline_access`; single use (rotated at each refresh).
    #[schema(required = false)]
    refresh_token: String,
    /// With `openid`: a JWT signed with RS256 (keys at `/oidc/jwks`).
    #[schema(required = false)]
    id_token: String,
}

/// The signed-in user's claims (scopes `profile`, `email`).
#[derive(ToSchema)]
#[allow(dead_code)]
struct UserInfo {
    /// The user's id.
    sub: String,
    #[schema(required = false)]
    name: String,
    #[schema(required = false)]
    preferred_username: String,
    #[schema(required = false)]
    email: String,
    /// The user's agency code.
    #[schema(required = false)]
    agency: String,
    #[schema(required = false)]
    roles: Vec<String>,
    /// The GSO code of the agency's administrative unit.
    #[schema(required = false)]
    admin_unit: String,
}

/// Token introspection (RFC 7662); only `active` when the token is not active
/// or is another client's.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Introspection {
    active: bool,
    #[schema(required = false)]
    client_id: String,
    #[schema(required = false)]
    scope: String,
    /// `Bearer` or `refresh_token`.
    #[schema(required = false)]
    token_type: String,
    /// Unix seconds.
    #[schema(required = false)]
    exp: i64,
    /// Unix seconds.
    #[schema(required = false)]
    iat: i64,
    #[schema(required = false)]
    iss: String,
    #[schema(required = false)]
    sub: String,
    #[schema(required = false)]
    username: String,
}

/// A form body whose rejections (not a form, a field given twice…) are
/// RFC 6749 `invalid_request` errors, not axum's plain text.
struct OAuthForm<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for OAuthForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(OAuthForm(v)),
            Err(e) => Err(oauth_error(&OAuthError::new(
                400,
                "invalid_request",
                format!("Nội dung biểu mẫu không hợp lệ: {}", e.body_text()),
                format!("Invalid form body: {}", e.body_text()),
            ))),
        }
    }
}

/// An RFC 6749 error response (JSON, no caching).
fn oauth_error(e: &OAuthError) -> Response {
    let body = serde_json::json!({"error": e.error, "error_description": e.description()});
    let mut r = (StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST), Json(body)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if e.status == 401 {
        let v = if e.error == "invalid_token" { "Bearer error=\"invalid_token\"" } else { "Basic realm=\"tinhso\"" };
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
    }
    r
}

fn no_store(v: serde_json::Value) -> Response {
    let mut r = Json(v).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Cấu hình OpenID — The provider's metadata (OpenID Connect Discovery)
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    operation_id = "oidc_discovery",
    tag = "sso",
    responses((status = 200, description = "The metadata", body = OidcDiscovery))
)]
async fn discovery(State(s): State<AppState>) -> Response {
    Json(s.sso.discovery()).into_response()
}

/// Khoá công khai — The keys that sign ID tokens (JWKS)
#[utoipa::path(
    get,
    path = "/oidc/jwks",
    operation_id = "oidc_jwks",
    tag = "sso",
    responses(
        (status = 200, description = "The key set", body = Jwks),
        (status = 500, description = "Lỗi hệ thống — Internal error", body = OAuthErrorBody),
    )
)]
async fn jwks(State(s): State<AppState>) -> Response {
    match s.sso.jwks().await {
        Ok(v) => Json(v).into_response(),
        Err(e) => oauth_error(&e),
    }
}

/// Records a sign-on event in the audit log.
pub(crate) async fn audit(
    s: &AppState,
    user: Option<&User>,
    headers: &HeaderMap,
    action: &'static str,
    outcome: &str,
    detail: String,
) {
    let actor = match user {
        Some(u) => actor_of(u, &u.scope(), None, &crate::auth::request_id(headers)),
        None => tinhso_warehouse::Actor::public(&crate::auth::request_id(headers)),
    };
    let a = Audit { action, detail: tinhso_warehouse::gateway::scrub(&detail), ..Default::default() };
    if let Err(e) = s.warehouse.audit(&actor, a, outcome, None).await {
        tracing::error!(error = %e, "sign-on audit entry not written");
    }
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    c: Ctx,
    app: String,
    scopes: Vec<String>,
    params: Vec<(String, String)>,
}

fn failure_response(c: Ctx, f: AuthFailure) -> Response {
    match f {
        AuthFailure::Show(e) => {
            let err = tinhso_domain::Error::invalid("oidc", e.vi.clone(), e.en.clone());
            error_page(c, &err)
        }
        AuthFailure::Redirect { uri, state, error } => {
            let mut p = vec![("error", error.error), ("error_description", error.en.as_str())];
            if !state.is_empty() {
                p.push(("state", state.as_str()));
            }
            Redirect::to(&tinhso_sso::with_query(&uri, &p)).into_response()
        }
    }
}

async fn complete(s: &AppState, headers: &HeaderMap, user: &User, req: &AuthRequest) -> Response {
    match s.sso.issue_code(user, req, tinhso_store::now()).await {
        Ok(url) => {
            audit(
                s,
                Some(user),
                headers,
                "sso.authorize",
                "ok",
                format!("client={}; scope={}", req.client.client_id, req.scope),
            )
            .await;
            Redirect::to(&url).into_response()
        }
        Err(e) => oauth_error(&e),
    }
}

async fn authorize(
    State(s): State<AppState>,
    L(lang): L,
    headers: HeaderMap,
    caller: Option<PageCaller>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<AuthParams>,
) -> Response {
    let c = ctx(&s, lang, caller.as_ref(), "/oidc/authorize").await;
    let req = match s.sso.check_authorize(&p).await {
        Ok(r) => r,
        Err(f) => return failure_response(c, f),
    };
    let prompt_none = p.prompt.as_deref() == Some("none");
    let Some(caller) = caller else {
        if prompt_none {
            let e = OAuthError::new(400, "login_required", "Cần đăng nhập.", "Login required.");
            return failure_response(c, AuthFailure::Redirect { uri: req.redirect_uri, state: req.state, error: e });
        }
        let next = uri.path_and_query().map(|q| q.as_str()).unwrap_or("/oidc/authorize");
        return Redirect::to(&format!("/login?next={}", crate::auth::urlencode(next))).into_response();
    };
    match s.sso.needs_consent(&caller.user, &req).await {
        Ok(false) => complete(&s, &headers, &caller.user, &req).await,
        Ok(true) if prompt_none => {
            let e = OAuthError::new(400, "consent_required", "Cần người dùng đồng ý.", "Consent required.");
            failure_response(c, AuthFailure::Redirect { uri: req.redirect_uri, state: req.state, error: e })
        }
        Ok(true) => {
            let mut params: Vec<(String, String)> = [
                ("client_id", p.client_id.clone()),
                ("redirect_uri", p.redirect_uri.clone()),
                ("response_type", p.response_type.clone()),
                ("scope", p.scope.clone()),
                ("state", p.state.clone()),
                ("nonce", p.nonce.clone()),
                ("code_challenge", p.code_challenge.clone()),
                ("code_challenge_method", p.code_challenge_method.clone()),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect();
            params.push(("csrf".into(), caller.csrf.clone()));
            let scopes = req.scope.split_whitespace().map(|x| c.t(&format!("sso.scope.{x}")).to_string()).collect();
            render(&ConsentPage { c, app: req.client.name.clone(), scopes, params })
        }
        Err(e) => oauth_error(&e),
    }
}

#[derive(Deserialize)]
struct ConsentForm {
    #[serde(flatten)]
    params: AuthParams,
    csrf: Option<String>,
    decision: Option<String>,
}

async fn consent_submit(
    State(s): State<AppState>,
    L(lang): L,
    headers: HeaderMap,
    caller: PageCaller,
    Form(f): Form<ConsentForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/oidc/authorize").await;
    if let Err(e) = caller.check_csrf(f.csrf.as_deref().unwrap_or("")) {
        return error_page(c, &e);
    }
    let req = match s.sso.check_authorize(&f.params).await {
        Ok(r) => r,
        Err(fail) => return failure_response(c, fail),
    };
    if f.decision.as_deref() != Some("allow") {
        audit(&s, Some(&caller.user), &headers, "sso.consent", "denied", format!("client={}", req.client.client_id))
            .await;
        let e = OAuthError::new(400, "access_denied", "Người dùng từ chối.", "The user refused.");
        return failure_response(c, AuthFailure::Redirect { uri: req.redirect_uri, state: req.state, error: e });
    }
    if let Err(e) = s.sso.save_consent(&caller.user, &req).await {
        return oauth_error(&e);
    }
    complete(&s, &headers, &caller.user, &req).await
}

/// The form of the token, revocation and introspection endpoints
/// (`application/x-www-form-urlencoded`).
#[derive(Deserialize, Default, ToSchema)]
struct TokenForm {
    /// `authorization_code`, `refresh_token` or `client_credentials` (token endpoint).
    #[schema(example = "client_credentials")]
    grant_type: Option<String>,
    /// The authorization code (`authorization_code`).
    code: Option<String>,
    /// The redirect URI given at authorize (`authorization_code`).
    redirect_uri: Option<String>,
    /// The PKCE verifier (`authorization_code`; required for public clients).
    code_verifier: Option<String>,
    /// The refresh token (`refresh_token`).
    refresh_token: Option<String>,
    /// Space-separated scopes (`client_credentials`).
    scope: Option<String>,
    /// The client's id, when not sent with HTTP Basic.
    client_id: Option<String>,
    /// The client's secret (`client_secret_post`), when not sent with HTTP Basic.
    client_secret: Option<String>,
    /// The token to revoke or introspect.
    token: Option<String>,
}

/// The client's credentials: HTTP Basic (form-encoded id and secret) or the form fields.
fn client_credentials(headers: &HeaderMap, f: &TokenForm) -> Result<(String, Option<String>), OAuthError> {
    let invalid = || {
        OAuthError::new(
            401,
            "invalid_client",
            "Thông tin xác thực ứng dụng không hợp lệ.",
            "Invalid client credentials.",
        )
    };
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(b) = v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")) {
            let raw = base64::engine::general_purpose::STANDARD.decode(b.trim()).map_err(|_| invalid())?;
            let text = String::from_utf8(raw).map_err(|_| invalid())?;
            let (id, secret) = text.split_once(':').ok_or_else(invalid)?;
            // RFC 6749 §2.3.1: both parts are form-encoded.
            let dec = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            return Ok((dec(id), Some(dec(secret))));
        }
    }
    let id = f.client_id.clone().filter(|c| !c.is_empty()).ok_or_else(invalid)?;
    Ok((id, f.client_secret.clone().filter(|s| !s.is_empty())))
}

/// Cấp mã — The token endpoint (RFC 6749)
///
/// Grants `authorization_code` (with PKCE), `refresh_token` (rotated: each
/// refresh token works once) and `client_credentials` (confidential clients,
/// e.g. with scope `gateway` for an information system). The client
/// authenticates with HTTP Basic (`client_secret_basic`) or the form fields
/// (`client_secret_post`; a public client sends only `client_id`). At most
/// 300 requests a minute per client. Audited.
#[utoipa::path(
    post,
    path = "/oidc/token",
    operation_id = "oidc_token",
    tag = "sso",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "The tokens", body = TokenResponse),
        (status = 400, description = "Yêu cầu không hợp lệ — `invalid_request`, `invalid_grant`, `unsupported_grant_type`, `invalid_scope`…", body = OAuthErrorBody),
        (status = 401, description = "Ứng dụng không xác thực được — `invalid_client`", body = OAuthErrorBody),
        (status = 429, description = "Quá nhiều yêu cầu — `slow_down`", body = OAuthErrorBody),
        (status = 500, description = "Lỗi hệ thống — `server_error`", body = OAuthErrorBody),
    )
)]
async fn token(State(s): State<AppState>, headers: HeaderMap, OAuthForm(f): OAuthForm<TokenForm>) -> Response {
    let result = async {
        let (id, secret) = client_credentials(&headers, &f)?;
        crate::gateway::rate_limit(&format!("oidc-token:{id}"), 300)
            .map_err(|e| OAuthError::new(429, "slow_down", e.vi, e.en))?;
        let client = s.sso.authenticate_client(&id, secret.as_deref()).await?;
        let need = |v: &Option<String>, name: &str| {
            v.clone().filter(|x| !x.is_empty()).ok_or_else(|| {
                OAuthError::new(400, "invalid_request", format!("Thiếu {name}."), format!("{name} is missing."))
            })
        };
        let out = match f.grant_type.as_deref() {
            Some("authorization_code") => {
                let code = need(&f.code, "code")?;
                let redirect = need(&f.redirect_uri, "redirect_uri")?;
                s.sso.exchange_code(&client, &code, &redirect, f.code_verifier.as_deref()).await
            }
            Some("refresh_token") => s.sso.refresh(&client, &need(&f.refresh_token, "refresh_token")?).await,
            Some("client_credentials") => s.sso.client_credentials(&client, f.scope.as_deref()).await,
            _ => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "grant_type phải là authorization_code, refresh_token hoặc client_credentials.",
                "grant_type must be authorization_code, refresh_token or client_credentials.",
            )),
        };
        Ok::<_, OAuthError>((client, out))
    }
    .await;
    let grant = f.grant_type.clone().unwrap_or_default();
    match result {
        Ok((client, Ok(t))) => {
            audit(
                &s,
                None,
                &headers,
                "sso.token",
                "ok",
                format!("client={}; grant={grant}; scope={}", client.client_id, t.scope),
            )
            .await;
            no_store(serde_json::to_value(&t).unwrap_or_default())
        }
        Ok((client, Err(e))) => {
            audit(
                &s,
                None,
                &headers,
                "sso.token",
                "refused",
                format!("client={}; grant={grant}; error={}", client.client_id, e.error),
            )
            .await;
            oauth_error(&e)
        }
        Err(e) => {
            audit(&s, None, &headers, "sso.token", "refused", format!("grant={grant}; error={}", e.error)).await;
            oauth_error(&e)
        }
    }
}

/// Thông tin người dùng — The signed-in user's claims (OpenID Connect UserInfo)
///
/// With an access token from `/oidc/token` (not an API key): `sub`, and the
/// claims of the scopes granted.
#[utoipa::path(
    get,
    path = "/oidc/userinfo",
    operation_id = "oidc_userinfo",
    tag = "sso",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The claims", body = UserInfo),
        (status = 401, description = "Mã truy cập không hợp lệ — `invalid_token`", body = OAuthErrorBody),
        (status = 500, description = "Lỗi hệ thống — `server_error`", body = OAuthErrorBody),
    )
)]
async fn userinfo(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let Some(t) = crate::auth::bearer(&headers) else {
        return oauth_error(&OAuthError::new(
            401,
            "invalid_token",
            "Thiếu mã truy cập.",
            "The access token is missing.",
        ));
    };
    match s.sso.userinfo(&t).await {
        Ok(v) => no_store(v),
        Err(e) => oauth_error(&e),
    }
}

/// Thông tin người dùng (POST) — The UserInfo endpoint, by POST
#[utoipa::path(
    post,
    path = "/oidc/userinfo",
    operation_id = "oidc_userinfo_post",
    tag = "sso",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The claims", body = UserInfo),
        (status = 401, description = "Mã truy cập không hợp lệ — `invalid_token`", body = OAuthErrorBody),
        (status = 500, description = "Lỗi hệ thống — `server_error`", body = OAuthErrorBody),
    )
)]
async fn userinfo_post(state: State<AppState>, headers: HeaderMap) -> Response {
    userinfo(state, headers).await
}

/// Thu hồi mã — Revoke a token (RFC 7009)
///
/// The client's own access or refresh token (`token`); a refresh token
/// revokes its whole family. An unknown or foreign token is not an error.
#[utoipa::path(
    post,
    path = "/oidc/revoke",
    operation_id = "oidc_revoke",
    tag = "sso",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Revoked (or nothing to revoke); no body"),
        (status = 400, description = "Yêu cầu không hợp lệ — `invalid_request`", body = OAuthErrorBody),
        (status = 401, description = "Ứng dụng không xác thực được — `invalid_client`", body = OAuthErrorBody),
        (status = 500, description = "Lỗi hệ thống — `server_error`", body = OAuthErrorBody),
    )
)]
async fn revoke(State(s): State<AppState>, headers: HeaderMap, OAuthForm(f): OAuthForm<TokenForm>) -> Response {
    let r = async {
        let (id, secret) = client_credentials(&headers, &f)?;
        let client = s.sso.authenticate_client(&id, secret.as_deref()).await?;
        let t = f.token.clone().unwrap_or_default();
        s.sso.revoke(&client, &t).await?;
        Ok::<_, OAuthError>(client)
    }
    .await;
    match r {
        Ok(client) => {
            audit(&s, None, &headers, "sso.revoke", "ok", format!("client={}", client.client_id)).await;
            StatusCode::OK.into_response()
        }
        Err(e) => oauth_error(&e),
    }
}

/// Kiểm tra mã — Introspect a token (RFC 7662)
///
/// For the client's own tokens only; any other token is `{"active": false}`.
#[utoipa::path(
    post,
    path = "/oidc/introspect",
    operation_id = "oidc_introspect",
    tag = "sso",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "The token's state", body = Introspection),
        (status = 400, description = "Yêu cầu không hợp lệ — `invalid_request`", body = OAuthErrorBody),
        (status = 401, description = "Ứng dụng không xác thực được — `invalid_client`", body = OAuthErrorBody),
        (status = 500, description = "Lỗi hệ thống — `server_error`", body = OAuthErrorBody),
    )
)]
async fn introspect(State(s): State<AppState>, headers: HeaderMap, OAuthForm(f): OAuthForm<TokenForm>) -> Response {
    let r = async {
        let (id, secret) = client_credentials(&headers, &f)?;
        let client = s.sso.authenticate_client(&id, secret.as_deref()).await?;
        s.sso.introspect(&client, &f.token.clone().unwrap_or_default()).await
    }
    .await;
    match r {
        Ok(v) => no_store(v),
        Err(e) => oauth_error(&e),
    }
}

#[derive(Deserialize)]
struct LogoutQuery {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// RP-initiated logout: ends the tinhso session (so every application's next
/// authorize asks for the password again), revokes the application's tokens,
/// and returns to the registered address.
async fn logout(State(s): State<AppState>, L(lang): L, headers: HeaderMap, Query(q): Query<LogoutQuery>) -> Response {
    let target = s
        .sso
        .logout_target(
            q.id_token_hint.as_deref(),
            q.client_id.as_deref(),
            q.post_logout_redirect_uri.as_deref(),
            q.state.as_deref(),
        )
        .await;
    let (claims, to) = match target {
        Ok(x) => x,
        Err(e) => {
            let err = tinhso_domain::Error::invalid("oidc", e.vi.clone(), e.en.clone());
            return error_page(ctx(&s, lang, None, "/oidc/logout").await, &err);
        }
    };
    let user = match cookie(&headers, SESSION_COOKIE) {
        Some(t) => {
            let u = s.store.session(&t).await.ok().flatten().map(|x| x.user);
            let _ = s.store.delete_session(&t).await;
            u
        }
        None => None,
    };
    audit(
        &s,
        user.as_ref(),
        &headers,
        "sso.logout",
        "ok",
        format!("client={}", claims.map(|c| c.aud).unwrap_or_default()),
    )
    .await;
    let clear = crate::auth::set_cookie(SESSION_COOKIE, "", 0, "Lax", s.config.secure_cookies);
    let mut r = Redirect::to(to.as_deref().unwrap_or("/login")).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut().insert(header::SET_COOKIE, clear.parse().expect("cookie"));
    r
}

struct AppRow {
    name: String,
    url: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    c: Ctx,
    apps: Vec<AppRow>,
}

async fn portal(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/portal").await;
    match s.sso.portal(&caller.user).await {
        Ok(list) => render(&PortalPage {
            c,
            apps: list.into_iter().map(|a| AppRow { name: a.name, url: a.home_url }).collect(),
        }),
        Err(e) => error_page(c, &tinhso_domain::Error::internal(e.en)),
    }
}
