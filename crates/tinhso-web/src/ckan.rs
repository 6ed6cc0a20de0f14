//! The catalogue for other portals: the part of the CKAN 2.10 action API that
//! harvesters and `ckanapi` call (`/api/3/action/…`) and a DCAT-AP 3 JSON-LD
//! export of the open zone (`/api/v1/catalogue/dcat.jsonld`).
//!
//! A CKAN package is a tinhso dataset (`name` = slug), an organization is the
//! dataset's owner agency (`name` = agency code in lower case), and every
//! package has three resources — the rows API as CSV, JSON and Parquet. Callers
//! see what the catalogue shows them elsewhere: anonymous callers the open
//! zone, staff every entry. Only metadata is served here, never a row.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{json, Map, Value};
use tinhso_domain::text::fold;
use tinhso_domain::{AdminUnits, Error, ErrorKind};
use tinhso_store::DatasetRecord;
use tinhso_warehouse::{Actor, Dataset};

use crate::auth::Caller;
use crate::error::{log_internal, ApiError};
use crate::{AppState, WebConfig};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/3/action/{action}", get(action).post(action))
        // `ckanapi` and older clients call the unversioned path.
        .route("/api/action/{action}", get(action).post(action))
        .route("/api/3", get(api_version))
        .route("/api/v1/catalogue/dcat.jsonld", get(dcat))
}

// ---------------------------------------------------------------- actions

/// The actions served; any other name is answered "Bad request", as CKAN does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    PackageList,
    PackageShow,
    PackageSearch,
    CurrentPackageListWithResources,
    OrganizationList,
    OrganizationShow,
    ResourceShow,
    StatusShow,
    HelpShow,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::PackageList,
        Action::PackageShow,
        Action::PackageSearch,
        Action::CurrentPackageListWithResources,
        Action::OrganizationList,
        Action::OrganizationShow,
        Action::ResourceShow,
        Action::StatusShow,
        Action::HelpShow,
    ];

    fn name(self) -> &'static str {
        match self {
            Action::PackageList => "package_list",
            Action::PackageShow => "package_show",
            Action::PackageSearch => "package_search",
            Action::CurrentPackageListWithResources => "current_package_list_with_resources",
            Action::OrganizationList => "organization_list",
            Action::OrganizationShow => "organization_show",
            Action::ResourceShow => "resource_show",
            Action::StatusShow => "status_show",
            Action::HelpShow => "help_show",
        }
    }

    fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// What `help_show` says of the action, in Vietnamese and English.
    fn help(self) -> (&'static str, &'static str) {
        match self {
            Action::PackageList => (
                "Danh sách mã (slug) các bộ dữ liệu người gọi được xem. Tham số: limit, offset.",
                "Names (slugs) of the datasets the caller may see. Parameters: limit, offset.",
            ),
            Action::PackageShow => ("Một bộ dữ liệu. Tham số: id (mã bộ dữ liệu).", "One dataset. Parameter: id (the slug)."),
            Action::PackageSearch => (
                "Tìm bộ dữ liệu. Tham số: q (không phân biệt dấu), fq (organization:, tags:, res_format:, \
                 metadata_modified:[… TO …], name:, capacity:…), rows, start, sort, facet.field, include_private.",
                "Searches datasets. Parameters: q (diacritics ignored), fq (organization:, tags:, res_format:, \
                 metadata_modified:[… TO …], name:, capacity:…), rows, start, sort, facet.field, include_private.",
            ),
            Action::CurrentPackageListWithResources => (
                "Các bộ dữ liệu kèm tài nguyên, mới cập nhật trước. Tham số: limit, offset.",
                "Datasets with their resources, most recently modified first. Parameters: limit, offset.",
            ),
            Action::OrganizationList => (
                "Các cơ quan chủ quản có bộ dữ liệu người gọi được xem. Tham số: all_fields, sort, limit, offset, organizations.",
                "Owner agencies of datasets the caller may see. Parameters: all_fields, sort, limit, offset, organizations.",
            ),
            Action::OrganizationShow => (
                "Một cơ quan chủ quản. Tham số: id (mã cơ quan), include_datasets.",
                "One owner agency. Parameters: id (agency code), include_datasets.",
            ),
            Action::ResourceShow => (
                "Một tài nguyên (tải dữ liệu). Tham số: id, dạng «slug-csv», «slug-json» hoặc «slug-parquet».",
                "One resource (a download). Parameter: id, as «slug-csv», «slug-json» or «slug-parquet».",
            ),
            Action::StatusShow => ("Thông tin về cổng dữ liệu.", "About this catalogue."),
            Action::HelpShow => ("Mô tả một hành động. Tham số: name.", "Describes an action. Parameter: name."),
        }
    }
}

/// `GET /api/3`: the API version, as CKAN answers it.
async fn api_version() -> Response {
    json_response(StatusCode::OK, &json!({"version": 3}), JSON_TYPE)
}

const JSON_TYPE: &str = "application/json;charset=utf-8";

fn json_response(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

async fn action(
    State(s): State<AppState>,
    Path(name): Path<String>,
    caller: Result<Option<Caller>, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let base = base_url(&headers, &s.config);
    let help = format!("{base}/api/3/action/help_show?name={}", crate::auth::urlencode(&name));
    reply(&help, answer(&s, &name, caller, &headers, &uri, &body, &base).await)
}

async fn answer(
    s: &AppState,
    name: &str,
    caller: Result<Option<Caller>, ApiError>,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
    base: &str,
) -> Result<Value, Failure> {
    let action = Action::parse(name).ok_or_else(|| {
        Failure::bad_request(format!("Không có hành động «{name}»."), format!("Action name not known: {name}"))
    })?;
    let params = Params::read(uri, body)?;
    let caller = caller.map_err(|ApiError(e)| Failure::from(e))?;
    // A CKAN client sends its key as a bare `Authorization` or an `X-CKAN-API-Key` header.
    let caller = match (caller, ckan_key(headers)) {
        (None, Some(key)) => Some(crate::auth::key_caller(s, &key, crate::auth::request_id(headers)).await?),
        (c, _) => c,
    };
    let actor =
        caller.as_ref().map(crate::datasets::actor).unwrap_or_else(|| Actor::public(&crate::auth::request_id(headers)));
    run(s, action, &params, &actor, base).await
}

fn reply(help: &str, outcome: Result<Value, Failure>) -> Response {
    match outcome {
        Ok(result) => {
            json_response(StatusCode::OK, &json!({"help": help, "success": true, "result": result}), JSON_TYPE)
        }
        Err(f) => {
            log_internal(&f.error);
            json_response(f.status(), &json!({"help": help, "success": false, "error": f.body()}), JSON_TYPE)
        }
    }
}

/// An API key sent the CKAN way (a bare `Authorization` value or `X-CKAN-API-Key`);
/// `Authorization: Bearer` is read by the `Caller` extractor.
fn ckan_key(headers: &HeaderMap) -> Option<String> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    value("x-ckan-api-key")
        .or_else(|| value(header::AUTHORIZATION.as_str()).filter(|v| !v.contains(' ')))
        .map(str::to_string)
}

async fn run(s: &AppState, action: Action, p: &Params, actor: &Actor, base: &str) -> Result<Value, Failure> {
    match action {
        Action::PackageList => {
            let cat = Catalogue::load(s, actor).await?;
            let names: Vec<Value> = cat.datasets.iter().map(|d| Value::from(d.record.slug.as_str())).collect();
            Ok(Value::Array(page(names, p.int("offset", 0)?, p.int_opt("limit")?)))
        }
        Action::PackageShow => {
            let id = p.id()?;
            let d = s.warehouse.dataset(actor, &id).await?;
            let org = org_of(s, &d.record).await?;
            Ok(package(&d, &org, base))
        }
        Action::PackageSearch => {
            let cat = Catalogue::load(s, actor).await?;
            search(&cat, p, base, tinhso_store::now())
        }
        Action::CurrentPackageListWithResources => {
            let cat = Catalogue::load(s, actor).await?;
            let mut list: Vec<&Dataset> = cat.datasets.iter().collect();
            list.sort_by_key(|d| std::cmp::Reverse(modified_at(d)));
            let packages = list.into_iter().map(|d| package(d, cat.org(d), base)).collect();
            Ok(Value::Array(page(packages, p.int("offset", 0)?, p.int_opt("limit")?)))
        }
        Action::OrganizationList => {
            let cat = Catalogue::load(s, actor).await?;
            organization_list(&cat, p)
        }
        Action::OrganizationShow => {
            let id = p.id()?;
            let cat = Catalogue::load(s, actor).await?;
            let org = cat.orgs.values().find(|o| o.name == id.to_lowercase()).ok_or_else(|| {
                Error::not_found(format!("Không có cơ quan «{id}»."), format!("Organization «{id}» was not found."))
            })?;
            let owned: Vec<&Dataset> = cat.datasets.iter().filter(|d| d.record.owner_code == org.code).collect();
            let mut o = organization(org, Some(owned.len()));
            o["extras"] = json!([{"key": "code", "value": org.code}, {"key": "title_en", "value": org.title_en}]);
            o["users"] = json!([]);
            o["groups"] = json!([]);
            o["tags"] = json!([]);
            if p.flag("include_datasets", false)? {
                o["packages"] = owned.iter().map(|d| package(d, org, base)).collect();
            }
            Ok(o)
        }
        Action::ResourceShow => {
            let id = p.id()?;
            let missing =
                || Error::not_found(format!("Không có tài nguyên «{id}»."), format!("Resource «{id}» was not found."));
            let (slug, format) = FORMATS
                .iter()
                .find_map(|f| id.strip_suffix(f.suffix).and_then(|s| s.strip_suffix('-')).map(|s| (s, f)))
                .ok_or_else(missing)?;
            let d = s.warehouse.dataset(actor, slug).await.map_err(|e| match e.kind {
                ErrorKind::NotFound => missing(),
                _ => e,
            })?;
            Ok(resource(&d, format, base))
        }
        Action::StatusShow => Ok(status(s, base)),
        Action::HelpShow => {
            let name = p.required("name")?;
            let a = Action::parse(&name).ok_or_else(|| {
                Error::not_found(
                    format!("Không có hành động «{name}»."),
                    format!("Action function «{name}» not found."),
                )
            })?;
            let (vi, en) = a.help();
            Ok(Value::from(format!("{vi}\n\n{en}")))
        }
    }
}

fn status(s: &AppState, base: &str) -> Value {
    let p = Province::of(&s.config);
    json!({
        "site_title": format!("tinhso — {}", p.name_vi),
        "site_description": format!("Danh mục dữ liệu {} / Data catalogue of {}", p.name_vi, p.name_en),
        "site_url": base,
        // The version whose API this one follows; clients use it to choose behaviour.
        "ckan_version": "2.10.0",
        "tinhso_version": env!("CARGO_PKG_VERSION"),
        "error_emails_to": null,
        "locale_default": "vi",
        "extensions": [],
    })
}

/// `items[offset..offset+limit]`.
fn page(items: Vec<Value>, offset: usize, limit: Option<usize>) -> Vec<Value> {
    items.into_iter().skip(offset).take(limit.unwrap_or(usize::MAX)).collect()
}

// ---------------------------------------------------------------- errors

/// How CKAN reports a failure: the `__type` that clients such as `ckanapi`
/// turn back into an exception, and the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    NotFound,
    Authorization,
    Validation,
    SearchQuery,
    BadRequest,
    Internal,
}

/// A failed action: the CKAN fault and the bilingual error.
#[derive(Debug)]
struct Failure {
    fault: Fault,
    error: Error,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        let fault = match error.kind {
            ErrorKind::NotFound => Fault::NotFound,
            // CKAN answers a bad key like any refusal: 403.
            ErrorKind::Unauthenticated | ErrorKind::Forbidden => Fault::Authorization,
            ErrorKind::Internal => Fault::Internal,
            ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::TooMany => Fault::Validation,
        };
        Failure { fault, error }
    }
}

impl Failure {
    fn bad_request(vi: impl Into<String>, en: impl Into<String>) -> Failure {
        Failure { fault: Fault::BadRequest, error: Error::new(ErrorKind::Invalid, vi, en) }
    }

    fn search(vi: impl Into<String>, en: impl Into<String>) -> Failure {
        Failure { fault: Fault::SearchQuery, error: Error::new(ErrorKind::Invalid, vi, en) }
    }

    fn status(&self) -> StatusCode {
        match self.fault {
            Fault::NotFound => StatusCode::NOT_FOUND,
            Fault::Authorization => StatusCode::FORBIDDEN,
            Fault::Validation => StatusCode::CONFLICT,
            Fault::SearchQuery | Fault::BadRequest => StatusCode::BAD_REQUEST,
            Fault::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` object. Messages keep CKAN's English prefix before the
    /// first ": " (clients cut there) and carry both languages after it.
    fn body(&self) -> Value {
        let both = format!("{} / {}", self.error.vi, self.error.en);
        let message = |ty: &str, prefix: &str| json!({"__type": ty, "message": format!("{prefix}: {both}")});
        match self.fault {
            Fault::NotFound => message("Not Found Error", "Không tìm thấy / Not found"),
            Fault::Authorization => message("Authorization Error", "Từ chối truy cập / Access denied"),
            Fault::SearchQuery => message("Search Query Error", "Truy vấn không hợp lệ / Search Query is invalid"),
            Fault::BadRequest => message("Bad request", "Yêu cầu không hợp lệ / Bad request"),
            Fault::Internal => message("Internal Server Error", "Lỗi hệ thống / Internal Server Error"),
            Fault::Validation => {
                let field = self.error.field.clone().unwrap_or_else(|| "message".into());
                let mut m = Map::new();
                m.insert("__type".into(), "Validation Error".into());
                m.insert(field, json!([both]));
                Value::Object(m)
            }
        }
    }
}

// ---------------------------------------------------------------- parameters

/// An action's parameters, read as CKAN reads them: the query string, then a
/// JSON object in the body (what `ckanapi` posts) on top.
#[derive(Debug, Default)]
struct Params(Map<String, Value>);

impl Params {
    fn read(uri: &Uri, body: &[u8]) -> Result<Params, Failure> {
        let mut map = Map::new();
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|e| {
            Failure::bad_request(format!("Chuỗi truy vấn không hợp lệ: {e}"), format!("Invalid query string: {e}"))
        })?;
        for (k, v) in pairs {
            match map.get_mut(&k) {
                Some(Value::Array(a)) => a.push(Value::String(v)),
                Some(old) => {
                    let first = old.take();
                    *old = json!([first, v]);
                }
                None => {
                    map.insert(k, Value::String(v));
                }
            }
        }
        if !body.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(o)) => map.extend(o),
                Ok(_) => {
                    return Err(Failure::bad_request(
                        "Dữ liệu gửi lên phải là một đối tượng JSON.",
                        "JSON Error: the request data needs to be a dictionary.",
                    ))
                }
                Err(e) => {
                    return Err(Failure::bad_request(format!("JSON không hợp lệ: {e}"), format!("JSON Error: {e}")))
                }
            }
        }
        Ok(Params(map))
    }

    fn text(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(a) => a.first().and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        }
    }

    fn invalid(key: &str, vi: &str, en: &str) -> Failure {
        Failure { fault: Fault::Validation, error: Error::invalid(key, vi, en) }
    }

    fn required(&self, key: &str) -> Result<String, Failure> {
        self.text(key)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Params::invalid(key, "Thiếu giá trị.", "Missing value"))
    }

    /// `id`, or `name_or_id` as older clients send it.
    fn id(&self) -> Result<String, Failure> {
        self.required("id").or_else(|e| self.required("name_or_id").map_err(|_| e))
    }

    fn int_opt(&self, key: &str) -> Result<Option<usize>, Failure> {
        match self.text(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
                Params::invalid(key, "Phải là số nguyên không âm.", "Must be a natural number (invalid integer)")
            }),
        }
    }

    fn int(&self, key: &str, default: usize) -> Result<usize, Failure> {
        Ok(self.int_opt(key)?.unwrap_or(default))
    }

    /// A boolean the way CKAN's `asbool` reads one.
    fn flag(&self, key: &str, default: bool) -> Result<bool, Failure> {
        match self.text(key).map(|v| v.trim().to_lowercase()) {
            None => Ok(default),
            Some(v) => match v.as_str() {
                "" => Ok(default),
                "true" | "yes" | "on" | "y" | "t" | "1" => Ok(true),
                "false" | "no" | "off" | "n" | "f" | "0" => Ok(false),
                _ => Err(Params::invalid(key, "Phải là true hoặc false.", "Must be true or false")),
            },
        }
    }

    /// A list: a JSON array, a string holding one (`facet.field=["tags"]`), or one plain value.
    fn list(&self, key: &str) -> Result<Vec<String>, Failure> {
        let strings = |a: &Vec<Value>| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(strings(a)),
            Some(Value::String(s)) if s.trim_start().starts_with('[') => match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(a)) => Ok(strings(&a)),
                _ => Err(Params::invalid(key, "Danh sách JSON không hợp lệ.", "Invalid JSON list")),
            },
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(_) => Err(Params::invalid(key, "Phải là một danh sách.", "Must be a list")),
        }
    }
}

// ---------------------------------------------------------------- catalogue

/// An owner agency as a CKAN organization.
#[derive(Debug, Clone)]
struct Org {
    /// The CKAN name: the agency code in lower case.
    name: String,
    code: String,
    title: String,
    title_en: String,
    created_at: i64,
}

impl Org {
    fn of(record: &DatasetRecord, agency: Option<tinhso_store::Agency>) -> Org {
        match agency {
            Some(a) => Org {
                name: a.code.to_lowercase(),
                code: a.code,
                title: a.name_vi,
                title_en: a.name_en,
                created_at: a.created_at,
            },
            None => Org {
                name: record.owner_code.to_lowercase(),
                code: record.owner_code.clone(),
                title: record.owner_name.clone(),
                title_en: String::new(),
                created_at: record.created_at,
            },
        }
    }
}

async fn org_of(s: &AppState, record: &DatasetRecord) -> Result<Org, Error> {
    Ok(Org::of(record, s.store.agency_by_code(&record.owner_code).await?))
}

/// What one caller may see: the datasets (by slug) and their owners (by code).
struct Catalogue {
    datasets: Vec<Dataset>,
    orgs: BTreeMap<String, Org>,
}

impl Catalogue {
    async fn load(s: &AppState, actor: &Actor) -> Result<Catalogue, Error> {
        let datasets = s.warehouse.datasets(actor).await?;
        let mut orgs = BTreeMap::new();
        for d in &datasets {
            if !orgs.contains_key(&d.record.owner_code) {
                orgs.insert(d.record.owner_code.clone(), org_of(s, &d.record).await?);
            }
        }
        Ok(Catalogue { datasets, orgs })
    }

    fn org(&self, d: &Dataset) -> &Org {
        &self.orgs[&d.record.owner_code]
    }
}

/// The deployment's province, publisher of the open catalogue.
struct Province {
    code: String,
    name_vi: String,
    name_en: String,
}

impl Province {
    fn of(config: &WebConfig) -> Province {
        let today = chrono::Utc::now().date_naive();
        match AdminUnits::embedded().lookup(&config.province_code, today) {
            Ok(u) => Province { code: u.code.clone(), name_vi: u.full_name.clone(), name_en: u.full_name_en.clone() },
            Err(_) => Province {
                code: config.province_code.clone(),
                name_vi: config.province_code.clone(),
                name_en: config.province_code.clone(),
            },
        }
    }
}

/// `scheme://host` of this request, so that links work from where the caller
/// stands (behind a proxy, `X-Forwarded-Proto` says the scheme).
fn base_url(headers: &HeaderMap, config: &WebConfig) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| matches!(*p, "http" | "https"))
        .unwrap_or(if config.secure_cookies { "https" } else { "http" });
    format!("{scheme}://{host}")
}

// ---------------------------------------------------------------- mapping

/// A download every package offers.
struct Format {
    /// The end of the resource id and the `format` query value of the rows API.
    suffix: &'static str,
    /// CKAN's `format`.
    label: &'static str,
    media_type: &'static str,
    /// The code in the EU file-type vocabulary.
    eu: &'static str,
}

const FORMATS: [Format; 3] = [
    Format { suffix: "csv", label: "CSV", media_type: "text/csv", eu: "CSV" },
    Format { suffix: "json", label: "JSON", media_type: "application/json", eu: "JSON" },
    Format { suffix: "parquet", label: "Parquet", media_type: "application/vnd.apache.parquet", eu: "PARQUET" },
];

/// When the dataset last changed: its newest version, or its definition if edited since.
fn modified_at(d: &Dataset) -> i64 {
    d.latest.as_ref().map_or(d.record.updated_at, |l| l.created_at.max(d.record.updated_at))
}

/// A time as CKAN writes it: UTC without offset, microseconds.
fn ckan_time(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0).unwrap_or_default().naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The whole dataset as one download: the rows API's largest page for the format.
fn rows_url(base: &str, slug: &str, f: &Format) -> String {
    let limit = if f.suffix == "json" { tinhso_warehouse::MAX_PAGE_JSON } else { tinhso_warehouse::MAX_PAGE_FILE };
    format!("{base}/api/v1/datasets/{slug}/rows?format={}&limit={limit}", f.suffix)
}

fn resource(d: &Dataset, f: &Format, base: &str) -> Value {
    let r = &d.record;
    let position = FORMATS.iter().position(|x| x.suffix == f.suffix).unwrap_or(0);
    let access = if r.zone == "open" {
        ""
    } else {
        " Cần khoá API có quyền đọc bộ dữ liệu. / Needs an API key allowed to read the dataset."
    };
    json!({
        "id": format!("{}-{}", r.slug, f.suffix),
        "package_id": r.slug,
        "name": format!("{} ({})", r.name_vi, f.label),
        "description": format!(
            "Toàn bộ các dòng của phiên bản mới nhất, định dạng {0}. / All rows of the latest version as {0}.{access}",
            f.label
        ),
        "format": f.label,
        "mimetype": f.media_type,
        "mimetype_inner": null,
        "url": rows_url(base, &r.slug, f),
        "url_type": null,
        "resource_type": null,
        "position": position,
        "state": "active",
        "created": ckan_time(r.created_at),
        "metadata_modified": ckan_time(modified_at(d)),
        "last_modified": d.latest.as_ref().map(|l| ckan_time(l.created_at)),
        "size": null,
        "hash": "",
        "cache_url": null,
        "cache_last_updated": null,
        "datastore_active": false,
    })
}

fn tags(d: &Dataset) -> Vec<String> {
    let mut t = Vec::new();
    if !d.record.sector.is_empty() {
        t.push(d.record.sector.clone());
    }
    if d.record.demo {
        t.push("demo".to_string());
    }
    t
}

fn organization(o: &Org, package_count: Option<usize>) -> Value {
    let mut v = json!({
        "id": o.name,
        "name": o.name,
        "title": o.title,
        "display_name": o.title,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(o.created_at),
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
    });
    if let Some(n) = package_count {
        v["package_count"] = n.into();
    }
    v
}

/// A tinhso dataset as a CKAN package.
fn package(d: &Dataset, org: &Org, base: &str) -> Value {
    let r = &d.record;
    let mut extras = vec![
        ("frequency", r.frequency.clone()),
        ("owner_code", r.owner_code.clone()),
        ("sector", r.sector.clone()),
        ("title_en", r.name_en.clone()),
        ("zone", r.zone.clone()),
    ];
    if let Some(v) = d.latest.as_ref().and_then(|l| l.version) {
        extras.push(("version", v.to_string()));
    }
    if let Some(q) = d.scores {
        // Đúng, đủ, sạch, sống: correct, complete, clean, live; and their mean.
        extras.extend([
            ("quality_score", q.score.to_string()),
            ("quality_correct", q.correct.to_string()),
            ("quality_complete", q.complete.to_string()),
            ("quality_clean", q.clean.to_string()),
            ("quality_live", q.live.to_string()),
        ]);
    }
    if r.demo {
        extras.push(("demo", "true".into()));
    }
    extras.sort();
    let tags: Vec<Value> = tags(d)
        .into_iter()
        .map(|t| json!({"id": t, "name": t, "display_name": t, "state": "active", "vocabulary_id": null}))
        .collect();
    json!({
        "id": r.slug,
        "name": r.slug,
        "title": r.name_vi,
        "title_translated": {"vi": r.name_vi, "en": r.name_en},
        "notes": d.def.description,
        "type": "dataset",
        "state": "active",
        "private": r.zone != "open",
        "owner_org": org.name,
        "organization": organization(org, None),
        "author": null,
        "author_email": null,
        "maintainer": org.title,
        "maintainer_email": null,
        "license_id": "notspecified",
        "license_title": "License not specified",
        "isopen": false,
        "url": "",
        "version": d.latest.as_ref().and_then(|l| l.version).map(|v| v.to_string()),
        "creator_user_id": null,
        "metadata_created": ckan_time(r.created_at),
        "metadata_modified": ckan_time(modified_at(d)),
        "num_tags": tags.len(),
        "tags": tags,
        "groups": [],
        "extras": extras.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "num_resources": FORMATS.len(),
        "resources": FORMATS.iter().map(|f| resource(d, f, base)).collect::<Vec<_>>(),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

fn organization_list(cat: &Catalogue, p: &Params) -> Result<Value, Failure> {
    let count = |o: &Org| cat.datasets.iter().filter(|d| d.record.owner_code == o.code).count();
    let only: Vec<String> = p.list("organizations")?.iter().map(|n| n.to_lowercase()).collect();
    let mut orgs: Vec<&Org> = cat.orgs.values().filter(|o| only.is_empty() || only.contains(&o.name)).collect();
    let sort = p.text("sort").unwrap_or_else(|| "title asc".into());
    let (field, dir) = sort.trim().split_once(' ').unwrap_or((sort.trim(), "asc"));
    match field {
        "name" => orgs.sort_by(|a, b| a.name.cmp(&b.name)),
        "title" => orgs.sort_by_cached_key(|o| (fold(&o.title), o.name.clone())),
        "package_count" => orgs.sort_by_key(|o| (count(o), o.name.clone())),
        other => {
            return Err(Params::invalid(
                "sort",
                &format!("Không sắp xếp được theo «{other}»: name, title hoặc package_count."),
                &format!("Cannot sort by «{other}»: name, title or package_count."),
            ))
        }
    }
    if dir.trim().eq_ignore_ascii_case("desc") {
        orgs.reverse();
    }
    let all_fields = p.flag("all_fields", false)?;
    let with_count = p.flag("include_dataset_count", true)?;
    let items = orgs
        .into_iter()
        .map(|o| if all_fields { organization(o, with_count.then(|| count(o))) } else { Value::from(o.name.as_str()) })
        .collect();
    Ok(Value::Array(page(items, p.int("offset", 0)?, p.int_opt("limit")?)))
}

// ---------------------------------------------------------------- search

/// One term of a Solr-style query (`q` and `fq`): `field:value`, or a bare
/// word or phrase matched against the text of the package.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    field: Option<String>,
    value: TermValue,
}

#[derive(Debug, Clone, PartialEq)]
enum TermValue {
    Word(String),
    /// `(a OR b)`.
    AnyOf(Vec<String>),
    /// `[from TO to]` (inclusive) or `{from TO to}`; `None` is open (`*`). Unix seconds.
    Range {
        from: Option<i64>,
        to: Option<i64>,
        inclusive: bool,
    },
}

/// Terms joined by OR, negated by `-` or `NOT`; a query is the AND of its clauses.
#[derive(Debug, Clone, PartialEq)]
struct Clause {
    negated: bool,
    any_of: Vec<Term>,
}

/// The fields `fq` and `q` understand.
const FIELDS: [&str; 20] = [
    "organization",
    "owner_org",
    "name",
    "id",
    "tags",
    "res_format",
    "capacity",
    "type",
    "dataset_type",
    "zone",
    "extras_zone",
    "sector",
    "extras_sector",
    "frequency",
    "extras_frequency",
    "title",
    "notes",
    "text",
    "metadata_modified",
    "metadata_created",
];

fn is_time_field(f: &str) -> bool {
    matches!(f, "metadata_modified" | "metadata_created")
}

fn unsupported(what: &str) -> Failure {
    Failure::search(
        format!("Không hỗ trợ «{what}» trong truy vấn (hỗ trợ: {}).", FIELDS.join(", ")),
        format!("«{what}» is not supported in a query (supported: {}).", FIELDS.join(", ")),
    )
}

/// A time bound of a range: `*`, `NOW`, `2025-07-01` or `2025-07-01T00:00:00[.ffffff][Z]` (UTC).
fn parse_instant(s: &str, now: i64) -> Result<Option<i64>, Failure> {
    let s = s.trim();
    if s == "*" {
        return Ok(None);
    }
    if s.eq_ignore_ascii_case("now") {
        return Ok(Some(now));
    }
    let t = s.strip_suffix('Z').unwrap_or(s);
    if let Ok(dt) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(Some(dt.and_utc().timestamp()));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Some(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()));
    }
    Err(Failure::search(
        format!("Thời điểm «{s}» không hợp lệ (ví dụ 2025-07-01T00:00:00Z)."),
        format!("Invalid time «{s}» (for example 2025-07-01T00:00:00Z)."),
    ))
}

enum Token {
    And,
    Or,
    Not,
    Term { minus: bool, term: Term },
}

/// Reads until `close`, returning the text inside and the index after `close`.
fn until(chars: &[char], from: usize, close: char) -> Result<(String, usize), Failure> {
    match chars[from..].iter().position(|&c| c == close) {
        Some(n) => Ok((chars[from..from + n].iter().collect(), from + n + 1)),
        None => {
            Err(Failure::search(format!("Thiếu «{close}» trong truy vấn."), format!("Missing «{close}» in the query.")))
        }
    }
}

fn tokens(text: &str, now: i64) -> Result<Vec<Token>, Failure> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut minus = false;
        if matches!(chars[i], '+' | '-') && chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
            minus = chars[i] == '-';
            i += 1;
        }
        // `field:` — a run of name characters followed by a colon; `*:*` matches everything.
        let mut field = None;
        let name_len = chars[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.')).count();
        if chars[i..].starts_with(&['*', ':', '*']) {
            i += 3;
            out.push(Token::Term { minus, term: Term { field: None, value: TermValue::Word("*".into()) } });
            continue;
        }
        if name_len > 0 && chars.get(i + name_len) == Some(&':') {
            let name: String = chars[i..i + name_len].iter().collect();
            if !FIELDS.contains(&name.as_str()) {
                return Err(unsupported(&name));
            }
            field = Some(name);
            i += name_len + 1;
        }
        let value = match chars.get(i).copied() {
            Some('"') => {
                let (v, next) = until(&chars, i + 1, '"')?;
                i = next;
                TermValue::Word(v)
            }
            Some(open @ ('[' | '{')) => {
                let close = if open == '[' { ']' } else { '}' };
                let (v, next) = until(&chars, i + 1, close)?;
                i = next;
                let Some((from, to)) = v.split_once(" TO ") else {
                    return Err(unsupported(&format!("{open}{v}{close}")));
                };
                if !field.as_deref().is_some_and(is_time_field) {
                    return Err(unsupported(&format!("{open}{v}{close}")));
                }
                TermValue::Range {
                    from: parse_instant(from, now)?,
                    to: parse_instant(to, now)?,
                    inclusive: open == '[',
                }
            }
            Some('(') => {
                let (v, next) = until(&chars, i + 1, ')')?;
                i = next;
                let words = v
                    .split_whitespace()
                    .filter(|w| *w != "OR")
                    .map(|w| w.trim_matches('"').to_string())
                    .filter(|w| !w.is_empty())
                    .collect();
                TermValue::AnyOf(words)
            }
            _ => {
                let n = chars[i..].iter().take_while(|c| !c.is_whitespace()).count();
                let word: String = chars[i..i + n].iter().collect();
                i += n;
                if word.is_empty() {
                    return Err(unsupported(field.as_deref().unwrap_or("")));
                }
                if field.is_none() && !minus {
                    match word.as_str() {
                        "AND" | "&&" => {
                            out.push(Token::And);
                            continue;
                        }
                        "OR" | "||" => {
                            out.push(Token::Or);
                            continue;
                        }
                        "NOT" => {
                            out.push(Token::Not);
                            continue;
                        }
                        _ => {}
                    }
                }
                TermValue::Word(word)
            }
        };
        if field.as_deref().is_some_and(is_time_field) && !matches!(value, TermValue::Range { .. }) {
            return Err(unsupported(&format!("{}:…", field.unwrap_or_default())));
        }
        out.push(Token::Term { minus, term: Term { field, value } });
    }
    Ok(out)
}

/// Parses a query (`q` or one `fq`) into clauses, all of which must hold.
fn parse_query(text: &str, now: i64) -> Result<Vec<Clause>, Failure> {
    let dangling = || Failure::search("Toán tử OR/NOT không có vế.", "OR/NOT without an operand.");
    let mut clauses: Vec<Clause> = Vec::new();
    let (mut or_next, mut not_next) = (false, false);
    for t in tokens(text, now)? {
        match t {
            Token::And => {}
            Token::Or => {
                if clauses.is_empty() {
                    return Err(dangling());
                }
                or_next = true;
            }
            Token::Not => not_next = true,
            Token::Term { minus, term } => {
                let negated = minus || std::mem::take(&mut not_next);
                match clauses.last_mut() {
                    Some(last) if std::mem::take(&mut or_next) => {
                        if last.negated != negated {
                            return Err(unsupported("OR NOT"));
                        }
                        last.any_of.push(term);
                    }
                    _ => clauses.push(Clause { negated, any_of: vec![term] }),
                }
            }
        }
    }
    if or_next || not_next {
        return Err(dangling());
    }
    Ok(clauses)
}

/// What a query is matched against, per package.
struct Facts<'a> {
    d: &'a Dataset,
    org: &'a Org,
    text: String,
    tags: Vec<String>,
}

impl<'a> Facts<'a> {
    fn new(d: &'a Dataset, org: &'a Org) -> Facts<'a> {
        let r = &d.record;
        let tags = tags(d);
        let text = words(&format!(
            "{} {} {} {} {} {} {}",
            r.slug,
            r.name_vi,
            r.name_en,
            d.def.description,
            r.sector,
            org.title,
            tags.join(" ")
        ));
        Facts { d, org, text, tags }
    }
}

/// Text folded for search as words between spaces (" y te "), so that query
/// words match whole words, as Solr's tokens do: "te" finds "y tế", not "sites" or "tên".
fn words(s: &str) -> String {
    let mut out = String::from(" ");
    for w in fold(s).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        out.push_str(w);
        out.push(' ');
    }
    out
}

fn term_matches(t: &Term, f: &Facts) -> bool {
    let r = &f.d.record;
    let values: Vec<&str> = match &t.value {
        TermValue::Word(w) => vec![w.as_str()],
        TermValue::AnyOf(ws) => ws.iter().map(String::as_str).collect(),
        TermValue::Range { from, to, inclusive } => {
            let at = match t.field.as_deref() {
                Some("metadata_created") => r.created_at,
                _ => modified_at(f.d),
            };
            let after = from.is_none_or(|x| if *inclusive { at >= x } else { at > x });
            let before = to.is_none_or(|x| if *inclusive { at <= x } else { at < x });
            return after && before;
        }
    };
    let contains = |hay: &str, w: &str| hay.contains(words(w).as_str());
    values.into_iter().any(|w| {
        if w == "*" {
            return true;
        }
        match t.field.as_deref() {
            None | Some("text") => contains(&f.text, w),
            Some("title") => contains(&words(&format!("{} {}", r.name_vi, r.name_en)), w),
            Some("notes") => contains(&words(&f.d.def.description), w),
            Some("organization" | "owner_org") => f.org.name.eq_ignore_ascii_case(w),
            Some("name" | "id") => r.slug.eq_ignore_ascii_case(w),
            Some("tags") => f.tags.iter().any(|t| fold(t) == fold(w)),
            Some("res_format") => FORMATS.iter().any(|x| x.label.eq_ignore_ascii_case(w)),
            Some("capacity") => w == if r.zone == "open" { "public" } else { "private" },
            Some("type" | "dataset_type") => w == "dataset",
            Some("zone" | "extras_zone") => r.zone == w,
            Some("sector" | "extras_sector") => fold(&r.sector) == fold(w),
            Some("frequency" | "extras_frequency") => r.frequency == w,
            Some(_) => false,
        }
    })
}

fn query_matches(clauses: &[Clause], f: &Facts) -> bool {
    clauses.iter().all(|c| c.any_of.iter().any(|t| term_matches(t, f)) != c.negated)
}

/// Applies `sort` ("metadata_modified desc, name asc") to the matches.
fn sort_matches(list: &mut [Facts], sort: &str) -> Result<(), Failure> {
    let keys: Vec<(&str, bool)> = sort
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            let (field, dir) = k.split_once(char::is_whitespace).unwrap_or((k, "asc"));
            (field, dir.trim().eq_ignore_ascii_case("desc"))
        })
        .collect();
    // Ties keep the order by name, so that paging is stable.
    list.sort_by(|a, b| a.d.record.slug.cmp(&b.d.record.slug));
    for (field, desc) in keys.into_iter().rev() {
        let key = |f: &Facts| -> (i64, String) {
            let r = &f.d.record;
            match field {
                "metadata_modified" => (modified_at(f.d), String::new()),
                "metadata_created" => (r.created_at, String::new()),
                "title_string" | "title" => (0, fold(&r.name_vi)),
                _ => (0, r.slug.clone()),
            }
        };
        match field {
            // Every match scores the same; relevance is not ranked.
            "score" => continue,
            "metadata_modified" | "metadata_created" | "title_string" | "title" | "name" | "id" => {}
            other => return Err(unsupported(&format!("sort={other}"))),
        }
        list.sort_by(|a, b| if desc { key(b).cmp(&key(a)) } else { key(a).cmp(&key(b)) });
    }
    Ok(())
}

/// `facet.field` counts over all matches: `facets` and `search_facets` as CKAN gives them.
fn facets(list: &[Facts], fields: &[String], limit: Option<usize>) -> (Value, Value) {
    let (mut facets, mut search_facets) = (Map::new(), Map::new());
    for field in fields {
        // name → (display name, count)
        let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut add =
            |name: &str, display: &str| counts.entry(name.to_string()).or_insert((display.to_string(), 0)).1 += 1;
        for f in list {
            match field.as_str() {
                "organization" | "owner_org" => add(&f.org.name, &f.org.title),
                "tags" => f.tags.iter().for_each(|t| add(t, t)),
                "res_format" => FORMATS.iter().for_each(|x| add(x.label, x.label)),
                "license_id" => add("notspecified", "License not specified"),
                "zone" | "extras_zone" => add(&f.d.record.zone, &f.d.record.zone),
                _ => {}
            }
        }
        let mut items: Vec<(String, String, usize)> = counts.into_iter().map(|(n, (d, c))| (n, d, c)).collect();
        items.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        items.truncate(limit.unwrap_or(usize::MAX));
        facets
            .insert(field.clone(), Value::Object(items.iter().map(|(n, _, c)| (n.clone(), Value::from(*c))).collect()));
        search_facets.insert(
            field.clone(),
            json!({
                "title": field,
                "items": items.iter().map(|(n, d, c)| json!({"name": n, "display_name": d, "count": c})).collect::<Vec<_>>(),
            }),
        );
    }
    (Value::Object(facets), Value::Object(search_facets))
}

fn search(cat: &Catalogue, p: &Params, base: &str, now: i64) -> Result<Value, Failure> {
    let mut clauses = parse_query(p.text("q").as_deref().unwrap_or(""), now)?;
    if let Some(fq) = p.text("fq") {
        clauses.extend(parse_query(&fq, now)?);
    }
    for fq in p.list("fq_list")? {
        clauses.extend(parse_query(&fq, now)?);
    }
    // Datasets outside the open zone are CKAN's private datasets: listed for
    // callers who may see them unless `include_private=false`.
    let private = p.flag("include_private", true)?;
    let rows = p.int("rows", 10)?.min(1000);
    let start = p.int("start", 0)?;
    let sort = p.text("sort").unwrap_or_else(|| "score desc, metadata_modified desc".into());
    let mut matches: Vec<Facts> = cat
        .datasets
        .iter()
        .filter(|d| private || d.record.zone == "open")
        .map(|d| Facts::new(d, cat.org(d)))
        .filter(|f| query_matches(&clauses, f))
        .collect();
    sort_matches(&mut matches, &sort)?;
    let facet_limit = match p.text("facet.limit").map(|v| v.trim().to_string()) {
        Some(v) if v.starts_with('-') => None,
        _ => Some(p.int("facet.limit", 50)?),
    };
    let (facets, search_facets) = facets(&matches, &p.list("facet.field")?, facet_limit);
    let results: Vec<Value> = matches.iter().skip(start).take(rows).map(|f| package(f.d, f.org, base)).collect();
    Ok(json!({
        "count": matches.len(),
        "sort": sort,
        "facets": facets,
        "search_facets": search_facets,
        "results": results,
    }))
}

// ---------------------------------------------------------------- DCAT-AP

const EU_FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const EU_FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const EU_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const EU_LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
const IANA_MEDIA_TYPES: &str = "http://www.iana.org/assignments/media-types/";

/// The EU frequency vocabulary code of a tinhso update frequency.
fn eu_frequency(frequency: &str) -> &'static str {
    match frequency {
        "daily" => "DAILY",
        "weekly" => "WEEKLY",
        "monthly" => "MONTHLY",
        "quarterly" => "QUARTERLY",
        "yearly" | "annual" => "ANNUAL",
        _ => "IRREG",
    }
}

/// The EU data theme of a sector (lĩnh vực), when one clearly fits; the
/// sector is always a keyword as well.
fn eu_theme(sector: &str) -> Option<&'static str> {
    let s = fold(sector);
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    Some(if has(&["nong nghiep", "lam nghiep", "thuy san", "chan nuoi"]) {
        "AGRI"
    } else if has(&["giao duc", "dao tao", "van hoa", "the thao"]) {
        "EDUC"
    } else if has(&["y te", "suc khoe"]) {
        "HEAL"
    } else if has(&["nang luong", "dien luc"]) {
        "ENER"
    } else if has(&["moi truong", "thien tai", "khi tuong", "khoang san", "tai nguyen"]) {
        "ENVI"
    } else if has(&["giao thong", "van tai"]) {
        "TRAN"
    } else if has(&["tu phap", "an ninh", "phap luat"]) {
        "JUST"
    } else if has(&["cong nghe", "chuyen doi so", "khoa hoc", "vien thong"]) {
        "TECH"
    } else if has(&["dan cu", "dan so", "xa hoi", "lao dong"]) {
        "SOCI"
    } else if has(&["dat dai", "do thi", "xay dung", "quy hoach"]) {
        "REGI"
    } else if has(&["hanh chinh", "noi vu", "chinh quyen"]) {
        "GOVE"
    } else if has(&["doanh nghiep", "tai chinh", "ngan hang", "kinh te", "du lich", "thuong mai", "dau tu"]) {
        "ECON"
    } else {
        return None;
    })
}

/// `[{"@value": vi, "@language": "vi"}, {"@value": en, "@language": "en"}]`, without empty ones.
fn texts(vi: &str, en: &str) -> Value {
    [(vi, "vi"), (en, "en")]
        .into_iter()
        .filter(|(v, _)| !v.is_empty())
        .map(|(v, l)| json!({"@value": v, "@language": l}))
        .collect()
}

fn date_time(secs: i64) -> Value {
    let t = DateTime::from_timestamp(secs, 0).unwrap_or_default();
    json!({"@value": t.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "@type": "xsd:dateTime"})
}

fn agent(base: &str, o: &Org) -> Value {
    json!({
        "@id": format!("{base}/api/3/action/organization_show?id={}", o.name),
        "@type": "foaf:Agent",
        "foaf:name": texts(&o.title, &o.title_en),
        "dct:identifier": o.code,
    })
}

fn dcat_dataset(base: &str, d: &Dataset, o: &Org, spatial: &str) -> Value {
    let r = &d.record;
    let description = if d.def.description.is_empty() { &r.name_vi } else { &d.def.description };
    let distributions: Vec<Value> = FORMATS
        .iter()
        .map(|f| {
            let url = rows_url(base, &r.slug, f);
            json!({
                "@id": format!("{base}/datasets/{}#{}", r.slug, f.suffix),
                "@type": "dcat:Distribution",
                "dct:title": texts(&format!("{} ({})", r.name_vi, f.label), &format!("{} ({})", r.name_en, f.label)),
                "dcat:accessURL": {"@id": url},
                "dcat:downloadURL": {"@id": url},
                "dct:format": {"@id": format!("{EU_FILE_TYPE}{}", f.eu)},
                "dcat:mediaType": {"@id": format!("{IANA_MEDIA_TYPES}{}", f.media_type)},
                "dct:modified": date_time(modified_at(d)),
            })
        })
        .collect();
    let mut v = json!({
        "@id": format!("{base}/datasets/{}", r.slug),
        "@type": "dcat:Dataset",
        "dct:identifier": r.slug,
        "dct:title": texts(&r.name_vi, &r.name_en),
        "dct:description": [{"@value": description, "@language": "vi"}],
        "dct:publisher": agent(base, o),
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": o.title},
        "dcat:keyword": tags(d).iter().map(|t| json!({"@value": t, "@language": "vi"})).collect::<Vec<_>>(),
        "dct:accrualPeriodicity": {"@id": format!("{EU_FREQUENCY}{}", eu_frequency(&r.frequency))},
        "dct:issued": date_time(r.created_at),
        "dct:modified": date_time(modified_at(d)),
        "dct:language": [{"@id": format!("{EU_LANGUAGE}VIE")}],
        "dct:spatial": {"@id": spatial},
        "dcat:distribution": distributions,
    });
    if let Some(theme) = eu_theme(&r.sector) {
        v["dcat:theme"] = json!([{"@id": format!("{EU_THEME}{theme}")}]);
    }
    v
}

/// The open zone as a DCAT-AP 3 catalogue in JSON-LD.
fn dcat_document(base: &str, province: &Province, cat: &Catalogue) -> Value {
    let spatial = format!("{base}/api/v1/admin-units/{}", province.code);
    let open: Vec<&Dataset> = cat.datasets.iter().filter(|d| d.record.zone == "open").collect();
    let mut v = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{base}/api/v1/catalogue/dcat.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": texts(
            &format!("Danh mục dữ liệu mở {}", province.name_vi),
            &format!("Open data catalogue of {}", province.name_en),
        ),
        "dct:description": texts(
            &format!("Các bộ dữ liệu mở của {} trên nền tảng tinhso.", province.name_vi),
            &format!("The open datasets of {} on the tinhso platform.", province.name_en),
        ),
        "dct:publisher": {
            "@id": spatial,
            "@type": "foaf:Agent",
            "foaf:name": texts(&province.name_vi, &province.name_en),
            "dct:identifier": province.code,
        },
        "foaf:homepage": {"@id": format!("{base}/")},
        "dct:language": [{"@id": format!("{EU_LANGUAGE}VIE")}, {"@id": format!("{EU_LANGUAGE}ENG")}],
        "dct:spatial": {"@id": spatial},
        "dcat:dataset": open.iter().map(|d| dcat_dataset(base, d, cat.org(d), &spatial)).collect::<Vec<_>>(),
    });
    if let Some(m) = open.iter().map(|d| modified_at(d)).max() {
        v["dct:modified"] = date_time(m);
    }
    v
}

/// `GET /api/v1/catalogue/dcat.jsonld`: the open zone, whoever asks.
async fn dcat(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&headers, &s.config);
    match Catalogue::load(&s, &Actor::public("")).await {
        Ok(cat) => {
            json_response(StatusCode::OK, &dcat_document(&base, &Province::of(&s.config), &cat), "application/ld+json")
        }
        Err(e) => ApiError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_store::IngestRecord;
    use tinhso_warehouse::{Definition, Scores};

    const BASE: &str = "http://cong.example";
    const JULY: i64 = 1_751_328_000; // 2025-07-01T00:00:00Z

    fn dataset(slug: &str, zone: &str, owner: &str, sector: &str, frequency: &str, version_at: Option<i64>) -> Dataset {
        let def = Definition::parse(
            &json!({"slug": slug, "name": format!("Tên {slug}"), "name_en": format!("Name {slug}"), "zone": zone,
                    "owner": owner, "sector": sector, "description": format!("Mô tả về {sector}"), "frequency": frequency,
                    "fields": [{"name": "ma", "type": "text"}, {"name": "cccd", "type": "cccd", "personal": "sensitive"}]})
            .to_string(),
            false,
        )
        .unwrap();
        let record = DatasetRecord {
            id: 1,
            slug: slug.into(),
            name_vi: def.name.clone(),
            name_en: def.name_en.clone(),
            zone: zone.into(),
            owner_agency_id: 1,
            owner_path: "/1/".into(),
            owner_code: owner.into(),
            owner_name: format!("Cơ quan {owner}"),
            sector: def.sector.clone(),
            frequency: frequency.into(),
            definition: String::new(),
            demo: true,
            created_at: JULY - 86_400,
            updated_at: JULY - 86_400,
        };
        let latest = version_at.map(|at| IngestRecord {
            id: 1,
            dataset_id: 1,
            version: Some(3),
            status: "committed".into(),
            mode: "replace".into(),
            file_name: "x.csv".into(),
            encoding: "utf-8".into(),
            rows_read: 10,
            rows_accepted: 9,
            rows_rejected: 1,
            correct: 90,
            complete: 100,
            clean: 80,
            report: String::new(),
            rejects_file: None,
            created_by: None,
            created_at: at,
        });
        let scores = latest.as_ref().map(|_| Scores::new(90, 100, 80, 100));
        Dataset { record, def, latest, scores }
    }

    fn org(code: &str) -> Org {
        Org::of(&dataset("x-y", "open", code, "", "daily", None).record, None)
    }

    fn catalogue(datasets: Vec<Dataset>) -> Catalogue {
        let orgs = datasets.iter().map(|d| (d.record.owner_code.clone(), org(&d.record.owner_code))).collect();
        Catalogue { datasets, orgs }
    }

    fn demo() -> Catalogue {
        catalogue(vec![
            dataset("diem-du-lich", "open", "SVHTTDL", "Du lịch", "yearly", Some(JULY)),
            dataset("co-so-y-te", "shared", "SYT", "Y tế", "quarterly", Some(JULY + 60)),
            dataset("vung-thien-tai", "open", "SNNMT", "Phòng, chống thiên tai", "monthly", None),
        ])
    }

    fn params(v: Value) -> Params {
        Params(v.as_object().unwrap().clone())
    }

    /// The slugs a search finds, in order.
    fn check_search(query: Value, expect: &[&str]) {
        let r = search(&demo(), &params(query.clone()), BASE, JULY).unwrap();
        let got: Vec<&str> = r["results"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(got, expect, "{query}");
        assert_eq!(r["count"].as_u64(), Some(expect.len() as u64), "{query}");
    }

    #[test]
    fn a_dataset_maps_to_a_ckan_package() {
        let d = dataset("diem-du-lich", "open", "SVHTTDL", "Du lịch", "yearly", Some(JULY));
        let p = package(&d, &org("SVHTTDL"), BASE);
        assert_eq!((p["id"].as_str(), p["name"].as_str()), (Some("diem-du-lich"), Some("diem-du-lich")));
        assert_eq!(p["title"], "Tên diem-du-lich");
        assert_eq!(p["notes"], "Mô tả về Du lịch");
        assert_eq!(p["private"], false);
        assert_eq!(p["organization"]["name"], "svhttdl");
        assert_eq!(p["organization"]["title"], "Cơ quan SVHTTDL");
        assert_eq!(p["owner_org"], "svhttdl");
        assert_eq!(p["metadata_modified"], "2025-07-01T00:00:00.000000");
        assert_eq!(p["metadata_created"], "2025-06-30T00:00:00.000000");
        assert_eq!(p["version"], "3");
        assert_eq!(p["tags"][0]["name"], "Du lịch");
        let extras: BTreeMap<&str, &str> = p["extras"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["key"].as_str().unwrap(), e["value"].as_str().unwrap()))
            .collect();
        for (k, v) in [
            ("zone", "open"),
            ("sector", "Du lịch"),
            ("frequency", "yearly"),
            ("quality_correct", "90"),
            ("quality_complete", "100"),
            ("quality_clean", "80"),
            ("quality_live", "100"),
            ("quality_score", "93"),
            ("title_en", "Name diem-du-lich"),
        ] {
            assert_eq!(extras.get(k), Some(&v), "extra {k}");
        }
        assert_eq!(p["num_resources"], 3);
        let res = p["resources"].as_array().unwrap();
        let ids: Vec<&str> = res.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["diem-du-lich-csv", "diem-du-lich-json", "diem-du-lich-parquet"]);
        assert_eq!(res[0]["url"], "http://cong.example/api/v1/datasets/diem-du-lich/rows?format=csv&limit=100000");
        assert_eq!(res[0]["format"], "CSV");
        assert_eq!(res[2]["mimetype"], "application/vnd.apache.parquet");
        assert!(res.iter().all(|r| r["package_id"] == "diem-du-lich"));
        // Metadata only: no field of the schema, and so no personal-data column, is listed.
        assert!(!p.to_string().contains("cccd"));
    }

    #[test]
    fn a_dataset_without_a_version_is_modified_when_defined_and_restricted_ones_are_private() {
        let d = dataset("co-so-y-te", "shared", "SYT", "Y tế", "quarterly", None);
        let p = package(&d, &org("SYT"), BASE);
        assert_eq!(p["private"], true);
        assert_eq!(p["metadata_modified"], "2025-06-30T00:00:00.000000");
        assert_eq!(p["version"], Value::Null);
        assert!(p["extras"].as_array().unwrap().iter().all(|e| !e["key"].as_str().unwrap().starts_with("quality")));
        assert!(p["resources"][0]["description"].as_str().unwrap().contains("API key"));
    }

    #[test]
    fn queries_parse_into_clauses() {
        let c = parse_query("organization:a OR organization:\"b\" -tags:demo", JULY).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].any_of.len(), 2);
        assert_eq!(c[0].any_of[1].value, TermValue::Word("b".into()));
        assert!(c[1].negated);
        let c = parse_query("metadata_modified:[2025-07-01T00:00:00Z TO *]", JULY).unwrap();
        assert_eq!(c[0].any_of[0].value, TermValue::Range { from: Some(JULY), to: None, inclusive: true });
        let c = parse_query("metadata_modified:{2025-06-30 TO NOW}", JULY).unwrap();
        assert_eq!(
            c[0].any_of[0].value,
            TermValue::Range { from: Some(JULY - 86_400), to: Some(JULY), inclusive: false }
        );
        let c = parse_query("metadata_created:[2025-07-01T00:00:00.123456 TO *]", JULY).unwrap();
        assert_eq!(c[0].any_of[0].value, TermValue::Range { from: Some(JULY), to: None, inclusive: true });
        assert!(parse_query("*:*", JULY).unwrap()[0].any_of[0].value == TermValue::Word("*".into()));
        for bad in ["author:x", "organization:\"x", "OR tags:x", "tags:x OR", "metadata_modified:2025", "name:[a TO b]"]
        {
            let e = parse_query(bad, JULY).unwrap_err();
            assert_eq!(e.fault, Fault::SearchQuery, "{bad}");
            assert_eq!(e.body()["__type"], "Search Query Error");
        }
    }

    #[test]
    fn search_folds_diacritics_filters_and_sorts() {
        check_search(json!({}), &["co-so-y-te", "diem-du-lich", "vung-thien-tai"]);
        check_search(json!({"q": "du lịch"}), &["diem-du-lich"]);
        check_search(json!({"q": "DU LICH"}), &["diem-du-lich"]);
        check_search(json!({"q": "thiên tai"}), &["vung-thien-tai"]);
        check_search(json!({"q": "*:*", "sort": "name desc"}), &["vung-thien-tai", "diem-du-lich", "co-so-y-te"]);
        check_search(json!({"fq": "organization:svhttdl"}), &["diem-du-lich"]);
        check_search(
            json!({"fq": "organization:SVHTTDL OR organization:syt", "sort": "id asc"}),
            &["co-so-y-te", "diem-du-lich"],
        );
        check_search(json!({"fq": "-organization:svhttdl", "sort": "name asc"}), &["co-so-y-te", "vung-thien-tai"]);
        check_search(json!({"fq": "+organization:(syt OR snnmt) capacity:public"}), &["vung-thien-tai"]);
        check_search(json!({"fq": "metadata_modified:[2025-07-01T00:00:00Z TO *]"}), &["co-so-y-te", "diem-du-lich"]);
        check_search(json!({"fq": "tags:\"du lich\" res_format:CSV"}), &["diem-du-lich"]);
        check_search(
            json!({"fq_list": ["tags:demo", "zone:open"], "sort": "title_string asc"}),
            &["diem-du-lich", "vung-thien-tai"],
        );
        check_search(json!({"include_private": "false", "sort": "name asc"}), &["diem-du-lich", "vung-thien-tai"]);
        check_search(json!({"q": "không có"}), &[]);
        // Whole words: "te" is "tế", not part of "sites" or "tên".
        check_search(json!({"q": "te"}), &["co-so-y-te"]);
        check_search(json!({"q": "\"ten diem\""}), &["diem-du-lich"]);
        check_search(json!({"q": "diem-du-lich"}), &["diem-du-lich"]);
        check_search(
            json!({"q": "title:name notes:mo", "sort": "name asc"}),
            &["co-so-y-te", "diem-du-lich", "vung-thien-tai"],
        );
        let r = search(&demo(), &params(json!({"rows": "1", "start": "1", "sort": "name asc"})), BASE, JULY).unwrap();
        assert_eq!((r["count"].as_u64(), r["results"][0]["name"].as_str()), (Some(3), Some("diem-du-lich")));
        let e = search(&demo(), &params(json!({"rows": "many"})), BASE, JULY).unwrap_err();
        assert_eq!((e.status(), e.body()["__type"].as_str()), (StatusCode::CONFLICT, Some("Validation Error")));
        assert!(e.body()["rows"][0].as_str().unwrap().contains("integer"));
        let e = search(&demo(), &params(json!({"sort": "popularity desc"})), BASE, JULY).unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn search_counts_facets() {
        let p = params(json!({"facet.field": "[\"organization\", \"res_format\"]"}));
        let r = search(&demo(), &p, BASE, JULY).unwrap();
        assert_eq!(r["facets"]["organization"]["svhttdl"], 1);
        assert_eq!(r["facets"]["res_format"]["CSV"], 3);
        let items = r["search_facets"]["organization"]["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items.iter().find(|i| i["name"] == "syt").unwrap()["display_name"], "Cơ quan SYT");
    }

    #[test]
    fn organizations_list_by_title_with_counts() {
        let cat = demo();
        let names = organization_list(&cat, &params(json!({}))).unwrap();
        assert_eq!(names, json!(["snnmt", "svhttdl", "syt"]));
        let full =
            organization_list(&cat, &params(json!({"all_fields": true, "sort": "name desc", "limit": 2}))).unwrap();
        assert_eq!(full[0]["name"], "syt");
        assert_eq!(full[0]["package_count"], 1);
        assert_eq!(full[0]["is_organization"], true);
        assert_eq!(full.as_array().unwrap().len(), 2);
        let only = organization_list(&cat, &params(json!({"organizations": ["SYT"]}))).unwrap();
        assert_eq!(only, json!(["syt"]));
    }

    #[test]
    fn errors_have_ckan_types_statuses_and_both_languages() {
        let f = Failure::from(Error::not_found("Không có bộ dữ liệu «x».", "There is no dataset «x»."));
        assert_eq!(f.status(), StatusCode::NOT_FOUND);
        let b = f.body();
        assert_eq!(b["__type"], "Not Found Error");
        let m = b["message"].as_str().unwrap();
        // `ckanapi` keeps what follows the first ": ".
        assert_eq!(m.split_once(": ").unwrap().1, "Không có bộ dữ liệu «x». / There is no dataset «x».");
        assert_eq!(Failure::from(Error::forbidden()).status(), StatusCode::FORBIDDEN);
        assert_eq!(Failure::from(Error::unauthenticated()).body()["__type"], "Authorization Error");
        let v = Params::default().required("id").unwrap_err();
        assert_eq!(
            (v.status(), v.body()["id"][0].as_str()),
            (StatusCode::CONFLICT, Some("Thiếu giá trị. / Missing value"))
        );
        let internal = Failure::from(Error::internal("disk on fire")).body().to_string();
        assert!(!internal.contains("disk") && internal.contains("Internal Server Error"));
    }

    #[test]
    fn parameters_come_from_query_and_json_body() {
        let uri: Uri =
            "/api/3/action/package_search?q=du+l%E1%BB%8Bch&rows=5&facet.field=a&facet.field=b".parse().unwrap();
        let p = Params::read(&uri, br#"{"rows": 2, "include_private": true}"#).unwrap();
        assert_eq!(p.text("q").as_deref(), Some("du lịch"));
        assert_eq!(p.int("rows", 10).unwrap(), 2);
        assert!(p.flag("include_private", false).unwrap());
        assert_eq!(p.list("facet.field").unwrap(), ["a", "b"]);
        assert_eq!(Params::read(&uri, b"[1]").unwrap_err().fault, Fault::BadRequest);
        assert_eq!(Params::read(&uri, b"{").unwrap_err().status(), StatusCode::BAD_REQUEST);
        let p = Params::read(&"/x?name_or_id=abc&all_fields=True".parse().unwrap(), b"  ").unwrap();
        assert_eq!(p.id().unwrap(), "abc");
        assert!(p.flag("all_fields", false).unwrap());
    }

    #[test]
    fn keys_are_read_the_ckan_way_and_the_base_url_from_the_request() {
        let mut h = HeaderMap::new();
        assert_eq!(ckan_key(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer tsk_a_b".parse().unwrap());
        assert_eq!(ckan_key(&h), None);
        h.insert(header::AUTHORIZATION, "tsk_a_b".parse().unwrap());
        assert_eq!(ckan_key(&h).as_deref(), Some("tsk_a_b"));
        h.insert("x-ckan-api-key", "tsk_c_d".parse().unwrap());
        assert_eq!(ckan_key(&h).as_deref(), Some("tsk_c_d"));
        let config = WebConfig {
            province_code: "52".into(),
            session_ttl_secs: 60,
            secure_cookies: false,
            rate_limit_per_minute: 6000,
        };
        h.insert(header::HOST, "data.gialai.gov.vn:8443".parse().unwrap());
        assert_eq!(base_url(&h, &config), "http://data.gialai.gov.vn:8443");
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(base_url(&h, &config), "https://data.gialai.gov.vn:8443");
        h.insert(header::HOST, "evil/x\"y".parse().unwrap());
        assert_eq!(base_url(&h, &config), "https://localhost");
    }

    #[test]
    fn frequencies_and_sectors_map_to_eu_vocabularies() {
        for (f, eu) in [
            ("daily", "DAILY"),
            ("weekly", "WEEKLY"),
            ("monthly", "MONTHLY"),
            ("quarterly", "QUARTERLY"),
            ("yearly", "ANNUAL"),
            ("whenever", "IRREG"),
        ] {
            assert_eq!(eu_frequency(f), eu);
        }
        assert_eq!(eu_theme("Y tế"), Some("HEAL"));
        assert_eq!(eu_theme("Giáo dục"), Some("EDUC"));
        assert_eq!(eu_theme("Phòng, chống thiên tai"), Some("ENVI"));
        assert_eq!(eu_theme("Du lịch"), Some("ECON"));
        assert_eq!(eu_theme("Hành chính công"), Some("GOVE"));
        assert_eq!(eu_theme("Chuyển đổi số"), Some("TECH"));
        assert_eq!(eu_theme("Khác"), None);
    }

    #[test]
    fn dcat_lists_only_the_open_zone() {
        let province =
            Province { code: "52".into(), name_vi: "Tỉnh Gia Lai".into(), name_en: "Gia Lai Province".into() };
        let doc = dcat_document(BASE, &province, &demo());
        assert_eq!(doc["@type"], "dcat:Catalog");
        for prefix in ["dcat", "dct", "foaf", "vcard", "xsd"] {
            assert!(doc["@context"][prefix].is_string(), "{prefix}");
        }
        assert_eq!(doc["dct:title"][0]["@language"], "vi");
        assert_eq!(doc["dct:title"][1]["@value"], "Open data catalogue of Gia Lai Province");
        assert_eq!(doc["dct:publisher"]["foaf:name"][0]["@value"], "Tỉnh Gia Lai");
        let ds = doc["dcat:dataset"].as_array().unwrap();
        let ids: Vec<&str> = ds.iter().map(|d| d["dct:identifier"].as_str().unwrap()).collect();
        assert_eq!(ids, ["diem-du-lich", "vung-thien-tai"]);
        let d = &ds[0];
        assert_eq!(d["dct:title"][1], json!({"@value": "Name diem-du-lich", "@language": "en"}));
        assert_eq!(d["dct:publisher"]["@type"], "foaf:Agent");
        assert_eq!(d["dct:accrualPeriodicity"]["@id"], format!("{EU_FREQUENCY}ANNUAL"));
        assert_eq!(d["dcat:theme"][0]["@id"], format!("{EU_THEME}ECON"));
        assert_eq!(d["dcat:keyword"][0]["@value"], "Du lịch");
        assert_eq!(d["dct:modified"]["@value"], "2025-07-01T00:00:00Z");
        let dist = d["dcat:distribution"].as_array().unwrap();
        let formats: Vec<&str> = dist.iter().map(|x| x["dct:format"]["@id"].as_str().unwrap()).collect();
        assert_eq!(
            formats,
            [format!("{EU_FILE_TYPE}CSV"), format!("{EU_FILE_TYPE}JSON"), format!("{EU_FILE_TYPE}PARQUET")]
        );
        assert_eq!(
            dist[0]["dcat:downloadURL"]["@id"],
            "http://cong.example/api/v1/datasets/diem-du-lich/rows?format=csv&limit=100000"
        );
        assert_eq!(dist[0]["dcat:mediaType"]["@id"], "http://www.iana.org/assignments/media-types/text/csv");
        assert_eq!(doc["dct:modified"]["@value"], "2025-07-01T00:00:00Z");
    }
}
