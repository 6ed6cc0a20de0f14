//! The OpenAPI 3.1 document of the JSON API, generated from the handlers'
//! annotations, served at `/api/openapi.json` and rendered as a plain HTML
//! reference at `/api/docs` (server-side, no script, nothing fetched).
//!
//! **Adding a route under `/api/v1/`:**
//! 1. Annotate its handler, next to it, with `#[utoipa::path(...)]`: method,
//!    `path` exactly as in `.route(...)`, a `tag`, `params(...)` (path tuples
//!    and an `IntoParams` query struct), `request_body`, `responses(...)`, and
//!    `security(("api_key" = []), ("session" = []))` when it takes a `Caller`.
//!    Errors use the shared responses below: `(status = 404, response = NotFound)`.
//!    A 500 is added to every operation here, and a 429 (the key's rate limit)
//!    to every operation that accepts an API key, so handlers need not list them.
//!    Derive `ToSchema` on its DTOs (`IntoParams` on query structs) and take
//!    `ApiQuery`/`ApiPath`/`JsonBody` so that bad input is a 400 problem, not
//!    axum's plain text.
//! 2. List the handler in `paths(...)` of [`ApiDoc`] below (and a new tag in `tags(...)`).
//! 3. Regenerate the committed document and review the diff:
//!    `UPDATE_OPENAPI=1 cargo test -p tinhso-web openapi` (writes `docs/openapi.json`).
//!
//! `tests/it/openapi.rs` fails when a route under `/api/v1/` has no
//! operation in the document, and when `docs/openapi.json` is stale.

use std::sync::OnceLock;

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};

use crate::error::Problem;
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tinhso API",
        version = env!("CARGO_PKG_VERSION"),
        description = "API của nền tảng tinhso (tỉnh số): đơn vị hành chính, cơ quan, người dùng, kho dữ liệu dùng chung. \
Lỗi trả về dạng `application/problem+json` với thông điệp tiếng Việt và tiếng Anh.\n\n\
The tinhso platform's API: administrative units, agencies, users and the shared data warehouse. \
Errors are `application/problem+json` with the message in Vietnamese and English and the field at fault. \
Systems authenticate with an API key (`Authorization: Bearer tsk_…`); a browser session also works, \
with the `X-CSRF-Token` header on writes.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "This server")),
    paths(
        crate::api::search_units,
        crate::api::get_unit,
        crate::api::list_agencies,
        crate::api::create_agency,
        crate::api::import_agencies,
        crate::api::get_agency,
        crate::api::update_agency,
        crate::api::list_users,
        crate::api::create_user,
        crate::api::get_user,
        crate::api::update_user,
        crate::api::me,
        crate::datasets::list,
        crate::datasets::create,
        crate::datasets::show,
        crate::datasets::update,
        crate::datasets::versions,
        crate::datasets::upload,
        crate::datasets::version,
        crate::datasets::version_rejects,
        crate::datasets::ingest_rejects,
        crate::datasets::preview,
        crate::datasets::agency_quality,
        crate::datasets::sql,
        crate::gateway::rows,
        crate::gateway::row,
        crate::gateway::my_access,
        crate::gateway::list_grants,
        crate::gateway::request_grant,
        crate::gateway::show_grant,
        crate::gateway::approve_grant,
        crate::gateway::refuse_grant,
        crate::gateway::revoke_grant,
        crate::gateway::list_systems,
        crate::gateway::create_system,
        crate::gateway::create_system_key,
        crate::gateway::audit_log,
        crate::dashboards::list,
        crate::dashboards::create,
        crate::dashboards::show,
        crate::dashboards::save,
        crate::dashboards::versions,
        crate::dashboards::panel_data,
        crate::dashboards::list_alerts,
        crate::dashboards::create_alert,
        crate::dashboards::set_alert_enabled,
        crate::dashboards::check_alerts,
        crate::dashboards::alert_events,
        crate::dashboards::notifications,
        crate::dashboards::read_notifications,
        crate::dx::list_plans,
        crate::dx::create_plan,
        crate::dx::import_plan,
        crate::dx::plan_template,
        crate::dx::plan_xlsx,
        crate::dx::list_kpis,
        crate::dx::create_kpi,
        crate::dx::compute_kpi,
        crate::dx::record_kpi,
        crate::dx::list_reviews,
        crate::dx::open_review,
        crate::dx::show_review,
        crate::dx::submit_report,
        crate::dx::close_review,
        crate::dx::start,
        crate::dx::frameworks,
        crate::dx::save_framework,
        crate::dx::dti_results,
        crate::dx::import_rankings,
        crate::dx::save_assessment,
        crate::dx::add_evidence,
        crate::dx::get_evidence,
        crate::dx::indices,
        crate::dx::save_result,
        crate::dx::save_target,
        crate::dx::team_stats,
        crate::dx::monthly_report,
        crate::projects::list,
        crate::projects::create,
        crate::projects::show,
        crate::projects::transition,
        crate::projects::comment,
        crate::projects::add_document,
        crate::projects::get_document,
        crate::projects::attention,
        crate::projects::workflow,
        crate::projects::save_workflow,
        crate::projects::budget_plans,
        crate::projects::save_budget_plan,
        crate::projects::allocate,
        crate::projects::disburse,
        crate::projects::summary,
        crate::oidc::list_clients,
        crate::oidc::create_client,
        crate::oidc::discovery,
        crate::oidc::jwks,
        crate::oidc::token,
        crate::oidc::userinfo,
        crate::oidc::userinfo_post,
        crate::oidc::revoke,
        crate::oidc::introspect,
        dcat_catalogue,
        crate::ops::healthz,
        crate::ops::metrics_text,
    ),
    components(
        schemas(Problem),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests, InternalError),
    ),
    modifiers(&SecuritySchemes, &InternalErrors, &RateLimits),
    tags(
        (name = "admin-units", description = "Đơn vị hành chính (công khai) — Administrative units and the 2025 crosswalk (public)"),
        (name = "agencies", description = "Cơ quan, đơn vị — Agencies, within the caller's scope"),
        (name = "users", description = "Người dùng — Users, within the caller's scope"),
        (name = "account", description = "Tài khoản — The caller"),
        (name = "datasets", description = "Kho dữ liệu dùng chung — The shared data warehouse: catalogue, uploads, versions, rejected rows, rows"),
        (name = "quality", description = "Chất lượng dữ liệu — Data quality"),
        (name = "sql", description = "Truy vấn SQL — SQL over the warehouse"),
        (name = "gateway", description = "Cổng chia sẻ dữ liệu — The data sharing gateway: rows for other agencies' systems \
(deny by default, granted column by column and row by row, personal data masked, every read audited), \
access requests and grants, information systems and their keys, the audit log"),
        (name = "dashboards", description = "Bảng điều khiển (IOC) — Operations-centre dashboards: definitions (YAML/JSON, versioned), \
panel rows computed from the warehouse as the caller may read it (cached until a dataset gets a new version), alert rules, \
their history and in-app notifications"),
        (name = "dx", description = "Chương trình chuyển đổi số — The DX programme tracker: plans and tasks in the 10 groups \
(XLSX template), KPIs computed from the warehouse or entered, monthly reviews with each agency's report, what each agency \
must do now, DTI frameworks, self-assessment with evidence, official results of DTI, PAPI, PCI and SIPAS with targets, \
community digital team statistics, and the monthly report (DOCX in the Decree 30/2020 layout, XLSX)"),
        (name = "projects", description = "Dự án CNTT — IT projects: the appraisal workflow (steps, assignees, deadlines, returns \
with the checklist items missing), dossiers and comments, the yearly capital plan, allocations, disbursements, the budget \
summary, and what needs attention"),
        (name = "sso", description = "Đăng nhập một lần — Single sign-on: the OpenID Connect provider's protocol endpoints \
(errors as RFC 6749 JSON, not problem documents) and the registered applications. The browser endpoints \
`/oidc/authorize`, `/oidc/logout` and `/portal` are pages, not listed here."),
        (name = "ops", description = "Vận hành — Health and metrics"),
    ),
)]
pub struct ApiDoc;

/// Danh mục dữ liệu mở (DCAT) — The open zone as a DCAT catalogue (JSON-LD)
///
/// The datasets of the open zone with their distributions, whoever asks; for
/// national open-data portals and harvesters (DCAT-AP). Served by the
/// CKAN-compatible API (`ckan.rs`), whose other routes are outside `/api/v1/`.
#[utoipa::path(
    get,
    path = "/api/v1/catalogue/dcat.jsonld",
    operation_id = "dcat_catalogue",
    tag = "datasets",
    responses((status = 200, description = "The catalogue (`dcat:Catalog`)",
        content((serde_json::Value = "application/ld+json"))))
)]
#[allow(dead_code)]
fn dcat_catalogue() {}

/// The API key (`Authorization: Bearer tsk_…`) and the browser session cookie.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tsk_…")
                    .description(Some(
                        "Khoá API (Tài khoản → Khoá API, hoặc `tinhso apikey create`) — An API key: \
                         read-only or read-write, never beyond its owner's scope.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Phiên đăng nhập trên trình duyệt — The browser's login session; writes also need the \
                 `X-CSRF-Token` header (the page's `<meta name=\"csrf-token\">`).",
            ))),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "Ứng dụng SSO — An OpenID Connect client: `client_id:client_secret` with HTTP Basic \
                         (`client_secret_basic`), or both as form fields (`client_secret_post`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Mã truy cập SSO — An access token from `/oidc/token` (`Authorization: Bearer …`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every operation may fail inside (the database is down…): a 500 problem
/// that never shows internals, unless the operation declares its own 500
/// (the OAuth endpoints answer errors in RFC 6749's form).
struct InternalErrors;

impl Modify for InternalErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("500".into())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("InternalError")));
            }
        }
    }
}

/// Every request with an API key counts against the key's rate limit
/// (`auth.rs`), so every operation that accepts one may answer 429.
struct RateLimits;

impl Modify for RateLimits {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                let with_key = op
                    .security
                    .iter()
                    .flatten()
                    .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("api_key").is_some()));
                if with_key {
                    op.responses
                        .responses
                        .entry("429".into())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name("TooManyRequests")));
                }
            }
        }
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    ResponseBuilder::new().description(description).content("application/problem+json", content).build().into()
}

/// Declares a shared error response: a problem document with one status.
macro_rules! problem_responses {
    ($($name:ident => $description:literal,)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                (stringify!($name), problem_response($description))
            }
        }
    )*};
}

problem_responses! {
    BadRequest => "Yêu cầu không hợp lệ — Invalid input; `field` names the parameter or body field at fault",
    Unauthorized => "Chưa xác thực — No valid API key or session",
    Forbidden => "Không có quyền — Outside the caller's role, scope or key access",
    NotFound => "Không tìm thấy — No such resource (or not visible to the caller)",
    Conflict => "Xung đột — Already exists, or conflicts with stored data",
    TooManyRequests => "Quá nhiều yêu cầu — The API key's rate limit (requests per minute) is reached; retry shortly",
    InternalError => "Lỗi hệ thống — Internal error; details are only in the server log",
}

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty JSON, ending with a newline. Stable: paths,
/// responses and properties come out in the same order on every run.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().expect("the OpenAPI document serialises");
    s.push('\n');
    s
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_json)).route("/api/docs", get(docs_page))
}

async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(document_json).clone();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn docs_page() -> Response {
    static HTML: OnceLock<String> = OnceLock::new();
    let body =
        HTML.get_or_init(|| DocsPage::from_document(&document()).render().unwrap_or_else(|e| format!("<p>{e}</p>")));
    Html(body.clone()).into_response()
}

// ------------------------------------------------------------- the HTML page

/// A run of description text; `code` when it was between backticks.
struct Span {
    text: String,
    code: bool,
}

/// A paragraph of description text.
struct Para {
    spans: Vec<Span>,
}

/// Description text as paragraphs (blank lines) of spans: lines wrapped in
/// the doc comments are joined, `code` is set apart. No markup passes through.
fn rich(s: &str) -> Vec<Para> {
    s.split("\n\n")
        .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| Para {
            spans: p
                .split('`')
                .enumerate()
                .filter(|(_, t)| !t.is_empty())
                .map(|(i, t)| Span { text: t.to_string(), code: i % 2 == 1 })
                .collect(),
        })
        .collect()
}

/// A piece of a type: text, linked to a schema when it names one.
struct TypePart {
    text: String,
    schema: Option<String>,
}

struct ParamView {
    name: String,
    location: String,
    required: bool,
    ty: Vec<TypePart>,
    description: Vec<Para>,
}

struct ContentView {
    media_type: String,
    ty: Vec<TypePart>,
}

struct ResponseView {
    status: String,
    description: Vec<Para>,
    contents: Vec<ContentView>,
}

struct OperationView {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: Vec<Para>,
    authenticated: bool,
    params: Vec<ParamView>,
    body: Vec<ContentView>,
    responses: Vec<ResponseView>,
}

struct TagView {
    name: String,
    description: Vec<Para>,
    operations: Vec<OperationView>,
}

struct PropertyView {
    name: String,
    required: bool,
    ty: Vec<TypePart>,
    description: Vec<Para>,
}

struct SchemaView {
    name: String,
    description: Vec<Para>,
    ty: Vec<TypePart>,
    properties: Vec<PropertyView>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    version: String,
    description: Vec<Para>,
    tags: Vec<TagView>,
    schemas: Vec<SchemaView>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Describes a schema in a few words: `string`, `array of Agency`, `integer | null`…
fn type_parts(schema: &Value) -> Vec<TypePart> {
    let plain = |s: &str| TypePart { text: s.to_string(), schema: None };
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        return vec![TypePart { text: name.clone(), schema: Some(name) }];
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let mut out = Vec::new();
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push(plain(" | "));
                }
                out.extend(type_parts(s));
            }
            return out;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let v: Vec<String> = values.iter().map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string())).collect();
        return vec![plain(&format!("one of: {}", v.join(", ")))];
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        return vec![plain("any")];
    }
    let mut out = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            out.push(plain(" | "));
        }
        match *t {
            "array" => {
                out.push(plain("array of "));
                out.extend(schema.get("items").map(type_parts).unwrap_or_else(|| vec![plain("any")]));
            }
            t => {
                let format = text(schema, "format");
                let shown = if format.is_empty() || t == "null" { t.to_string() } else { format!("{t} ({format})") };
                out.push(plain(&shown));
            }
        }
    }
    out
}

/// A schema's description, or that of the one it wraps (`oneOf: [null, {$ref, description}]`).
fn describe(schema: &Value) -> Vec<Para> {
    let own = text(schema, "description");
    if !own.is_empty() {
        return rich(&own);
    }
    let inner = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .map(|s| text(s, "description"))
        .find(|d| !d.is_empty());
    rich(&inner.unwrap_or_default())
}

fn contents(v: &Value) -> Vec<ContentView> {
    v.get("content")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(media_type, c)| ContentView {
                    media_type: media_type.clone(),
                    ty: c.get("schema").map(type_parts).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Follows a `#/components/responses/…` reference.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/responses/")) {
        Some(name) => doc.pointer(&format!("/components/responses/{name}")).unwrap_or(v),
        None => v,
    }
}

impl DocsPage {
    fn from_document(api: &utoipa::openapi::OpenApi) -> DocsPage {
        let doc = &serde_json::to_value(api).expect("the OpenAPI document serialises");
        let info = &doc["info"];
        let mut tags: Vec<TagView> = doc["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| TagView { name: text(t, "name"), description: rich(&text(t, "description")), operations: vec![] })
            .collect();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
                let Some(op) = item.get(method) else { continue };
                let tag = op["tags"].get(0).and_then(Value::as_str).unwrap_or("default").to_string();
                let view = OperationView {
                    anchor: format!("{method}-{path}").replace(['/', '{', '}', '.'], "-"),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(op, "summary"),
                    description: rich(&text(op, "description")),
                    authenticated: op.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty()),
                    params: op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| ParamView {
                            name: text(p, "name"),
                            location: text(p, "in"),
                            required: p["required"].as_bool().unwrap_or(false),
                            ty: p.get("schema").map(type_parts).unwrap_or_default(),
                            description: describe(p),
                        })
                        .collect(),
                    body: op.get("requestBody").map(contents).unwrap_or_default(),
                    responses: op["responses"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(status, r)| {
                            let r = resolve(doc, r);
                            ResponseView {
                                status: status.clone(),
                                description: rich(&text(r, "description")),
                                contents: contents(r),
                            }
                        })
                        .collect(),
                };
                match tags.iter_mut().find(|t| t.name == tag) {
                    Some(t) => t.operations.push(view),
                    None => tags.push(TagView { name: tag, description: vec![], operations: vec![view] }),
                }
            }
        }
        tags.retain(|t| !t.operations.is_empty());
        // From the typed document: its properties keep the fields' order,
        // which a `serde_json::Value` (sorted maps) would lose.
        let schemas = api
            .components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .map(|(name, schema)| {
                let s = serde_json::to_value(schema).unwrap_or_default();
                let required: Vec<&str> =
                    s["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                let properties = match schema {
                    RefOr::T(Schema::Object(o)) => o
                        .properties
                        .iter()
                        .map(|(p, ps)| {
                            let ps = serde_json::to_value(ps).unwrap_or_default();
                            PropertyView {
                                name: p.clone(),
                                required: required.contains(&p.as_str()),
                                ty: type_parts(&ps),
                                description: describe(&ps),
                            }
                        })
                        .collect(),
                    _ => vec![],
                };
                SchemaView { name: name.clone(), description: describe(&s), ty: type_parts(&s), properties }
            })
            .collect();
        DocsPage {
            title: text(info, "title"),
            version: text(info, "version"),
            description: rich(&text(info, "description")),
            tags,
            schemas,
        }
    }
}
