//! Who is calling: session cookies for people, API keys for systems, and the
//! CSRF and language that come with a request.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use tinhso_domain::{Error, ErrorKind, Lang, Role, Scope};
use tinhso_store::{ApiKeyAccess, System, User};
use tinhso_warehouse::{Actor, Who};

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "tinhso_session";
pub const LOGIN_CSRF_COOKIE: &str = "tinhso_login_csrf";
pub const LANG_COOKIE: &str = "tinhso_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite, Path=/, `Secure` when configured.
pub fn set_cookie(name: &str, value: &str, max_age: i64, same_site: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session,
    ApiKey { access: ApiKeyAccess },
}

/// An authenticated caller of the API: the user, the scope (narrowed for
/// API keys) and how they came.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub scope: Scope,
    pub via: Via,
    /// The information system, when the API key belongs to one.
    pub system: Option<System>,
    pub request_id: String,
}

/// The request id set by the request-id layer.
pub fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(64).collect()
}

/// The warehouse's view of a user (and system) behind a request.
pub fn actor_of(user: &User, scope: &Scope, system: Option<&System>, request_id: &str) -> Actor {
    Actor {
        user_id: Some(user.id),
        role: user.role,
        scope: scope.clone(),
        agency_id: system.map(|s| s.agency_id).or(user.agency_id),
        system_id: system.map(|s| s.id),
        who: Who {
            username: user.username.clone(),
            system_code: system.map(|s| s.code.clone()).unwrap_or_default(),
            agency_code: system.map(|s| s.agency_code.clone()).or_else(|| user.agency_code.clone()).unwrap_or_default(),
            request_id: request_id.to_string(),
        },
    }
}

impl Caller {
    pub fn actor(&self) -> Actor {
        actor_of(&self.user, &self.scope, self.system.as_ref(), &self.request_id)
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
    /// Refuses writes through read-only keys and by read-only roles.
    pub fn require_write(&self) -> Result<(), Error> {
        match self.via {
            Via::ApiKey { access: ApiKeyAccess::Read } => {
                Err(Error::new(ErrorKind::Forbidden, "Khoá API này chỉ có quyền đọc.", "This API key is read-only."))
            }
            _ if matches!(self.user.role, Role::Leader | Role::Public) => Err(Error::forbidden()),
            _ => Ok(()),
        }
    }
    pub fn require_staff(&self) -> Result<(), Error> {
        if self.user.role.is_staff() {
            Ok(())
        } else {
            Err(Error::forbidden())
        }
    }
}

fn csrf_error() -> Error {
    Error::new(
        ErrorKind::Forbidden,
        "Thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang và thử lại.",
        "Missing or wrong anti-forgery (CSRF) token. Reload the page and try again.",
    )
    .at("csrf")
}

pub fn check_csrf(expected: &str, presented: &str) -> Result<(), Error> {
    if !expected.is_empty() && tinhso_store::credentials::same(expected, presented) {
        Ok(())
    } else {
        Err(csrf_error())
    }
}

/// The token of an `Authorization: Bearer` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The caller behind an API key, wherever the key was presented.
/// Rate-limited per key. Besides tinhso API keys (`tsk_…`), OAuth 2.0 access
/// tokens with the `gateway` scope are accepted: a client-credentials token
/// acts as the client's information system, a user's token as the user.
pub async fn key_caller(state: &AppState, token: &str, request_id: String) -> Result<Caller, Error> {
    if !token.starts_with("tsk_") {
        return oauth_caller(state, token, request_id).await;
    }
    let kc = state.store.authenticate_key(token).await?;
    crate::gateway::rate_limit(&kc.key.prefix, kc.key.rate_per_minute.unwrap_or(state.config.rate_limit_per_minute))?;
    Ok(Caller {
        user: kc.user,
        scope: kc.scope,
        via: Via::ApiKey { access: kc.key.access },
        system: kc.system,
        request_id,
    })
}

async fn oauth_caller(state: &AppState, token: &str, request_id: String) -> Result<Caller, Error> {
    let invalid = || {
        Error::new(
            ErrorKind::Unauthenticated,
            "Khoá API hoặc mã truy cập không hợp lệ, đã hết hạn hoặc bị thu hồi.",
            "The API key or access token is invalid, expired or revoked.",
        )
    };
    let (client, user_id) = state.sso.gateway_token(token).await.map_err(|_| invalid())?;
    crate::gateway::rate_limit(&client.client_id, state.config.rate_limit_per_minute)?;
    let read = Via::ApiKey { access: ApiKeyAccess::Read };
    if let Some(uid) = user_id {
        let user = state.store.user(uid).await?;
        if !user.active {
            return Err(invalid());
        }
        let scope = user.scope();
        return Ok(Caller { user, scope, via: read, system: None, request_id });
    }
    let system = state.store.system(client.system_id.ok_or_else(invalid)?).await?;
    let owner = state.store.user(client.created_by.ok_or_else(invalid)?).await?;
    if system.disabled_at.is_some() || !owner.active {
        return Err(invalid());
    }
    let scope = owner.scope().narrow_to(system.agency_id, &system.agency_path);
    Ok(Caller { user: owner, scope, via: read, system: Some(system), request_id })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let request_id = request_id(&parts.headers);
        if let Some(token) = bearer(&parts.headers) {
            return Ok(key_caller(state, &token, request_id).await?);
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Error::unauthenticated().into());
        };
        let session = state.store.session(&token).await?.ok_or_else(Error::unauthenticated)?;
        // Browsers send cookies on cross-site requests; unsafe methods must
        // carry the session's CSRF token in a header.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            check_csrf(&session.csrf_token, presented)?;
        }
        let scope = session.user.scope();
        Ok(Caller { user: session.user, scope, via: Via::Session, system: None, request_id })
    }
}

/// For routes open to everyone (the CKAN-compatible catalogue): `None` is an
/// anonymous caller. A presented API key must be valid — a wrong key is an
/// error, not anonymity — but a session that has expired, or a session
/// cookie on an unsafe method without its CSRF token, only means "anonymous",
/// which never grants more than the public sees.
impl OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            return Ok(Some(key_caller(state, &token, request_id(&parts.headers)).await?));
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
        let session = match state.store.session(&token).await {
            Ok(Some(s)) => s,
            Ok(None) => return Ok(None),
            Err(e) if e.kind == ErrorKind::Unauthenticated => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if check_csrf(&session.csrf_token, presented).is_err() {
                return Ok(None);
            }
        }
        let scope = session.user.scope();
        Ok(Some(Caller {
            user: session.user,
            scope,
            via: Via::Session,
            system: None,
            request_id: request_id(&parts.headers),
        }))
    }
}

/// The interface language: the `tinhso_lang` cookie, else Vietnamese.
#[derive(Debug, Clone, Copy)]
pub struct L(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for L {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(L(cookie(&parts.headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)).unwrap_or_default()))
    }
}

/// A logged-in person on an HTML page. Without a session the request is
/// redirected to the login page, which says when a session has expired.
#[derive(Debug, Clone)]
pub struct PageCaller {
    pub user: User,
    pub scope: Scope,
    pub csrf: String,
    pub request_id: String,
}

impl PageCaller {
    pub fn actor(&self) -> Actor {
        actor_of(&self.user, &self.scope, None, &self.request_id)
    }

    pub fn check_csrf(&self, presented: &str) -> Result<(), Error> {
        check_csrf(&self.csrf, presented)
    }
}

fn login_redirect(parts: &Parts, expired: bool) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut url = format!("/login?next={}", urlencode(next));
    if expired {
        url.push_str("&expired=1");
    }
    Redirect::to(&url).into_response()
}

async fn page_caller(parts: &Parts, state: &AppState) -> Result<Option<PageCaller>, Response> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    match state.store.session(&token).await {
        Ok(Some(s)) => {
            let scope = s.user.scope();
            Ok(Some(PageCaller { user: s.user, scope, csrf: s.csrf_token, request_id: request_id(&parts.headers) }))
        }
        Ok(None) => Ok(None),
        Err(e) if e.kind == ErrorKind::Unauthenticated => Err(login_redirect(parts, true)),
        Err(e) => Err(ApiError(e).into_response()),
    }
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match page_caller(parts, state).await? {
            Some(c) => Ok(c),
            None => Err(login_redirect(parts, false)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match page_caller(parts, state).await {
            Ok(c) => Ok(c),
            // On public pages an expired session just means "not logged in".
            Err(_) => Ok(None),
        }
    }
}

/// Percent-encodes a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `next` target that stays on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/agencies?x=1")), "/agencies?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; tinhso_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(set_cookie("x", "y", 10, "Lax", true).contains("HttpOnly; SameSite=Lax; Max-Age=10; Secure"));
    }
}
