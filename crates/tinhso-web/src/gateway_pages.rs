//! Gateway pages (chia sẻ dữ liệu): requesting access to a dataset, reviewing
//! requests as the owner, "who can read my data", revoking, and the audit log
//! with its CSV export. The JSON API for the same things is `gateway.rs`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tinhso_domain::{Error, Role};
use tinhso_store::GrantRecord;
use tinhso_warehouse::{GrantDecision, GrantRequest};

use crate::auth::{PageCaller, L};
use crate::datasets::{attachment, CSV_TYPE};
use crate::error::status_of;
use crate::gateway::{audit_csv, audit_dto, grant_dto, visible_audit, AuditDto, AuditParams};
use crate::pages::{ctx, error_page, format_error, parse_page_id, render_status, see_other, Ctx};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grants", get(grants_page))
        .route("/grants/new", get(request_form).post(request_submit))
        .route("/grants/{id}/{decision}", post(decision))
        .route("/audit", get(audit_page))
        .route("/audit.csv", get(audit_export))
}

struct GrantRow {
    id: i64,
    dataset: String,
    dataset_name: String,
    consumer: String,
    purpose: String,
    legal_basis: String,
    columns: String,
    row_filter: String,
    status: String,
    status_label: String,
    requested: String,
    expires: String,
    reason: String,
    may_decide: bool,
}

fn vn_day(t: Option<i64>) -> String {
    t.map(|t| crate::warehouse_pages::fmt_date(t, tinhso_domain::Lang::Vi)).unwrap_or_else(|| "—".into())
}

fn grant_row(g: &GrantRecord, may_decide: bool, c: &Ctx) -> GrantRow {
    let d = grant_dto(g);
    let terms = d.granted.as_ref().unwrap_or(&d.requested);
    let filter = match &terms.row_filter {
        serde_json::Value::Object(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k} ∈ {}",
                    v.as_array()
                        .map(|a| a.iter().map(|x| x.as_str().unwrap_or("").to_string()).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => c.t("gw.all_rows").to_string(),
    };
    let mut columns = terms.columns.join(", ");
    if !terms.unmasked.is_empty() {
        columns.push_str(&format!(" — {}: {}", c.t("gw.unmasked"), terms.unmasked.join(", ")));
    }
    GrantRow {
        id: g.id,
        dataset: g.dataset_slug.clone(),
        dataset_name: g.dataset_name.clone(),
        consumer: match &g.system_code {
            Some(s) => format!("{} / {}", g.agency_code, s),
            None => format!("{} — {}", g.agency_code, g.agency_name),
        },
        purpose: g.purpose.clone(),
        legal_basis: g.legal_basis.clone(),
        columns,
        row_filter: filter,
        status: if d.active { "active".into() } else { g.status.clone() },
        status_label: c.t(&format!("gw.status.{}", if d.active { "active" } else { g.status.as_str() })).to_string(),
        requested: vn_day(Some(g.requested_at)),
        expires: vn_day(g.expires_at),
        reason: g.reason.clone(),
        may_decide,
    }
}

#[derive(Template)]
#[template(path = "grants.html")]
struct GrantsPage {
    c: Ctx,
    pending: Vec<GrantRow>,
    readers: Vec<GrantRow>,
    mine: Vec<GrantRow>,
    error: Option<String>,
}

fn may_decide(caller: &PageCaller, g: &GrantRecord) -> bool {
    match caller.user.role {
        Role::SystemAdmin | Role::DxOffice => true,
        Role::AgencyAdmin | Role::DataOfficer => caller.scope.contains(&g.owner_path),
        _ => false,
    }
}

async fn grants_view(s: &AppState, caller: &PageCaller, c: Ctx, error: Option<&Error>) -> Response {
    if !caller.user.role.is_staff() {
        return error_page(c, &Error::forbidden());
    }
    let all = match s.warehouse.grants(&caller.actor(), None, None).await {
        Ok(g) => g,
        Err(e) => return error_page(c, &e),
    };
    let own_agency = |g: &GrantRecord| caller.user.agency_id == Some(g.agency_id);
    let owns = |g: &GrantRecord| caller.scope.contains(&g.owner_path) || caller.user.role.province_wide();
    let pending =
        all.iter().filter(|g| g.status == "pending" && may_decide(caller, g)).map(|g| grant_row(g, true, &c)).collect();
    let readers = all
        .iter()
        .filter(|g| g.status == "approved" && owns(g))
        .map(|g| grant_row(g, may_decide(caller, g), &c))
        .collect();
    let mine = all.iter().filter(|g| own_agency(g)).map(|g| grant_row(g, false, &c)).collect();
    let status = error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK);
    let error = error.map(|e| format_error(e, c.lang));
    render_status(status, &GrantsPage { c, pending, readers, mine, error })
}

async fn grants_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/grants").await;
    grants_view(&s, &caller, c, None).await
}

#[derive(Template)]
#[template(path = "grant_form.html")]
struct RequestForm {
    c: Ctx,
    datasets: Vec<(String, String, bool)>,
    dataset: String,
    columns: Vec<(String, String, bool)>,
    purpose: String,
    legal_basis: String,
    row_filter: String,
    days: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct RequestQuery {
    dataset: Option<String>,
}

async fn request_view(
    s: &AppState,
    caller: &PageCaller,
    c: Ctx,
    f: &RequestFormData,
    error: Option<&Error>,
) -> Response {
    let a = caller.actor();
    let list = match s.warehouse.datasets(&a).await {
        Ok(l) => l,
        Err(e) => return error_page(c, &e),
    };
    let datasets = list
        .iter()
        .filter(|d| !caller.scope.contains(&d.record.owner_path) || caller.user.role.province_wide())
        .map(|d| {
            (
                d.record.slug.clone(),
                format!("{} — {}", d.record.name_vi, d.record.owner_code),
                d.record.slug == f.dataset,
            )
        })
        .collect();
    let columns = list
        .iter()
        .find(|d| d.record.slug == f.dataset)
        .map(|d| {
            d.def
                .fields
                .iter()
                .map(|fl| {
                    let label = if fl.personal != tinhso_warehouse::Personal::None {
                        format!("{} ({})", fl.name, fl.personal.label_vi())
                    } else {
                        fl.name.clone()
                    };
                    (fl.name.clone(), label, f.columns.contains(&fl.name))
                })
                .collect()
        })
        .unwrap_or_default();
    let status = error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK);
    let error = error.map(|e| format_error(e, c.lang));
    render_status(
        status,
        &RequestForm {
            c,
            datasets,
            dataset: f.dataset.clone(),
            columns,
            purpose: f.purpose.clone(),
            legal_basis: f.legal_basis.clone(),
            row_filter: f.row_filter.clone(),
            days: f.days.clone(),
            error,
        },
    )
}

#[derive(Default)]
struct RequestFormData {
    dataset: String,
    columns: Vec<String>,
    purpose: String,
    legal_basis: String,
    row_filter: String,
    days: String,
}

async fn request_form(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(q): Query<RequestQuery>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/grants/new").await;
    if !caller.user.role.is_staff() || caller.user.role == Role::Leader {
        return error_page(c, &Error::forbidden());
    }
    let f = RequestFormData { dataset: q.dataset.unwrap_or_default(), days: "90".into(), ..Default::default() };
    request_view(&s, &caller, c, &f, None).await
}

async fn request_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/grants/new").await;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let f = RequestFormData {
        dataset: get("dataset"),
        columns: pairs.iter().filter(|(n, _)| n == "columns").map(|(_, v)| v.clone()).collect(),
        purpose: get("purpose"),
        legal_basis: get("legal_basis"),
        row_filter: get("row_filter"),
        days: get("days"),
    };
    let result = async {
        caller.check_csrf(&get("csrf"))?;
        let row_filter = if f.row_filter.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&f.row_filter).map_err(|e| {
                Error::invalid(
                    "row_filter",
                    format!("Bộ lọc dòng không phải JSON hợp lệ: {e}"),
                    format!("The row filter is not valid JSON: {e}"),
                )
            })?
        };
        let days = f.days.trim().parse().map_err(|_| {
            Error::invalid("days", "Thời hạn phải là số ngày.", "The duration must be a number of days.")
        })?;
        let r = GrantRequest {
            dataset: f.dataset.clone(),
            purpose: f.purpose.clone(),
            legal_basis: f.legal_basis.clone(),
            columns: f.columns.clone(),
            row_filter,
            days,
        };
        s.warehouse.request_grant(&caller.actor(), &r).await
    }
    .await;
    match result {
        Ok(_) => see_other("/grants"),
        Err(e) => request_view(&s, &caller, c, &f, Some(&e)).await,
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: Option<String>,
    days: Option<String>,
    reason: Option<String>,
}

async fn decide(
    s: AppState,
    lang: tinhso_domain::Lang,
    caller: PageCaller,
    id: String,
    f: DecisionForm,
    what: &str,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/grants").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        let id = parse_page_id(&id)?;
        let a = caller.actor();
        match what {
            "approve" => {
                let days = match f.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                    None => None,
                    Some(d) => Some(d.parse().map_err(|_| {
                        Error::invalid("days", "Thời hạn phải là số ngày.", "The duration must be a number of days.")
                    })?),
                };
                s.warehouse.approve_grant(&a, id, &GrantDecision { days, ..Default::default() }).await
            }
            "refuse" => s.warehouse.refuse_grant(&a, id, f.reason.as_deref().unwrap_or("")).await,
            _ => s.warehouse.revoke_grant(&a, id, f.reason.as_deref().unwrap_or("")).await,
        }
    }
    .await;
    match result {
        Ok(_) => see_other("/grants"),
        Err(e) => grants_view(&s, &caller, c, Some(&e)).await,
    }
}

async fn decision(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path((id, what)): Path<(String, String)>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if !["approve", "refuse", "revoke"].contains(&what.as_str()) {
        let c = ctx(&s, lang, Some(&caller), "/grants").await;
        return error_page(c, &Error::not_found("Không có trang này.", "No such page."));
    }
    decide(s, lang, caller, id, f, &what).await
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Ctx,
    entries: Vec<AuditDto>,
    dataset: String,
    action: String,
    export: String,
}

async fn audit_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(p): Query<AuditParams>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/audit").await;
    let p =
        AuditParams { dataset: p.dataset.filter(|d| !d.is_empty()), action: p.action.filter(|a| !a.is_empty()), ..p };
    match visible_audit(&s, &caller.actor(), &p).await {
        Ok(list) => {
            let export = format!(
                "/audit.csv?dataset={}&action={}",
                crate::auth::urlencode(p.dataset.as_deref().unwrap_or("")),
                crate::auth::urlencode(p.action.as_deref().unwrap_or(""))
            );
            render_status(
                StatusCode::OK,
                &AuditPage {
                    c,
                    entries: list.iter().map(audit_dto).collect(),
                    dataset: p.dataset.unwrap_or_default(),
                    action: p.action.unwrap_or_default(),
                    export,
                },
            )
        }
        Err(e) => error_page(c, &e),
    }
}

async fn audit_export(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(p): Query<AuditParams>,
) -> Response {
    let p = AuditParams {
        dataset: p.dataset.filter(|d| !d.is_empty()),
        action: p.action.filter(|a| !a.is_empty()),
        limit: Some(p.limit.unwrap_or(100_000)),
        ..p
    };
    match visible_audit(&s, &caller.actor(), &p).await.and_then(|l| audit_csv(&l)) {
        Ok(bytes) => attachment(CSV_TYPE, "nhat-ky-truy-cap.csv", bytes),
        Err(e) => error_page(ctx(&s, lang, Some(&caller), "/audit").await, &e),
    }
}
