//! Server-rendered pages: login, home, agencies, users, administrative units
//! and API keys. Vietnamese by default, English by a cookie switch.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tinhso_domain::admin_unit::SearchFilter;
use tinhso_domain::{AdminUnits, AgencyKind, Error, ErrorKind, Lang, Msg, Role, Scope};
use tinhso_store::{AgencyInput, ApiKeyAccess, User, UserInput, UserUpdate};

use crate::api::{parse_as_of, read_upload, run_import};
use crate::auth::{self, cookie, set_cookie, PageCaller, L};
use crate::error::{log_internal, status_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(switch_lang))
        .route("/agencies", get(agencies).post(agency_create))
        .route("/agencies/new", get(agency_new))
        .route("/agencies/import", post(agency_import))
        .route("/agencies/imports/{id}/rejects.csv", get(import_rejects_csv))
        .route("/agencies/{id}", get(agency_page).post(agency_update))
        .route("/users", get(users).post(user_create))
        .route("/users/new", get(user_new))
        .route("/users/{id}", get(user_page).post(user_update))
        .route("/admin-units", get(units_page))
        .route("/admin-units/{code}", get(unit_page))
        .route("/account/api-keys", get(keys_page).post(key_create))
        .route("/account/api-keys/{id}/revoke", post(key_revoke))
        .fallback(not_found)
}

/// The logged-in person as the layout shows them.
pub struct UserView {
    pub username: String,
    pub full_name: String,
    pub role_label: String,
    pub agency_name: String,
}

/// What every page's layout needs.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<UserView>,
    pub role: Option<Role>,
    pub csrf: String,
    pub path: String,
    /// Unread in-app notifications (alerts).
    pub unread: i64,
}

impl Ctx {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        // The catalogue's texts are 'static; unknown keys fall back to the key.
        Msg::get(key, self.lang)
    }
    /// Navigation: an entry appears only when its page exists and the caller may open it.
    pub fn nav(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![("/", "nav.home")];
        if self.role.is_some() {
            v.push(("/portal", "nav.portal"));
        }
        if self.role.is_some_and(Role::is_staff) {
            v.push(("/dashboards", "nav.dashboards"));
            v.push(("/dx", "nav.dx"));
            v.push(("/projects", "nav.projects"));
            v.push(("/agencies", "nav.agencies"));
            v.push(("/users", "nav.users"));
            v.push(("/datasets", "nav.datasets"));
        }
        if self.role.is_some_and(|r| matches!(r, Role::SystemAdmin | Role::DxOffice)) {
            v.push(("/sql", "nav.sql"));
        }
        if self.role.is_some_and(Role::is_staff) {
            v.push(("/quality", "nav.quality"));
            v.push(("/grants", "nav.grants"));
        }
        if self
            .role
            .is_some_and(|r| matches!(r, Role::SystemAdmin | Role::DxOffice | Role::AgencyAdmin | Role::DataOfficer))
        {
            v.push(("/audit", "nav.audit"));
        }
        v.push(("/admin-units", "nav.admin_units"));
        if self.role.is_some_and(Role::is_staff) {
            v.push(("/account/api-keys", "nav.api_keys"));
        }
        v
    }
    pub fn path_encoded(&self) -> String {
        auth::urlencode(&self.path)
    }
}

pub(crate) async fn ctx(s: &AppState, lang: Lang, caller: Option<&PageCaller>, path: &str) -> Ctx {
    let user = match caller {
        None => None,
        Some(c) => {
            let agency_name = match c.user.agency_id {
                Some(id) => s.store.agency(id).await.map(|a| a.name(lang).to_string()).unwrap_or_default(),
                None => Msg::get("common.none", lang).to_string(),
            };
            Some(UserView {
                username: c.user.username.clone(),
                full_name: c.user.full_name.clone(),
                role_label: c.user.role.label(lang).to_string(),
                agency_name,
            })
        }
    };
    let unread = match caller {
        Some(c) => s.store.unread_notifications(c.user.id).await.unwrap_or(0),
        None => 0,
    };
    Ctx {
        lang,
        user,
        role: caller.map(|c| c.user.role),
        csrf: caller.map(|c| c.csrf.clone()).unwrap_or_default(),
        path: path.to_string(),
        unread,
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    render_status(StatusCode::OK, t)
}

pub(crate) fn render_status(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống / Internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
    status: u16,
    message: String,
    field: Option<String>,
}

pub(crate) fn error_page(c: Ctx, e: &Error) -> Response {
    log_internal(e);
    let status = status_of(e.kind);
    let message = e.message(c.lang).to_string();
    let field = e.field.clone().filter(|_| e.kind != ErrorKind::Internal);
    render_status(status, &ErrorPage { c, status: status.as_u16(), message, field })
}

async fn not_found(State(s): State<AppState>, L(lang): L, caller: Option<PageCaller>) -> Response {
    let c = ctx(&s, lang, caller.as_ref(), "/").await;
    error_page(c, &Error::not_found("Không có trang này.", "There is no such page."))
}

fn require_staff(c: &PageCaller) -> Result<(), Error> {
    if c.user.role.is_staff() {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

// ---------------------------------------------------------------- home, language

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    c: Ctx,
    province: String,
    scope_label: String,
    agency_count: i64,
    user_count: i64,
    commune_count: usize,
}

async fn home(State(s): State<AppState>, L(lang): L, caller: Option<PageCaller>) -> Response {
    let c = ctx(&s, lang, caller.as_ref(), "/").await;
    let units = AdminUnits::embedded();
    let today = Utc::now().date_naive();
    let (province, commune_count) = match units.lookup(&s.config.province_code, today) {
        Ok(p) => (p.full_name.clone(), units.children(p).len()),
        Err(_) => (s.config.province_code.clone(), 0),
    };
    let (agency_count, user_count, scope_label) = match &caller {
        Some(pc) => {
            let counts = async {
                Ok::<_, Error>((s.store.count_agencies(&pc.scope).await?, s.store.count_users(&pc.scope).await?))
            };
            match counts.await {
                Ok((a, u)) => {
                    let label = match pc.scope {
                        Scope::Province => c.t("home.scope_province"),
                        _ => c.t("home.scope_subtree"),
                    };
                    (a, u, label.to_string())
                }
                Err(e) => return error_page(c, &e),
            }
        }
        None => (0, 0, String::new()),
    };
    render(&Home { c, province, scope_label, agency_count, user_count, commune_count })
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn switch_lang(State(s): State<AppState>, Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let next = auth::safe_next(q.next.as_deref());
    let cookie = set_cookie(auth::LANG_COOKIE, lang.code(), 365 * 24 * 3600, "Lax", s.config.secure_cookies);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

// ---------------------------------------------------------------- login

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Ctx,
    login_csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

fn login_csrf_cookie(token: &str, secure: bool) -> String {
    set_cookie(auth::LOGIN_CSRF_COOKIE, token, 3600, "Strict", secure)
}

async fn login_page(State(s): State<AppState>, L(lang): L, Query(q): Query<LoginQuery>) -> Response {
    let c = ctx(&s, lang, None, "/login").await;
    let token = tinhso_store::credentials::random_hex(16);
    let notice = q.expired.is_some().then(|| {
        Error::new(
            ErrorKind::Unauthenticated,
            "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
            "Your session has expired. Please log in again.",
        )
        .message(lang)
        .to_string()
    });
    let page = LoginPage {
        c,
        login_csrf: token.clone(),
        next: auth::safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
        notice,
    };
    let mut r = render(&page);
    r.headers_mut()
        .insert(header::SET_COOKIE, login_csrf_cookie(&token, s.config.secure_cookies).parse().expect("cookie"));
    r
}

#[derive(Deserialize)]
struct LoginForm {
    username: Option<String>,
    password: Option<String>,
    csrf: Option<String>,
    next: Option<String>,
}

/// The client address: the socket peer. (Behind a reverse proxy, configure
/// the proxy to limit per-client; the per-user limit applies regardless.)
struct ClientIp(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|p| p.0.ip().to_string());
        Ok(ClientIp(ip.unwrap_or_else(|| "unknown".into())))
    }
}

async fn login_submit(
    State(s): State<AppState>,
    L(lang): L,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    let username = f.username.unwrap_or_default();
    let next = auth::safe_next(f.next.as_deref());
    let expected = cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or_default();
    let result = match auth::check_csrf(&expected, f.csrf.as_deref().unwrap_or("")) {
        Err(e) => Err(e),
        Ok(()) => s.store.authenticate(&username, f.password.as_deref().unwrap_or(""), &ip).await,
    };
    match result {
        Ok(user) => {
            let token = match s.store.create_session(user.id, s.config.session_ttl_secs).await {
                Ok(t) => t,
                Err(e) => return error_page(ctx(&s, lang, None, "/login").await, &e),
            };
            tracing::info!(user = %user.username, "login");
            crate::oidc::audit(&s, Some(&user), &headers, "login", "ok", String::new()).await;
            let session =
                set_cookie(auth::SESSION_COOKIE, &token, s.config.session_ttl_secs, "Lax", s.config.secure_cookies);
            let clear = set_cookie(auth::LOGIN_CSRF_COOKIE, "", 0, "Strict", s.config.secure_cookies);
            let mut r = Redirect::to(&next).into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            r.headers_mut().append(header::SET_COOKIE, session.parse().expect("cookie"));
            r.headers_mut().append(header::SET_COOKIE, clear.parse().expect("cookie"));
            r
        }
        Err(e) => {
            if e.kind == ErrorKind::Internal {
                return error_page(ctx(&s, lang, None, "/login").await, &e);
            }
            tracing::warn!(reason = ?e.kind, "login refused");
            let detail = format!("username={}", tinhso_warehouse::gateway::scrub(&username));
            crate::oidc::audit(&s, None, &headers, "login", "refused", detail).await;
            let token = tinhso_store::credentials::random_hex(16);
            let page = LoginPage {
                c: ctx(&s, lang, None, "/login").await,
                login_csrf: token.clone(),
                next,
                username,
                error: Some(e.message(lang).to_string()),
                notice: None,
            };
            let mut r = render_status(status_of(e.kind), &page);
            r.headers_mut().insert(
                header::SET_COOKIE,
                login_csrf_cookie(&token, s.config.secure_cookies).parse().expect("cookie"),
            );
            r
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(s): State<AppState>,
    L(lang): L,
    headers: HeaderMap,
    caller: PageCaller,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = caller.check_csrf(f.csrf.as_deref().unwrap_or("")) {
        return error_page(ctx(&s, lang, Some(&caller), "/").await, &e);
    }
    if let Some(token) = cookie(&headers, auth::SESSION_COOKIE) {
        if let Err(e) = s.store.delete_session(&token).await {
            return error_page(ctx(&s, lang, Some(&caller), "/").await, &e);
        }
    }
    let clear = set_cookie(auth::SESSION_COOKIE, "", 0, "Lax", s.config.secure_cookies);
    let mut r = Redirect::to("/login").into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut().insert(header::SET_COOKIE, clear.parse().expect("cookie"));
    r
}

// ---------------------------------------------------------------- agencies

struct AgencyRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    indent: usize,
    unit: Option<(String, String)>,
    active: bool,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    c: Ctx,
    agencies: Vec<AgencyRow>,
    can_manage: bool,
}

async fn agencies(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    if let Err(e) = require_staff(&caller) {
        return error_page(c, &e);
    }
    let list = match s.store.agencies(&caller.scope).await {
        Ok(l) => l,
        Err(e) => return error_page(c, &e),
    };
    let base = list.iter().map(|a| a.depth()).min().unwrap_or(0);
    let today = Utc::now().date_naive();
    let units = AdminUnits::embedded();
    let rows = list
        .iter()
        .map(|a| AgencyRow {
            id: a.id,
            code: a.code.clone(),
            name: a.name(lang).to_string(),
            kind: a.kind.label(lang).to_string(),
            indent: (a.depth() - base).min(4),
            unit: a.admin_unit_code.as_ref().map(|code| {
                let name = units.lookup(code, today).map(|u| u.full_name.clone()).unwrap_or_default();
                (code.clone(), name)
            }),
            active: a.active,
        })
        .collect();
    render(&AgenciesPage { c, agencies: rows, can_manage: caller.user.role.manages_agencies() })
}

#[derive(Default, Deserialize)]
struct AgencyForm {
    csrf: Option<String>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    admin_unit_code: String,
    active: Option<String>,
}

struct AgencyFields {
    code: String,
    name_vi: String,
    name_en: String,
    kind: String,
    parent_code: String,
    admin_unit_code: String,
    active: bool,
}

impl From<&AgencyForm> for AgencyInput {
    fn from(f: &AgencyForm) -> Self {
        AgencyInput {
            code: f.code.clone(),
            name_vi: f.name_vi.clone(),
            name_en: f.name_en.clone(),
            kind: f.kind.clone(),
            parent_code: Some(f.parent_code.clone()).filter(|p| !p.is_empty()),
            admin_unit_code: Some(f.admin_unit_code.clone()).filter(|p| !p.is_empty()),
            active: f.active.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "agency_form.html")]
struct AgencyFormPage {
    c: Ctx,
    title: String,
    action: String,
    f: AgencyFields,
    kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<(String, String)>,
    users: Vec<String>,
    can_edit: bool,
    error: Option<String>,
    notice: Option<String>,
}

async fn agency_form_page(
    s: &AppState,
    caller: &PageCaller,
    c: Ctx,
    id: Option<i64>,
    f: AgencyFields,
    error: Option<&Error>,
    notice: Option<String>,
) -> Response {
    let lang = c.lang;
    let all = match s.store.agencies(&caller.scope).await {
        Ok(a) => a,
        Err(e) => return error_page(c, &e),
    };
    let users = match id {
        Some(id) => match s.store.users(&caller.scope).await {
            Ok(us) => us
                .into_iter()
                .filter(|u| u.agency_id == Some(id))
                .map(|u| format!("{} — {}", u.username, u.full_name))
                .collect(),
            Err(e) => return error_page(c, &e),
        },
        None => Vec::new(),
    };
    let title = match id {
        Some(_) => format!("{}: {}", c.t("agencies.edit"), f.code),
        None => c.t("agencies.new").to_string(),
    };
    let page = AgencyFormPage {
        title,
        action: id.map(|i| format!("/agencies/{i}")).unwrap_or_else(|| "/agencies".into()),
        f,
        kinds: AgencyKind::ALL.iter().map(|k| (k.as_str(), k.label(lang))).collect(),
        parents: all.iter().filter(|a| Some(a.id) != id).map(|a| (a.code.clone(), a.name(lang).to_string())).collect(),
        users,
        can_edit: caller.user.role.manages_agencies(),
        error: error.map(|e| format_error(e, lang)),
        notice,
        c,
    };
    let status = error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK);
    render_status(status, &page)
}

pub(crate) fn format_error(e: &Error, lang: Lang) -> String {
    log_internal(e);
    match (&e.field, e.kind) {
        (Some(f), k) if k != ErrorKind::Internal => format!("{} [{}]", e.message(lang), f),
        _ => e.message(lang).to_string(),
    }
}

fn form_fields(f: &AgencyForm) -> AgencyFields {
    AgencyFields {
        code: f.code.clone(),
        name_vi: f.name_vi.clone(),
        name_en: f.name_en.clone(),
        kind: f.kind.clone(),
        parent_code: f.parent_code.clone(),
        admin_unit_code: f.admin_unit_code.clone(),
        active: f.active.is_some(),
    }
}

async fn agency_new(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    if !caller.user.role.manages_agencies() {
        return error_page(c, &Error::forbidden());
    }
    let parent = match caller.scope {
        Scope::Subtree { agency_id, .. } => s.store.agency(agency_id).await.map(|a| a.code).unwrap_or_default(),
        _ => String::new(),
    };
    let f = AgencyFields {
        code: String::new(),
        name_vi: String::new(),
        name_en: String::new(),
        kind: "department".into(),
        parent_code: parent,
        admin_unit_code: s.config.province_code.clone(),
        active: true,
    };
    agency_form_page(&s, &caller, c, None, f, None, None).await
}

async fn agency_create(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Form(f): Form<AgencyForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        if !caller.user.role.manages_agencies() {
            return Err(Error::forbidden());
        }
        s.store.create_agency(&caller.scope, &AgencyInput::from(&f), &s.config.province_code).await
    }
    .await;
    match result {
        Ok(a) => {
            tracing::info!(actor = %caller.user.username, agency = %a.code, "agency created");
            see_other(&format!("/agencies/{}?saved=1", a.id))
        }
        Err(e) => agency_form_page(&s, &caller, c, None, form_fields(&f), Some(&e), None).await,
    }
}

pub(crate) fn see_other(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

pub(crate) fn parse_page_id(raw: &str) -> Result<i64, Error> {
    raw.parse().map_err(|_| Error::not_found(format!("Không có mục «{raw}»."), format!("There is no item «{raw}».")))
}

async fn agency_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    let a = match async {
        require_staff(&caller)?;
        s.store.agency_in_scope(&caller.scope, parse_page_id(&id)?).await
    }
    .await
    {
        Ok(a) => a,
        Err(e) => return error_page(c, &e),
    };
    let parent_code = match a.parent_id {
        Some(pid) => s.store.agency(pid).await.map(|p| p.code).unwrap_or_default(),
        None => String::new(),
    };
    let f = AgencyFields {
        code: a.code.clone(),
        name_vi: a.name_vi.clone(),
        name_en: a.name_en.clone(),
        kind: a.kind.as_str().into(),
        parent_code,
        admin_unit_code: a.admin_unit_code.clone().unwrap_or_default(),
        active: a.active,
    };
    let notice = q.saved.map(|_| c.t("common.saved").to_string());
    agency_form_page(&s, &caller, c, Some(a.id), f, None, notice).await
}

async fn agency_update(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<AgencyForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    let id = match parse_page_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(c, &e),
    };
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        if !caller.user.role.manages_agencies() {
            return Err(Error::forbidden());
        }
        s.store.update_agency(&caller.scope, id, &AgencyInput::from(&f), &s.config.province_code).await
    }
    .await;
    match result {
        Ok(a) => {
            tracing::info!(actor = %caller.user.username, agency = %a.code, "agency updated");
            see_other(&format!("/agencies/{}?saved=1", a.id))
        }
        Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::NotFound) => error_page(c, &e),
        Err(e) => agency_form_page(&s, &caller, c, Some(id), form_fields(&f), Some(&e), None).await,
    }
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ImportResultPage {
    c: Ctx,
    file: String,
    import_id: String,
    imported: Vec<String>,
    rejected: Vec<(usize, String, String, String)>,
}

async fn agency_import(State(s): State<AppState>, L(lang): L, caller: PageCaller, mp: Multipart) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    let result = async {
        if !caller.user.role.manages_agencies() {
            return Err(Error::forbidden());
        }
        // The CSRF field comes first in the form; read it, then the file.
        let up = read_upload(mp).await?;
        caller.check_csrf(&up.csrf)?;
        run_import(&s, &caller.scope, &up.name, &up.bytes).await
    }
    .await;
    match result {
        Ok(r) => {
            tracing::info!(actor = %caller.user.username, file = %r.file_name, imported = r.imported.len(), rejected = r.rejected.len(), "agency import");
            let rejected = r
                .rejected
                .iter()
                .map(|x| {
                    (
                        x.row_no,
                        x.field.clone(),
                        if lang == Lang::Vi { x.reason_vi.clone() } else { x.reason_en.clone() },
                        x.raw.clone(),
                    )
                })
                .collect();
            render(&ImportResultPage { c, file: r.file_name, import_id: r.import_id, imported: r.imported, rejected })
        }
        Err(e) => error_page(c, &e),
    }
}

async fn import_rejects_csv(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/agencies").await;
    if !caller.user.role.manages_agencies() {
        return error_page(c, &Error::forbidden());
    }
    let rows = match s.store.import_rejects(&id).await {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => return error_page(c, &Error::not_found("Không có lần nhập này.", "There is no such import.")),
        Err(e) => return error_page(c, &e),
    };
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(["tep/file", "dong/row", "cot/column", "ly_do", "reason", "du_lieu/raw"]);
    for (file, r) in &rows {
        let _ = w.write_record([file.as_str(), &r.row_no.to_string(), &r.field, &r.reason_vi, &r.reason_en, &r.raw]);
    }
    let body = w.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"rejects-{id}.csv\"")),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------- users

struct UserRow {
    id: i64,
    username: String,
    full_name: String,
    role: String,
    agency: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Ctx,
    users: Vec<UserRow>,
    can_manage: bool,
}

async fn users(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/users").await;
    let list = match async {
        require_staff(&caller)?;
        s.store.users(&caller.scope).await
    }
    .await
    {
        Ok(l) => l,
        Err(e) => return error_page(c, &e),
    };
    let rows = list
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            role: u.role.label(lang).to_string(),
            agency: u.agency_code.clone().unwrap_or_default(),
            username: u.username,
            full_name: u.full_name,
            active: u.active,
        })
        .collect();
    render(&UsersPage { c, users: rows, can_manage: caller.user.role.manages_users() })
}

#[derive(Default, Deserialize)]
struct UserForm {
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency_code: String,
    #[serde(default)]
    password: String,
    active: Option<String>,
}

struct UserFields {
    username: String,
    full_name: String,
    email: String,
    role: String,
    agency_code: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
    c: Ctx,
    title: String,
    action: String,
    is_new: bool,
    f: UserFields,
    roles: Vec<(&'static str, &'static str)>,
    agencies: Vec<(String, String)>,
    can_edit: bool,
    error: Option<String>,
    notice: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn user_form_page(
    s: &AppState,
    caller: &PageCaller,
    c: Ctx,
    id: Option<i64>,
    f: UserFields,
    target_role: Option<Role>,
    error: Option<&Error>,
    notice: Option<String>,
) -> Response {
    let lang = c.lang;
    let agencies = match s.store.agencies(&caller.scope).await {
        Ok(a) => a.iter().map(|a| (a.code.clone(), a.name(lang).to_string())).collect(),
        Err(e) => return error_page(c, &e),
    };
    let actor = caller.user.role;
    let page = UserFormPage {
        title: match id {
            Some(_) => format!("{}: {}", c.t("users.edit"), f.username),
            None => c.t("users.new").to_string(),
        },
        action: id.map(|i| format!("/users/{i}")).unwrap_or_else(|| "/users".into()),
        is_new: id.is_none(),
        f,
        roles: Role::ALL.iter().filter(|r| actor.may_grant(**r)).map(|r| (r.as_str(), r.label(lang))).collect(),
        agencies,
        can_edit: actor.manages_users() && target_role.is_none_or(|r| actor.may_grant(r)),
        error: error.map(|e| format_error(e, lang)),
        notice,
        c,
    };
    let status = error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK);
    render_status(status, &page)
}

fn user_fields(f: &UserForm) -> UserFields {
    UserFields {
        username: f.username.clone(),
        full_name: f.full_name.clone(),
        email: f.email.clone(),
        role: f.role.clone(),
        agency_code: f.agency_code.clone(),
        active: f.active.is_some(),
    }
}

async fn user_new(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/users").await;
    if !caller.user.role.manages_users() {
        return error_page(c, &Error::forbidden());
    }
    let f = UserFields {
        username: String::new(),
        full_name: String::new(),
        email: String::new(),
        role: Role::DataOfficer.as_str().into(),
        agency_code: caller.user.agency_code.clone().unwrap_or_default(),
        active: true,
    };
    user_form_page(&s, &caller, c, None, f, None, None, None).await
}

async fn user_create(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<UserForm>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/users").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        if !caller.user.role.manages_users() {
            return Err(Error::forbidden());
        }
        let input = UserInput {
            username: f.username.clone(),
            full_name: f.full_name.clone(),
            email: f.email.clone(),
            role: f.role.clone(),
            agency_code: Some(f.agency_code.clone()),
            password: f.password.clone(),
        };
        s.store.create_user(caller.user.role, &caller.scope, &input).await
    }
    .await;
    match result {
        Ok(u) => {
            tracing::info!(actor = %caller.user.username, user = %u.username, "user created");
            see_other(&format!("/users/{}?saved=1", u.id))
        }
        Err(e) => user_form_page(&s, &caller, c, None, user_fields(&f), None, Some(&e), None).await,
    }
}

fn fields_of(u: &User) -> UserFields {
    UserFields {
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        email: u.email.clone(),
        role: u.role.as_str().into(),
        agency_code: u.agency_code.clone().unwrap_or_default(),
        active: u.active,
    }
}

async fn user_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/users").await;
    let u = match async {
        require_staff(&caller)?;
        s.store.user_in_scope(&caller.scope, parse_page_id(&id)?).await
    }
    .await
    {
        Ok(u) => u,
        Err(e) => return error_page(c, &e),
    };
    let notice = q.saved.map(|_| c.t("common.saved").to_string());
    user_form_page(&s, &caller, c, Some(u.id), fields_of(&u), Some(u.role), None, notice).await
}

async fn user_update(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/users").await;
    let id = match parse_page_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(c, &e),
    };
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        if !caller.user.role.manages_users() {
            return Err(Error::forbidden());
        }
        let up = UserUpdate {
            full_name: f.full_name.clone(),
            email: f.email.clone(),
            role: f.role.clone(),
            agency_code: Some(f.agency_code.clone()),
            active: f.active.is_some(),
            password: Some(f.password.clone()),
        };
        s.store.update_user(caller.user.role, &caller.scope, id, &up).await
    }
    .await;
    match result {
        Ok(u) => {
            tracing::info!(actor = %caller.user.username, user = %u.username, "user updated");
            see_other(&format!("/users/{}?saved=1", u.id))
        }
        Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::NotFound) => error_page(c, &e),
        Err(e) => user_form_page(&s, &caller, c, Some(id), user_fields(&f), None, Some(&e), None).await,
    }
}

// ---------------------------------------------------------------- administrative units

struct UnitRow {
    code: String,
    href: String,
    name: String,
    level: String,
    parent: String,
    in_force: bool,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    c: Ctx,
    q: String,
    legacy: bool,
    units: Vec<UnitRow>,
}

#[derive(Deserialize)]
struct UnitsQuery {
    q: Option<String>,
    legacy: Option<String>,
}

fn unit_href(u: &tinhso_domain::AdminUnit) -> String {
    match u.valid_to {
        Some(t) => format!("/admin-units/{}?as_of={t}", u.code),
        None => format!("/admin-units/{}", u.code),
    }
}

fn parent_label(u: &tinhso_domain::AdminUnit) -> String {
    AdminUnits::embedded().parent(u).map(|p| p.full_name.clone()).unwrap_or_default()
}

async fn units_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: Option<PageCaller>,
    Query(q): Query<UnitsQuery>,
) -> Response {
    let c = ctx(&s, lang, caller.as_ref(), "/admin-units").await;
    let text = q.q.unwrap_or_default();
    let legacy = q.legacy.is_some();
    let units = AdminUnits::embedded();
    let today = Utc::now().date_naive();
    let found: Vec<&tinhso_domain::AdminUnit> = if text.trim().is_empty() {
        // With no search, list the deployment province's current communes.
        match units.lookup(&s.config.province_code, today) {
            Ok(p) => std::iter::once(p).chain(units.children(p)).collect(),
            Err(_) => Vec::new(),
        }
    } else {
        let filter = SearchFilter { as_of: (!legacy).then_some(today), limit: 200, ..Default::default() };
        units.search(&text, &filter)
    };
    let rows = found
        .into_iter()
        .map(|u| UnitRow {
            code: u.code.clone(),
            href: unit_href(u),
            name: if lang == Lang::En { u.full_name_en.clone() } else { u.full_name.clone() },
            level: u.level.label(lang).to_string(),
            parent: parent_label(u),
            in_force: u.in_force(),
        })
        .collect();
    render(&UnitsPage { c, q: text, legacy, units: rows })
}

struct UnitView {
    code: String,
    name: String,
    level: String,
    valid_from: String,
    valid_to: String,
    parent: String,
    in_force: bool,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    c: Ctx,
    u: UnitView,
    as_of: String,
    successors: Vec<(String, String, String)>,
    predecessors: Vec<(String, String, String)>,
    children: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct AsOfQuery {
    as_of: Option<String>,
}

fn vn_date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| "—".into())
}

async fn unit_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: Option<PageCaller>,
    Path(code): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> Response {
    let c = ctx(&s, lang, caller.as_ref(), "/admin-units").await;
    let units = AdminUnits::embedded();
    let as_of = match parse_as_of(q.as_of.as_deref()) {
        Ok(d) => d,
        Err(e) => return error_page(c, &e),
    };
    let u = match units.lookup(code.trim(), as_of) {
        Ok(u) => u,
        Err(e) => return error_page(c, &e),
    };
    let part = |whole: bool| if whole { c.t("units.whole") } else { c.t("units.part") }.to_string();
    let successors = units.successors(u).into_iter().map(|x| (x.code, x.name, part(x.whole))).collect();
    let predecessors = units.predecessors(u).into_iter().map(|x| (x.code, x.name, part(x.whole))).collect();
    let children = units
        .children(u)
        .into_iter()
        .map(|ch| (unit_href(ch), format!("{} ({})", ch.full_name, ch.code), ch.level.label(lang).to_string()))
        .collect();
    let view = UnitView {
        code: u.code.clone(),
        name: if lang == Lang::En { u.full_name_en.clone() } else { u.full_name.clone() },
        level: u.level.label(lang).to_string(),
        valid_from: vn_date(u.valid_from),
        valid_to: vn_date(u.valid_to),
        parent: parent_label(u),
        in_force: u.in_force(),
    };
    render(&UnitPage { c, u: view, as_of: as_of.to_string(), successors, predecessors, children })
}

// ---------------------------------------------------------------- API keys

struct KeyRow {
    id: i64,
    name: String,
    prefix: String,
    access: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct KeysPage {
    c: Ctx,
    keys: Vec<KeyRow>,
    secret: Option<String>,
    error: Option<String>,
}

fn vn_time(t: Option<i64>) -> String {
    t.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .map(|d| {
            d.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7"))
                .format("%H:%M %d/%m/%Y")
                .to_string()
        })
        .unwrap_or_else(|| "—".into())
}

async fn keys_view(
    s: &AppState,
    caller: &PageCaller,
    c: Ctx,
    secret: Option<String>,
    error: Option<&Error>,
) -> Response {
    let lang = c.lang;
    let keys = match s.store.api_keys(caller.user.id).await {
        Ok(k) => k,
        Err(e) => return error_page(c, &e),
    };
    let rows = keys
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            access: match k.access {
                ApiKeyAccess::Read => c.t("keys.read").to_string(),
                ApiKeyAccess::ReadWrite => c.t("keys.write").to_string(),
            },
            created: vn_time(Some(k.created_at)),
            last_used: vn_time(k.last_used_at),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    let status = error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK);
    let error = error.map(|e| format_error(e, lang));
    render_status(status, &KeysPage { c, keys: rows, secret, error })
}

async fn keys_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/account/api-keys").await;
    if let Err(e) = require_staff(&caller) {
        return error_page(c, &e);
    }
    keys_view(&s, &caller, c, None, None).await
}

#[derive(Deserialize)]
struct KeyForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    access: String,
}

async fn key_create(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<KeyForm>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/account/api-keys").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        let access = ApiKeyAccess::parse(&f.access)?;
        s.store.create_api_key(&caller.user, &f.name, None, access).await
    }
    .await;
    match result {
        Ok((k, secret)) => {
            tracing::info!(actor = %caller.user.username, key = %k.prefix, "api key created");
            keys_view(&s, &caller, c, Some(secret), None).await
        }
        Err(e) => keys_view(&s, &caller, c, None, Some(&e)).await,
    }
}

async fn key_revoke(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/account/api-keys").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.store.revoke_api_key(&caller.user, parse_page_id(&id)?).await
    }
    .await;
    match result {
        Ok(()) => {
            tracing::info!(actor = %caller.user.username, key_id = %id, "api key revoked");
            see_other("/account/api-keys")
        }
        Err(e) => keys_view(&s, &caller, c, None, Some(&e)).await,
    }
}
