//! OpenID Connect over HTTP: discovery, JWKS, authorize (with the login form
//! and a consent screen), token, userinfo, revocation, introspection,
//! RP-initiated logout, and the portal of applications. The protocol rules
//! live in `tinhso_sso`; this module speaks HTTP and audits logins and tokens.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine;
use serde::Deserialize;
use tinhso_sso::{AuthFailure, AuthParams, AuthRequest, OAuthError};
use tinhso_store::User;
use tinhso_warehouse::Audit;

use crate::auth::{actor_of, cookie, PageCaller, L, SESSION_COOKIE};
use crate::pages::{ctx, error_page, render, Ctx};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize).post(consent_submit))
        .route("/oidc/token", axum::routing::post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
        .route("/oidc/revoke", axum::routing::post(revoke))
        .route("/oidc/introspect", axum::routing::post(introspect))
        .route("/oidc/logout", get(logout))
        .route("/portal", get(portal))
        .route("/api/v1/oidc/clients", get(list_clients).post(create_client))
}

#[derive(serde::Serialize)]
struct ClientDto {
    client_id: String,
    name: String,
    public: bool,
    first_party: bool,
    redirect_uris: Vec<String>,
    post_logout_uris: Vec<String>,
    scopes: Vec<String>,
    home_url: String,
    roles: Vec<String>,
    agencies: Vec<String>,
    /// Shown once, at registration; only its hash is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientBody {
    name: String,
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_uris: Vec<String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    first_party: bool,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    home_url: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    agencies: Vec<String>,
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

async fn list_clients(
    State(s): State<AppState>,
    c: crate::auth::Caller,
) -> crate::error::ApiResult<Json<Vec<ClientDto>>> {
    require_admin(&c)?;
    Ok(Json(s.store.oidc_clients().await?.iter().map(|x| client_dto(x, None)).collect()))
}

/// Registers an application (system administrators only); the secret is in this answer only.
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

async fn discovery(State(s): State<AppState>) -> Response {
    Json(s.sso.discovery()).into_response()
}

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

#[derive(Deserialize, Default)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
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

async fn token(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
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

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, t) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| t.trim().to_string())
}

async fn userinfo(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let Some(t) = bearer(&headers) else {
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

async fn revoke(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
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

async fn introspect(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
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
