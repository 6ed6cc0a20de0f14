//! Dashboard pages (IOC): the list, a dashboard (charts drawn in the browser
//! by `assets/dashboard.js` with ECharts from the panels' JSON), the
//! operations-room wall view, the definition editor and import (DX office),
//! alert rules with their history, and the caller's notifications.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;
use tinhso_domain::{AdminUnits, Error, Lang};
use tinhso_ioc::{AlertInput, RawFilters};

use crate::auth::{PageCaller, L};
use crate::dashboards::{may_edit, may_view};
use crate::pages::{ctx, error_page, format_error, render, see_other, Ctx};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboards", get(list_page))
        .route("/dashboards/new", get(new_page).post(new_submit))
        .route("/dashboards/{slug}", get(view_page))
        .route("/dashboards/{slug}/wall", get(wall_page))
        .route("/dashboards/{slug}/edit", get(edit_page).post(edit_submit))
        .route("/alerts", get(alerts_page).post(alert_submit))
        .route("/alerts/check", post(alerts_check))
        .route("/alerts/{id}/toggle", post(alert_toggle))
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(notifications_read))
}

struct DashRow {
    slug: String,
    title: String,
    description: String,
    panels: usize,
    version: i64,
    builtin: bool,
}

#[derive(Template)]
#[template(path = "dashboards.html")]
struct ListPage {
    c: Ctx,
    dashboards: Vec<DashRow>,
    may_edit: bool,
}

fn pick<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        vi
    }
}

async fn list_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dashboards").await;
    if let Err(e) = may_view(caller.user.role) {
        return error_page(c, &e);
    }
    match s.ioc.list().await {
        Ok(all) => render(&ListPage {
            dashboards: all
                .iter()
                .map(|(r, d)| DashRow {
                    slug: r.slug.clone(),
                    title: pick(lang, &d.title, &d.title_en).to_string(),
                    description: pick(lang, &d.description, &d.description_en).to_string(),
                    panels: d.panels.len(),
                    version: r.version,
                    builtin: r.builtin,
                })
                .collect(),
            may_edit: may_edit(caller.user.role),
            c,
        }),
        Err(e) => error_page(c, &e),
    }
}

struct PanelView {
    id: String,
    kind: &'static str,
    width: u8,
    title: String,
    data_link: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct ViewPage {
    c: Ctx,
    slug: String,
    title: String,
    description: String,
    version: i64,
    wall: bool,
    refresh: u32,
    province: String,
    definition_json: String,
    i18n_json: String,
    panels: Vec<PanelView>,
    communes: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    from: String,
    to: String,
    may_edit: bool,
}

#[derive(Deserialize, Default)]
struct ViewQuery {
    from: Option<String>,
    to: Option<String>,
}

/// JSON to put inside `<script type="application/json">`: no `<`, `>` or `&`
/// can close the element or start markup.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

const I18N_KEYS: [&str; 17] = [
    "loading",
    "empty",
    "error",
    "reset",
    "province_level",
    "back",
    "export_png",
    "export_pdf",
    "updated",
    "fullscreen",
    "all_communes",
    "all_agencies",
    "target",
    "commune",
    "agency",
    "period",
    "vs_previous",
];

async fn view(
    s: &AppState,
    lang: Lang,
    caller: &PageCaller,
    slug: &str,
    wall: bool,
    q: axum::extract::Query<ViewQuery>,
) -> Response {
    let path = format!("/dashboards/{slug}");
    let c = ctx(s, lang, Some(caller), &path).await;
    if let Err(e) = may_view(caller.user.role) {
        return error_page(c, &e);
    }
    let (r, d) = match s.ioc.get(slug).await {
        Ok(x) => x,
        Err(e) => return error_page(c, &e),
    };
    // The period shown in the form: what the URL says, else the dashboard's default.
    let raw = RawFilters { from: q.from.clone(), to: q.to.clone(), commune: None, agency: None };
    let (from, to) = match s.ioc.filters(&d, &raw, tinhso_ioc::today()).await {
        Ok(f) => (f.from.format("%Y-%m-%d").to_string(), f.to.format("%Y-%m-%d").to_string()),
        Err(e) => return error_page(c, &e),
    };
    let units = AdminUnits::embedded();
    let mut communes: Vec<(String, String)> = match units.lookup(&s.config.province_code, tinhso_ioc::today()) {
        Ok(p) => units
            .children(p)
            .into_iter()
            .map(|u| (u.code.clone(), if lang == Lang::En { u.full_name_en.clone() } else { u.full_name.clone() }))
            .collect(),
        Err(_) => Vec::new(),
    };
    communes.sort_by_cached_key(|u| tinhso_domain::text::fold(&u.1));
    let agencies = s
        .store
        .agencies(&caller.scope)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.code.clone(), a.name(lang).to_string()))
        .collect();
    let i18n: serde_json::Map<String, serde_json::Value> =
        I18N_KEYS.iter().map(|k| (k.to_string(), json!(c.t(&format!("dash.js.{k}"))))).collect();
    let panels = d
        .panels
        .iter()
        .map(|p| PanelView {
            id: p.id.clone(),
            kind: p.kind.as_str(),
            width: p.width,
            title: pick(lang, &p.title, &p.title_en).to_string(),
            data_link: format!("/api/v1/dashboards/{slug}/panels/{}/data", p.id),
        })
        .collect();
    render(&ViewPage {
        slug: r.slug.clone(),
        title: pick(lang, &d.title, &d.title_en).to_string(),
        description: pick(lang, &d.description, &d.description_en).to_string(),
        version: r.version,
        wall,
        refresh: d.refresh_seconds,
        province: s.config.province_code.clone(),
        definition_json: script_json(&d.to_json()),
        i18n_json: script_json(&serde_json::Value::Object(i18n)),
        panels,
        communes,
        agencies,
        from,
        to,
        may_edit: may_edit(caller.user.role),
        c,
    })
}

async fn view_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(slug): Path<String>,
    q: axum::extract::Query<ViewQuery>,
) -> Response {
    view(&s, lang, &caller, &slug, false, q).await
}

async fn wall_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(slug): Path<String>,
    q: axum::extract::Query<ViewQuery>,
) -> Response {
    view(&s, lang, &caller, &slug, true, q).await
}

// ---------------------------------------------------------------- editor

#[derive(Template)]
#[template(path = "dashboard_edit.html")]
struct EditPage {
    c: Ctx,
    slug: String,
    title: String,
    text: String,
    version: i64,
    error: Option<String>,
    versions: Vec<(i64, String, String)>,
}

#[derive(Deserialize)]
struct EditForm {
    csrf: Option<String>,
    definition: String,
    version: Option<i64>,
}

async fn edit_view(
    s: &AppState,
    c: Ctx,
    slug: &str,
    text: Option<String>,
    version: Option<i64>,
    error: Option<&Error>,
) -> Response {
    let (r, d) = match s.ioc.get(slug).await {
        Ok(x) => x,
        Err(e) => return error_page(c, &e),
    };
    let versions = s
        .store
        .dashboard_versions(slug)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            (
                v.version,
                v.saved_by.unwrap_or_else(|| "tinhso".into()),
                crate::warehouse_pages::fmt_date(v.saved_at, c.lang),
            )
        })
        .collect();
    let message = error.map(|e| format_error(e, c.lang));
    render(&EditPage {
        slug: r.slug.clone(),
        title: pick(c.lang, &d.title, &d.title_en).to_string(),
        text: text.unwrap_or_else(|| d.to_yaml()),
        version: version.unwrap_or(r.version),
        error: message,
        versions,
        c,
    })
}

async fn edit_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Path(slug): Path<String>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dashboards").await;
    if !may_edit(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    edit_view(&s, c, &slug, None, None, None).await
}

async fn edit_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(slug): Path<String>,
    Form(f): Form<EditForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dashboards").await;
    if !may_edit(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let r = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.ioc.save(&caller.user, &slug, &f.definition, f.version).await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("/dashboards/{slug}")),
        Err(e) => edit_view(&s, c, &slug, Some(f.definition), f.version, Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "dashboard_new.html")]
struct NewPage {
    c: Ctx,
    text: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NewForm {
    csrf: Option<String>,
    definition: String,
}

const NEW_TEMPLATE: &str = "slug: bang-moi\ntitle: Bảng điều khiển mới\ntitle_en: New dashboard\nfilters: [period, commune]\npanels:\n  - id: so-truong\n    title: Số trường học theo cấp\n    title_en: Schools by level\n    kind: bar\n    x: cap_hoc\n    y: [so_truong]\n    sql: |\n      SELECT cap_hoc, count(*) AS so_truong FROM truong_hoc\n      {{#commune}}WHERE xa = {{commune}}{{/commune}}\n      GROUP BY cap_hoc ORDER BY cap_hoc\n";

async fn new_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dashboards").await;
    if !may_edit(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    render(&NewPage { c, text: NEW_TEMPLATE.to_string(), error: None })
}

async fn new_submit(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<NewForm>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dashboards").await;
    if !may_edit(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let r = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.ioc.create(&caller.user, &f.definition).await
    }
    .await;
    match r {
        Ok((r, _)) => see_other(&format!("/dashboards/{}", r.slug)),
        Err(e) => render(&NewPage { c, text: f.definition, error: Some(format_error(&e, lang)) }),
    }
}

// ---------------------------------------------------------------- alerts

struct RuleRow {
    id: i64,
    name: String,
    target: String,
    condition: String,
    channels: String,
    state: String,
    state_label: String,
    last_value: String,
    enabled: bool,
}

struct EventRow {
    at: String,
    rule: String,
    state: String,
    state_label: String,
    value: String,
    detail: String,
    deliveries: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Ctx,
    rules: Vec<RuleRow>,
    events: Vec<EventRow>,
    dashboards: Vec<(String, String)>,
    may_edit: bool,
    error: Option<String>,
    message: Option<String>,
}

fn state_label(c: &Ctx, state: &str) -> String {
    c.t(match state {
        "ok" => "alert.state.ok",
        "firing" => "alert.state.firing",
        "error" => "alert.state.error",
        _ => "alert.state.unknown",
    })
    .to_string()
}

fn fmt_value(v: Option<f64>, lang: Lang) -> String {
    match v {
        None => "—".into(),
        Some(x) => {
            let s = if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") };
            if lang == Lang::Vi {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

async fn alerts_view(
    s: &AppState,
    c: Ctx,
    caller: &PageCaller,
    error: Option<&Error>,
    message: Option<String>,
) -> Response {
    let lang = c.lang;
    let rules = match s.store.alert_rules().await {
        Ok(r) => r,
        Err(e) => return error_page(c, &e),
    };
    let events = s.store.alert_events(None, 100).await.unwrap_or_default();
    let dashboards = s
        .ioc
        .list()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(r, d)| (r.slug, pick(lang, &d.title, &d.title_en).to_string()))
        .collect();
    let rules = rules
        .iter()
        .map(|r| {
            let emails: Vec<String> = serde_json::from_str(&r.emails).unwrap_or_default();
            let mut ch = Vec::new();
            if r.in_app {
                ch.push(c.t("alert.in_app").to_string());
            }
            if !emails.is_empty() {
                ch.push(format!("e-mail: {}", emails.join(", ")));
            }
            if !r.webhook.is_empty() {
                ch.push(format!("webhook: {}", r.webhook));
            }
            RuleRow {
                id: r.id,
                name: r.name.clone(),
                target: format!("{} / {}", r.dashboard_slug, r.panel_id),
                condition: format!("{} {} {}", r.column, r.op, fmt_value(Some(r.threshold), lang)),
                channels: ch.join("; "),
                state: r.state.clone(),
                state_label: state_label(&c, &r.state),
                last_value: fmt_value(r.last_value, lang),
                enabled: r.enabled,
            }
        })
        .collect();
    let events = events
        .iter()
        .map(|e| {
            let ds: Vec<serde_json::Value> = serde_json::from_str(&e.deliveries).unwrap_or_default();
            EventRow {
                at: crate::warehouse_pages::fmt_date(e.at, lang),
                rule: e.rule_name.clone(),
                state: e.state.clone(),
                state_label: state_label(&c, &e.state),
                value: fmt_value(e.value, lang),
                detail: e.detail.clone(),
                deliveries: ds
                    .iter()
                    .map(|d| {
                        format!(
                            "{}{} {}",
                            d["channel"].as_str().unwrap_or(""),
                            d["to"].as_str().map(|t| format!(" {t}")).unwrap_or_default(),
                            if d["ok"].as_bool() == Some(true) { "✓" } else { "✗" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    let error = error.map(|e| format_error(e, lang));
    render(&AlertsPage { rules, events, dashboards, may_edit: may_edit(caller.user.role), error, message, c })
}

async fn alerts_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/alerts").await;
    if let Err(e) = may_view(caller.user.role) {
        return error_page(c, &e);
    }
    alerts_view(&s, c, &caller, None, None).await
}

#[derive(Deserialize)]
struct AlertForm {
    csrf: Option<String>,
    name: String,
    dashboard: String,
    panel: String,
    column: String,
    op: String,
    threshold: String,
    commune: Option<String>,
    agency: Option<String>,
    in_app: Option<String>,
    emails: Option<String>,
    webhook: Option<String>,
}

async fn alert_submit(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<AlertForm>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/alerts").await;
    if !may_edit(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let r = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        let threshold = tinhso_domain::values::parse_decimal(&f.threshold).map_err(|_| {
            Error::invalid(
                "threshold",
                format!("Ngưỡng «{}» không phải số.", f.threshold),
                format!("Threshold «{}» is not a number.", f.threshold),
            )
        })?;
        let input = AlertInput {
            name: f.name.clone(),
            dashboard: f.dashboard.clone(),
            panel: f.panel.trim().to_string(),
            column: f.column.trim().to_string(),
            op: f.op.clone(),
            threshold,
            filters: RawFilters { from: None, to: None, commune: f.commune.clone(), agency: f.agency.clone() },
            in_app: f.in_app.is_some(),
            emails: f
                .emails
                .as_deref()
                .unwrap_or("")
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(String::from)
                .collect(),
            webhook: f.webhook.clone().unwrap_or_default(),
        };
        s.ioc.create_alert(&caller.user, &input).await
    }
    .await;
    match r {
        Ok(_) => see_other("/alerts"),
        Err(e) => alerts_view(&s, c, &caller, Some(&e), None).await,
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn alerts_check(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<CsrfForm>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/alerts").await;
    if !may_edit(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let r = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.ioc.check_alerts().await
    }
    .await;
    match r {
        Ok(out) => {
            let firing = out.iter().filter(|o| o.state == "firing").count();
            let msg = format!("{}: {} / {}", c.t("alert.checked"), out.len(), firing);
            // The page after a check shows the counts even though the header was built before it.
            let c = ctx(&s, lang, Some(&caller), "/alerts").await;
            alerts_view(&s, c, &caller, None, Some(msg)).await
        }
        Err(e) => alerts_view(&s, c, &caller, Some(&e), None).await,
    }
}

async fn alert_toggle(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/alerts").await;
    let r = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        let rule = s.store.alert_rule(id).await?;
        s.store.set_alert_enabled(&caller.user, id, !rule.enabled).await
    }
    .await;
    match r {
        Ok(_) => see_other("/alerts"),
        Err(e) => alerts_view(&s, c, &caller, Some(&e), None).await,
    }
}

// ---------------------------------------------------------------- notifications

struct NoteRow {
    id: i64,
    title: String,
    body: String,
    link: String,
    at: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotesPage {
    c: Ctx,
    notes: Vec<NoteRow>,
}

async fn notifications_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/notifications").await;
    match s.store.notifications(caller.user.id, 200).await {
        Ok(list) => render(&NotesPage {
            notes: list
                .into_iter()
                .map(|n| NoteRow {
                    id: n.id,
                    title: pick(lang, &n.title_vi, &n.title_en).to_string(),
                    body: pick(lang, &n.body_vi, &n.body_en).to_string(),
                    link: if n.link.is_empty() { "/dashboards".into() } else { n.link },
                    at: crate::warehouse_pages::fmt_date(n.created_at, lang),
                    read: n.read_at.is_some(),
                })
                .collect(),
            c,
        }),
        Err(e) => error_page(c, &e),
    }
}

async fn notifications_read(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/notifications").await;
    let r = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.store.mark_notifications_read(caller.user.id, None).await
    }
    .await;
    match r {
        Ok(_) => see_other("/notifications"),
        Err(e) => error_page(c, &e),
    }
}
