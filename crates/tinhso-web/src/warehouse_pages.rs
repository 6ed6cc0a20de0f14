//! Warehouse pages (kho dữ liệu): the dataset catalogue, definition forms, each dataset's schema,
//! quality report, versions, preview and upload with progress, one version's full report, the SQL
//! console and the quality board. The JSON API for the same things is `datasets.rs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::multipart::{Field as Part, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tinhso_domain::{Error, ErrorKind, Lang, Msg, Role};
use tinhso_store::IngestRecord;
use tinhso_warehouse::{
    Actor, Dataset, Definition, Field, IngestInput, IngestOutcome, Progress, Report, Scores, WriteMode,
};
use tokio::io::AsyncWriteExt;

use crate::auth::{PageCaller, CSRF_HEADER, L};
use crate::datasets::{filter, table_response, ListQuery, MAX_DATASET_UPLOAD_BYTES};
use crate::error::status_of;
use crate::pages::{ctx, error_page, format_error, render, render_status, see_other, Ctx};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datasets", get(catalogue))
        .route("/datasets/new", get(new_form).post(create))
        .route("/datasets/{slug}", get(dataset_page))
        .route("/datasets/{slug}/edit", get(edit_form).post(update))
        // Files of several GB: no body limit here; `spool_part` enforces the 4 GB cap while streaming.
        .route("/datasets/{slug}/upload", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/datasets/{slug}/jobs/{id}", get(job))
        .route("/datasets/{slug}/versions/{n}", get(version_page))
        .route("/sql", get(sql_page).post(sql_run))
        .route("/sql/export", post(sql_export))
        .route("/quality", get(quality_board))
}

// ---------------------------------------------------------------- who may do what

fn actor(c: &PageCaller) -> Actor {
    c.actor()
}

/// Roles that define and feed datasets (within their scope; the warehouse checks the owner).
fn may_define(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::DxOffice | Role::AgencyAdmin | Role::DataOfficer)
}

/// The SQL console is for the DX office and the system administrator.
fn may_query(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::DxOffice)
}

// ---------------------------------------------------------------- words and numbers

/// A whole number grouped by thousands: `1.234.567` in Vietnamese, `1,234,567` in English.
pub(crate) fn fmt_num(n: i64, lang: Lang) -> String {
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn vn_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7")
}

/// A day in Vietnam's time zone: `dd/mm/yyyy` in Vietnamese, `yyyy-mm-dd` in English.
pub(crate) fn fmt_date(t: i64, lang: Lang) -> String {
    let Some(d) = chrono::DateTime::from_timestamp(t, 0) else { return "—".into() };
    let d = d.with_timezone(&vn_offset());
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

fn fmt_time(t: i64, lang: Lang) -> String {
    let Some(d) = chrono::DateTime::from_timestamp(t, 0) else { return "—".into() };
    let d = d.with_timezone(&vn_offset());
    match lang {
        Lang::Vi => d.format("%H:%M %d/%m/%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The catalogue text of `prefix.code`, or the code itself for a value the catalogue does not know.
fn label(prefix: &str, code: &str, lang: Lang) -> String {
    let key = format!("{prefix}.{code}");
    if Msg::has(&key) {
        Msg::get(&key, lang).to_string()
    } else {
        code.to_string()
    }
}

fn pick<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        vi
    }
}

fn dataset_name(d: &Dataset, lang: Lang) -> String {
    pick(lang, &d.record.name_vi, &d.record.name_en).to_string()
}

/// One quality score as a coloured badge: ≥90 good, ≥70 fair, else poor.
pub struct Badge {
    pub label: &'static str,
    pub value: i64,
    pub class: &'static str,
}

fn badge(label: &'static str, value: i64) -> Badge {
    let class = if value >= 90 {
        "good"
    } else if value >= 70 {
        "fair"
    } else {
        "poor"
    };
    Badge { label, value, class }
}

/// The overall score and the four dimensions đúng, đủ, sạch, sống.
pub struct ScoreSet {
    pub score: Badge,
    pub dims: Vec<Badge>,
}

fn score_set(s: &Scores, lang: Lang) -> ScoreSet {
    ScoreSet {
        score: badge(Msg::get("quality.score", lang), s.score),
        dims: vec![
            badge(Msg::get("quality.correct", lang), s.correct),
            badge(Msg::get("quality.complete", lang), s.complete),
            badge(Msg::get("quality.clean", lang), s.clean),
            badge(Msg::get("quality.live", lang), s.live),
        ],
    }
}

/// Scores of one ingest, liveness recomputed now.
fn ingest_scores(d: &Dataset, i: &IngestRecord) -> Scores {
    tinhso_warehouse::quality::ingest_scores(i, d.def.frequency, tinhso_store::now())
}

fn mode_label(mode: &str, lang: Lang) -> String {
    label("mode", mode, lang)
}

/// (value, label) of the write modes, in form order.
fn modes(lang: Lang) -> Vec<(&'static str, &'static str)> {
    ["replace", "append", "upsert"].into_iter().map(|m| (m, Msg::get(mode_key(m), lang))).collect()
}

fn mode_key(m: &str) -> &'static str {
    match m {
        "append" => "mode.append",
        "upsert" => "mode.upsert",
        _ => "mode.replace",
    }
}

// ---------------------------------------------------------------- catalogue

struct CatalogueRow {
    slug: String,
    name: String,
    owner_code: String,
    owner_name: String,
    zone: String,
    sector: String,
    frequency: String,
    version: String,
    updated: String,
    scores: Option<ScoreSet>,
    demo: bool,
}

/// A choice of a filter: (value, label, selected).
type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "datasets.html")]
struct CataloguePage {
    c: Ctx,
    q: String,
    zones: Vec<Choice>,
    sectors: Vec<Choice>,
    owners: Vec<Choice>,
    thresholds: Vec<Choice>,
    rows: Vec<CatalogueRow>,
    total: String,
    can_define: bool,
}

/// The catalogue's GET form: every field a string, so an empty choice is "any".
#[derive(Deserialize, Default)]
struct CatalogueQuery {
    q: Option<String>,
    zone: Option<String>,
    sector: Option<String>,
    owner: Option<String>,
    max_score: Option<String>,
}

fn choices(all: Vec<(String, String)>, selected: Option<&str>, any: &str) -> Vec<Choice> {
    let sel = selected.unwrap_or("");
    std::iter::once((String::new(), any.to_string(), sel.is_empty()))
        .chain(all.into_iter().map(|(v, l)| {
            let s = v == sel;
            (v, l, s)
        }))
        .collect()
}

async fn catalogue(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(q): Query<CatalogueQuery>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let all = match s.warehouse.datasets(&actor(&caller)).await {
        Ok(a) => a,
        Err(e) => return error_page(c, &e),
    };
    let sectors: Vec<(String, String)> = all
        .iter()
        .map(|d| d.record.sector.clone())
        .filter(|x| !x.is_empty())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|x| (x.clone(), x))
        .collect();
    let owners: Vec<(String, String)> = all
        .iter()
        .map(|d| (d.record.owner_code.clone(), format!("{} — {}", d.record.owner_code, d.record.owner_name)))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let max_score = q.max_score.as_deref().and_then(|m| m.trim().parse::<i64>().ok());
    let list =
        ListQuery { q: q.q.clone(), zone: q.zone.clone(), sector: q.sector.clone(), owner: q.owner.clone(), max_score };
    let mut found = filter(all, &list);
    found.sort_by(|a, b| a.record.slug.cmp(&b.record.slug));
    let rows: Vec<CatalogueRow> = found
        .iter()
        .map(|d| CatalogueRow {
            slug: d.record.slug.clone(),
            name: dataset_name(d, lang),
            owner_code: d.record.owner_code.clone(),
            owner_name: d.record.owner_name.clone(),
            zone: label("zone", &d.record.zone, lang),
            sector: d.record.sector.clone(),
            frequency: label("freq", &d.record.frequency, lang),
            version: d.latest.as_ref().and_then(|l| l.version).map(|v| v.to_string()).unwrap_or_else(|| "—".into()),
            updated: d.latest.as_ref().map(|l| fmt_date(l.created_at, lang)).unwrap_or_else(|| "—".into()),
            scores: d.scores.as_ref().map(|x| score_set(x, lang)),
            demo: d.record.demo,
        })
        .collect();
    let zones =
        ["shared", "specialised", "open"].into_iter().map(|z| (z.to_string(), label("zone", z, lang))).collect();
    let thresholds = [50, 70, 90].into_iter().map(|t| (t.to_string(), format!("< {t}"))).collect();
    let max_text = max_score.map(|m| m.to_string());
    let page = CataloguePage {
        q: q.q.clone().unwrap_or_default(),
        zones: choices(zones, q.zone.as_deref(), c.t("common.any")),
        sectors: choices(sectors, q.sector.as_deref(), c.t("common.any")),
        owners: choices(owners, q.owner.as_deref(), c.t("common.any")),
        thresholds: choices(thresholds, max_text.as_deref(), c.t("common.any")),
        total: fmt_num(rows.len() as i64, lang),
        rows,
        can_define: may_define(caller.user.role),
        c,
    };
    render(&page)
}

// ---------------------------------------------------------------- definition forms

const EXAMPLE_VI: &str = r#"# Định nghĩa bộ dữ liệu (TOML). Dòng bắt đầu bằng # là chú thích.
slug = "truong-hoc"           # mã: chữ thường không dấu, chữ số, dấu gạch ngang
name = "Trường học"
name_en = "Schools"
zone = "shared"               # shared (Dùng chung) | specialised (Chuyên ngành) | open (Mở)
# owner = "SGDDT"             # mã cơ quan chủ quản; bỏ trống là cơ quan của bạn
sector = "Giáo dục"
description = "Danh sách trường học trên địa bàn tỉnh."
frequency = "monthly"         # daily | weekly | monthly | quarterly | yearly
key = ["ma_truong"]           # trường khoá: không được trùng
# coverage = { field = "xa", level = "commune" }   # xã, phường nào cũng phải có dữ liệu
# policy = { max_reject_share = 0.2 }               # từ chối cả tệp khi quá 20% dòng lỗi

[[fields]]
name = "ma_truong"
label = "Mã trường"
type = "text"
required = true

[[fields]]
name = "ten_truong"
label = "Tên trường"
type = "text"
required = true

[[fields]]
name = "xa"
label = "Xã, phường"
type = "admin_unit"           # mã hoặc tên; mã cũ trước 01/7/2025 được chuyển đổi

[[fields]]
name = "ngay_thanh_lap"
label = "Ngày thành lập"
type = "date"                 # dd/mm/yyyy, yyyy-mm-dd…

[[fields]]
name = "kinh_phi"
label = "Kinh phí"
type = "money"                # "1,2 tỷ", "350 triệu", "1.234.567"
min = 0

[[fields]]
name = "cccd_hieu_truong"
label = "CCCD hiệu trưởng"
type = "cccd"
personal = "basic"            # none | basic | sensitive (Nghị định 13/2023/NĐ-CP)
"#;

const EXAMPLE_EN: &str = r#"# Dataset definition (TOML). Lines starting with # are comments.
slug = "truong-hoc"           # slug: lowercase ASCII letters, digits, hyphens
name = "Trường học"           # the Vietnamese name
name_en = "Schools"
zone = "shared"               # shared | specialised | open
# owner = "SGDDT"             # owner agency code; empty means your agency
sector = "Giáo dục"
description = "Schools of the province."
frequency = "monthly"         # daily | weekly | monthly | quarterly | yearly
key = ["ma_truong"]           # key fields: no duplicates allowed
# coverage = { field = "xa", level = "commune" }   # every commune must have data
# policy = { max_reject_share = 0.2 }               # refuse the whole file above 20% bad rows

[[fields]]
name = "ma_truong"
label = "Mã trường"
label_en = "School code"
type = "text"
required = true

[[fields]]
name = "ten_truong"
label = "Tên trường"
label_en = "School name"
type = "text"
required = true

[[fields]]
name = "xa"
label = "Xã, phường"
label_en = "Commune"
type = "admin_unit"           # code or name; pre-1 July 2025 codes are mapped

[[fields]]
name = "ngay_thanh_lap"
label = "Ngày thành lập"
label_en = "Founded"
type = "date"                 # dd/mm/yyyy, yyyy-mm-dd…

[[fields]]
name = "kinh_phi"
label = "Kinh phí"
label_en = "Budget"
type = "money"                # "1,2 tỷ", "350 triệu", "1.234.567"
min = 0

[[fields]]
name = "cccd_hieu_truong"
label = "CCCD hiệu trưởng"
label_en = "Principal's ID number"
type = "cccd"
personal = "basic"            # none | basic | sensitive (Decree 13/2023/NĐ-CP)
"#;

#[derive(Template)]
#[template(path = "dataset_form.html")]
struct DefinitionForm {
    c: Ctx,
    title: String,
    action: String,
    back: String,
    format: String,
    text: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct DefinitionInput {
    csrf: Option<String>,
    #[serde(default)]
    format: String,
    #[serde(default)]
    definition: String,
}

fn form_page(c: Ctx, slug: Option<&str>, format: &str, text: String, error: Option<&Error>) -> Response {
    let lang = c.lang;
    let page = DefinitionForm {
        title: match slug {
            Some(s) => format!("{}: {s}", c.t("datasets.edit")),
            None => c.t("datasets.new").to_string(),
        },
        action: slug.map(|s| format!("/datasets/{s}/edit")).unwrap_or_else(|| "/datasets/new".into()),
        back: slug.map(|s| format!("/datasets/{s}")).unwrap_or_else(|| "/datasets".into()),
        format: if format == "json" { "json" } else { "toml" }.to_string(),
        text,
        error: error.map(|e| format_error(e, lang)),
        c,
    };
    render_status(error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK), &page)
}

async fn new_form(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    if !may_define(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let example = if lang == Lang::En { EXAMPLE_EN } else { EXAMPLE_VI };
    form_page(c, None, "toml", example.to_string(), None)
}

fn parse_definition(f: &DefinitionInput) -> Result<Definition, Error> {
    Definition::parse(&f.definition, f.format != "json")
}

async fn create(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<DefinitionInput>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        if !may_define(caller.user.role) {
            return Err(Error::forbidden());
        }
        s.warehouse.create_dataset(&actor(&caller), parse_definition(&f)?).await
    }
    .await;
    match result {
        Ok(d) => {
            tracing::info!(actor = %caller.user.username, slug = %d.record.slug, "dataset created");
            see_other(&format!("/datasets/{}", d.record.slug))
        }
        Err(e) => form_page(c, None, &f.format, f.definition.clone(), Some(&e)),
    }
}

async fn edit_form(State(s): State<AppState>, L(lang): L, caller: PageCaller, Path(slug): Path<String>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let a = actor(&caller);
    let d = match s.warehouse.dataset(&a, &slug).await {
        Ok(d) => d,
        Err(e) => return error_page(c, &e),
    };
    if !s.warehouse.may_manage(&a, &d.record.owner_path) {
        return error_page(c, &Error::forbidden());
    }
    let text = serde_json::to_string_pretty(&d.def).unwrap_or_default();
    form_page(c, Some(&slug), "json", text, None)
}

async fn update(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(slug): Path<String>,
    Form(f): Form<DefinitionInput>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.warehouse.update_dataset(&actor(&caller), &slug, parse_definition(&f)?).await
    }
    .await;
    match result {
        Ok(d) => {
            tracing::info!(actor = %caller.user.username, slug = %d.record.slug, "dataset updated");
            see_other(&format!("/datasets/{}", d.record.slug))
        }
        Err(e) if e.kind == ErrorKind::NotFound => error_page(c, &e),
        Err(e) => form_page(c, Some(&slug), &f.format, f.definition.clone(), Some(&e)),
    }
}

// ---------------------------------------------------------------- quality report

struct ExampleRow {
    row: String,
    column: String,
    value: String,
    reason: String,
}

struct ExampleGroup {
    title: &'static str,
    rows: Vec<ExampleRow>,
}

struct FixRow {
    row: String,
    column: String,
    kind: String,
    before: String,
    after: String,
}

struct CoverageView {
    field: String,
    expected: String,
    present: String,
    missing: Vec<(String, String)>,
}

/// A quality report as shown: every text already in the caller's language.
struct ReportView {
    file: String,
    source: String,
    mode: String,
    date: String,
    rows_read: String,
    rows_accepted: String,
    rows_rejected: String,
    scores: ScoreSet,
    refused: Option<String>,
    examples: Vec<ExampleGroup>,
    fix_counts: Vec<(String, String)>,
    fixes: Vec<FixRow>,
    by_rule: Vec<(String, String, String)>,
    fill_rate: Vec<(String, String)>,
    coverage: Option<CoverageView>,
    warnings: Vec<String>,
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn example_rows(list: &[serde_json::Value], lang: Lang) -> Vec<ExampleRow> {
    list.iter()
        .map(|e| ExampleRow {
            row: e["row"].as_i64().map(|r| fmt_num(r, lang)).unwrap_or_default(),
            column: json_text(&e["column"]),
            value: json_text(&e["value"]),
            reason: json_text(&e[lang.code()]),
        })
        .collect()
}

fn counts(v: &serde_json::Value, prefix: &str, lang: Lang) -> Vec<(String, String, String)> {
    v.as_object()
        .map(|m| {
            m.iter().map(|(k, n)| (k.clone(), label(prefix, k, lang), fmt_num(n.as_i64().unwrap_or(0), lang))).collect()
        })
        .unwrap_or_default()
}

fn report_view(r: &Report, scores: &Scores, lang: Lang) -> ReportView {
    let msg = |m: &tinhso_warehouse::quality::Message| if lang == Lang::En { m.en.clone() } else { m.vi.clone() };
    let mut source = r.format.clone();
    if let Some(e) = r.encoding_label.as_ref().or(r.encoding.as_ref()) {
        source.push_str(&format!(" · {e}"));
    }
    if let Some(d) = &r.delimiter {
        source.push_str(&format!(" · «{d}»"));
    }
    if let Some(sh) = &r.sheet {
        source.push_str(&format!(" · {sh}"));
    }
    let examples = [
        ("quality.correct_examples", &r.examples.correct),
        ("quality.complete_examples", &r.examples.complete),
        ("quality.clean_examples", &r.examples.clean),
    ]
    .into_iter()
    .filter(|(_, l)| !l.is_empty())
    .map(|(k, l)| ExampleGroup { title: Msg::get(k, lang), rows: example_rows(l, lang) })
    .collect();
    let fixes = r
        .examples
        .fixes
        .iter()
        .map(|f| FixRow {
            row: f["row"].as_i64().map(|r| fmt_num(r, lang)).unwrap_or_default(),
            column: json_text(&f["column"]),
            kind: label("fix", f["kind"].as_str().unwrap_or(""), lang),
            before: json_text(&f["before"]),
            after: json_text(&f["after"]),
        })
        .collect();
    let fill_rate = r
        .fill_rate
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), format!("{}%", (v.as_f64().unwrap_or(0.0) * 100.0).round() as i64)))
                .collect()
        })
        .unwrap_or_default();
    ReportView {
        file: r.file.clone(),
        source,
        mode: mode_label(&r.mode, lang),
        date: fmt_time(r.at, lang),
        rows_read: fmt_num(r.rows_read as i64, lang),
        rows_accepted: fmt_num(if r.refused.is_some() { 0 } else { r.rows_accepted as i64 }, lang),
        rows_rejected: fmt_num(r.rows_rejected as i64, lang),
        scores: score_set(scores, lang),
        refused: r.refused.as_ref().map(msg),
        examples,
        fix_counts: counts(&r.fixes, "fix", lang).into_iter().map(|(_, l, n)| (l, n)).collect(),
        fixes,
        by_rule: counts(&r.by_rule, "rule", lang),
        fill_rate,
        coverage: r.coverage.as_ref().map(|cv| CoverageView {
            field: cv.field.clone(),
            expected: fmt_num(cv.expected as i64, lang),
            present: fmt_num(cv.present as i64, lang),
            missing: cv.missing.iter().map(|m| (m.code.clone(), m.name.clone())).collect(),
        }),
        warnings: r.warnings.iter().map(msg).collect(),
    }
}

// ---------------------------------------------------------------- dataset page

struct DatasetView {
    slug: String,
    name: String,
    other_name: String,
    description: String,
    owner: String,
    zone: String,
    sector: String,
    frequency: String,
    key: String,
    demo: bool,
    sql_names: String,
}

struct FieldRow {
    name: String,
    label: String,
    kind: String,
    required: bool,
    personal: Option<(&'static str, String)>,
    constraints: String,
}

struct VersionRow {
    version: Option<i64>,
    date: String,
    file: String,
    encoding: String,
    mode: String,
    read: String,
    accepted: String,
    rejected: String,
    scores: ScoreSet,
    rejects: Option<String>,
}

struct Preview {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetPage {
    c: Ctx,
    d: DatasetView,
    fields: Vec<FieldRow>,
    latest: Option<i64>,
    report: Option<ReportView>,
    latest_rejects: Option<String>,
    versions: Vec<VersionRow>,
    may_read: bool,
    preview: Option<Preview>,
    can_manage: bool,
    modes: Vec<(&'static str, &'static str)>,
    max_gb: u64,
    upload_error: Option<String>,
    upload_rejects: Option<String>,
}

fn constraints(f: &Field, lang: Lang) -> String {
    let t = |k: &'static str| Msg::get(k, lang);
    let mut out = Vec::new();
    if let Some(m) = &f.min {
        out.push(format!("{} {}", t("cons.min"), json_text(m)));
    }
    if let Some(m) = &f.max {
        out.push(format!("{} {}", t("cons.max"), json_text(m)));
    }
    match (f.min_length, f.max_length) {
        (Some(a), Some(b)) => out.push(format!("{} {a}–{b}", t("cons.length"))),
        (Some(a), None) => out.push(format!("{} ≥ {a}", t("cons.length"))),
        (None, Some(b)) => out.push(format!("{} ≤ {b}", t("cons.length"))),
        (None, None) => {}
    }
    if let Some(p) = &f.pattern {
        out.push(format!("{} {p}", t("cons.pattern")));
    }
    if !f.values.is_empty() {
        out.push(format!("{}: {}", t("cons.values"), f.values.join(", ")));
    }
    if let Some(r) = &f.references {
        out.push(format!("{} {r}", t("cons.references")));
    }
    if let Some(b) = &f.birth_date_field {
        out.push(format!("{} {b}", t("cons.birth_date")));
    }
    if let Some(b) = &f.not_before {
        out.push(format!("{} {b}", t("cons.not_before")));
    }
    if !f.aliases.is_empty() {
        out.push(format!("{}: {}", t("cons.aliases"), f.aliases.join(", ")));
    }
    out.join("; ")
}

fn field_row(f: &Field, lang: Lang) -> FieldRow {
    let personal = match f.personal {
        tinhso_warehouse::Personal::None => None,
        p => Some((p.as_str(), label("personal", p.as_str(), lang))),
    };
    let label_text =
        if lang == Lang::En && !f.label_en.is_empty() { f.label_en.clone() } else { f.display().to_string() };
    FieldRow {
        name: f.name.clone(),
        label: label_text,
        kind: label("ftype", f.kind.as_str(), lang),
        required: f.required,
        personal,
        constraints: constraints(f, lang),
    }
}

fn rejects_link(slug: &str, i: &IngestRecord) -> Option<String> {
    if i.rows_rejected == 0 || i.rejects_file.is_none() {
        return None;
    }
    Some(match i.version {
        Some(v) => format!("/api/v1/datasets/{slug}/versions/{v}/rejects"),
        None => format!("/api/v1/datasets/{slug}/ingests/{}/rejects", i.id),
    })
}

fn sql_names(slug: &str) -> String {
    let under = slug.replace('-', "_");
    if under == slug {
        slug.to_string()
    } else {
        format!("\"{slug}\", {under}")
    }
}

async fn dataset_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Path(slug): Path<String>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    dataset_view(&s, &caller, c, &slug, None).await
}

/// What a failed upload without JavaScript shows on the dataset page.
struct UploadProblem {
    status: StatusCode,
    message: String,
    rejects: Option<String>,
}

async fn dataset_view(
    s: &AppState,
    caller: &PageCaller,
    c: Ctx,
    slug: &str,
    problem: Option<UploadProblem>,
) -> Response {
    let lang = c.lang;
    let a = actor(caller);
    let loaded = async { Ok::<_, Error>((s.warehouse.dataset(&a, slug).await?, s.warehouse.ingests(&a, slug).await?)) };
    let (d, ingests) = match loaded.await {
        Ok(x) => x,
        Err(e) => return error_page(c, &e),
    };
    let can_manage = s.warehouse.may_manage(&a, &d.record.owner_path);
    let sees_rejects = can_manage || caller.user.role.province_wide();
    let may_read = s.warehouse.may_read(&a, &d.record).await;
    let preview = if may_read && d.latest.is_some() {
        match s.warehouse.rows(&a, slug, None, 20).await {
            Ok((columns, batches)) => Some(Preview { columns, rows: tinhso_warehouse::sql::to_text_rows(&batches) }),
            Err(e) => return error_page(c, &e),
        }
    } else {
        None
    };
    let report = d.latest.as_ref().and_then(|l| {
        let r: Report = serde_json::from_str(&l.report).ok()?;
        Some(report_view(&r, &ingest_scores(&d, l), lang))
    });
    let latest_rejects = d.latest.as_ref().and_then(|l| rejects_link(slug, l)).filter(|_| sees_rejects);
    let versions = ingests
        .iter()
        .map(|i| VersionRow {
            version: i.version,
            date: fmt_time(i.created_at, lang),
            file: i.file_name.clone(),
            encoding: i.encoding.clone(),
            mode: mode_label(&i.mode, lang),
            read: fmt_num(i.rows_read, lang),
            accepted: fmt_num(i.rows_accepted, lang),
            rejected: fmt_num(i.rows_rejected, lang),
            scores: score_set(&ingest_scores(&d, i), lang),
            rejects: rejects_link(slug, i).filter(|_| sees_rejects),
        })
        .collect();
    let view = DatasetView {
        slug: d.record.slug.clone(),
        name: dataset_name(&d, lang),
        other_name: if lang == Lang::En { d.record.name_vi.clone() } else { d.record.name_en.clone() },
        description: d.def.description.clone(),
        owner: format!("{} — {}", d.record.owner_code, d.record.owner_name),
        zone: label("zone", &d.record.zone, lang),
        sector: d.record.sector.clone(),
        frequency: label("freq", &d.record.frequency, lang),
        key: d.def.key.join(", "),
        demo: d.record.demo,
        sql_names: sql_names(&d.record.slug),
    };
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let (upload_error, upload_rejects) = match problem {
        Some(p) => (Some(p.message), p.rejects),
        None => (None, None),
    };
    let page = DatasetPage {
        fields: d.def.fields.iter().map(|f| field_row(f, lang)).collect(),
        latest: d.latest.as_ref().and_then(|l| l.version),
        d: view,
        report,
        latest_rejects,
        versions,
        may_read,
        preview,
        can_manage,
        modes: modes(lang),
        max_gb: MAX_DATASET_UPLOAD_BYTES >> 30,
        upload_error,
        upload_rejects,
        c,
    };
    render_status(status, &page)
}

// ---------------------------------------------------------------- version page

#[derive(Template)]
#[template(path = "version.html")]
struct VersionPage {
    c: Ctx,
    slug: String,
    name: String,
    version: i64,
    r: ReportView,
    rejects: Option<String>,
}

fn parse_version(raw: &str) -> Result<i64, Error> {
    raw.trim_start_matches(['v', 'V'])
        .parse::<i64>()
        .map_err(|_| Error::not_found(format!("Không có phiên bản «{raw}»."), format!("There is no version «{raw}».")))
}

async fn version_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path((slug, n)): Path<(String, String)>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let a = actor(&caller);
    let found = async {
        let n = parse_version(&n)?;
        let d = s.warehouse.dataset(&a, &slug).await?;
        let list = s.warehouse.ingests(&a, &slug).await?;
        let i = list.into_iter().find(|i| i.version == Some(n)).ok_or_else(|| {
            Error::not_found(
                format!("Bộ dữ liệu «{slug}» không có phiên bản {n}."),
                format!("Dataset «{slug}» has no version {n}."),
            )
        })?;
        let r: Report = serde_json::from_str(&i.report).map_err(Error::internal)?;
        Ok::<_, Error>((n, d, i, r))
    };
    let (n, d, i, r) = match found.await {
        Ok(x) => x,
        Err(e) => return error_page(c, &e),
    };
    let sees_rejects = s.warehouse.may_manage(&a, &d.record.owner_path) || caller.user.role.province_wide();
    let page = VersionPage {
        slug: slug.clone(),
        name: dataset_name(&d, lang),
        version: n,
        r: report_view(&r, &ingest_scores(&d, &i), lang),
        rejects: rejects_link(&slug, &i).filter(|_| sees_rejects),
        c,
    };
    render(&page)
}

// ---------------------------------------------------------------- upload and jobs

/// How long a finished upload job stays visible.
const JOB_TTL: Duration = Duration::from_secs(3600);

/// An upload being ingested in the background.
struct Job {
    user_id: i64,
    slug: String,
    file_name: String,
    progress: Arc<Progress>,
    outcome: Option<Result<IngestOutcome, Error>>,
    finished: Option<Instant>,
}

fn jobs() -> &'static Mutex<HashMap<String, Job>> {
    static JOBS: OnceLock<Mutex<HashMap<String, Job>>> = OnceLock::new();
    JOBS.get_or_init(Default::default)
}

fn lock_jobs() -> std::sync::MutexGuard<'static, HashMap<String, Job>> {
    // A panic while holding the lock leaves the map usable: take it back.
    jobs().lock().unwrap_or_else(|p| p.into_inner())
}

fn purge_jobs(map: &mut HashMap<String, Job>) {
    map.retain(|_, j| j.finished.is_none_or(|t| t.elapsed() < JOB_TTL));
}

/// The upload form, read in order: the CSRF token and choices first, then the file, spooled to disk.
struct UploadForm {
    mode: WriteMode,
    sheet: Option<String>,
    file_name: String,
    content_type: Option<String>,
    file: tempfile::NamedTempFile,
}

fn cut_short(e: impl std::fmt::Display) -> Error {
    Error::invalid("file", format!("Không nhận đủ tệp tải lên: {e}"), format!("The upload was cut short: {e}"))
}

/// Streams one multipart field to a temporary file (bounded memory), refusing more than `max` bytes.
async fn spool_part(mut part: Part<'_>, dir: &std::path::Path, max: u64) -> Result<tempfile::NamedTempFile, Error> {
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(Error::internal)?;
    let mut f = tokio::fs::File::from_std(tmp.reopen().map_err(Error::internal)?);
    let mut n: u64 = 0;
    while let Some(chunk) = part.chunk().await.map_err(cut_short)? {
        n += chunk.len() as u64;
        if n > max {
            return Err(Error::invalid(
                "file",
                format!("Tệp lớn quá {} GB.", max >> 30),
                format!("The file is larger than {} GB.", max >> 30),
            ));
        }
        f.write_all(&chunk).await.map_err(Error::internal)?;
    }
    f.flush().await.map_err(Error::internal)?;
    Ok(tmp)
}

async fn read_upload_form(
    caller: &PageCaller,
    headers: &HeaderMap,
    mp: Result<Multipart, MultipartRejection>,
    dir: &std::path::Path,
) -> Result<UploadForm, Error> {
    let mut mp = mp.map_err(|e| {
        Error::invalid(
            "file",
            format!("Biểu mẫu tải lên không hợp lệ: {e}"),
            format!("The upload form is not valid: {e}"),
        )
    })?;
    // The script sends the token as a header too; the plain form sends it as the first field.
    let header_token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut csrf_ok = caller.check_csrf(header_token).is_ok();
    let mut mode = WriteMode::Replace;
    let mut sheet = None;
    while let Some(part) = mp.next_field().await.map_err(cut_short)? {
        match part.name().unwrap_or("") {
            "csrf" => {
                let token = part.text().await.map_err(cut_short)?;
                caller.check_csrf(&token)?;
                csrf_ok = true;
            }
            "mode" => mode = WriteMode::parse(part.text().await.map_err(cut_short)?.trim())?,
            "sheet" => sheet = Some(part.text().await.map_err(cut_short)?.trim().to_string()).filter(|x| !x.is_empty()),
            "file" => {
                if !csrf_ok {
                    // Never write a byte of a forged upload to disk.
                    caller.check_csrf("")?;
                }
                let file_name = part.file_name().map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string());
                let Some(file_name) = file_name.filter(|n| !n.is_empty()) else {
                    return Err(Error::invalid("file", "Hãy chọn một tệp để tải lên.", "Choose a file to upload."));
                };
                // The extension decides the format; the browser's type only when there is none.
                let content_type = tinhso_warehouse::source::Format::guess(None, &file_name)
                    .is_none()
                    .then(|| part.content_type().map(str::to_string))
                    .flatten();
                let file = spool_part(part, dir, MAX_DATASET_UPLOAD_BYTES).await?;
                return Ok(UploadForm { mode, sheet, file_name, content_type, file });
            }
            _ => {}
        }
    }
    if !csrf_ok {
        caller.check_csrf("")?;
    }
    Err(Error::invalid("file", "Hãy chọn một tệp để tải lên.", "Choose a file to upload."))
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobFragment {
    c: Ctx,
    slug: String,
    id: String,
    file_name: String,
    running: bool,
    rows: String,
    percent: Option<u64>,
    version: Option<i64>,
    scores: Option<ScoreSet>,
    error: Option<String>,
    rejects: Option<String>,
    read: String,
    rejected: String,
}

fn job_fragment(c: Ctx, id: &str, j: &Job) -> JobFragment {
    let lang = c.lang;
    let total = j.progress.total.load(Ordering::Relaxed);
    let bytes = j.progress.bytes.load(Ordering::Relaxed);
    let mut f = JobFragment {
        slug: j.slug.clone(),
        id: id.to_string(),
        file_name: j.file_name.clone(),
        running: j.outcome.is_none(),
        rows: fmt_num(j.progress.rows.load(Ordering::Relaxed) as i64, lang),
        percent: (total > 0).then(|| bytes.min(total) * 100 / total),
        version: None,
        scores: None,
        error: None,
        rejects: None,
        read: String::new(),
        rejected: String::new(),
        c,
    };
    match &j.outcome {
        None => {}
        Some(Ok(o)) => {
            f.version = o.version;
            f.scores = Some(score_set(&o.scores, lang));
            f.read = fmt_num(o.report.rows_read as i64, lang);
            f.rejected = fmt_num(o.report.rows_rejected as i64, lang);
            f.error = o.report.refused.as_ref().map(|m| if lang == Lang::En { m.en.clone() } else { m.vi.clone() });
            f.rejects = (o.report.rows_rejected > 0).then(|| match o.version {
                Some(v) => format!("/api/v1/datasets/{}/versions/{v}/rejects", j.slug),
                None => format!("/api/v1/datasets/{}/ingests/{}/rejects", j.slug, o.ingest_id),
            });
        }
        Some(Err(e)) => f.error = Some(format_error(e, lang)),
    }
    f
}

async fn upload(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let scripted = headers.get("x-requested-with").is_some_and(|v| v == "XMLHttpRequest");
    let a = actor(&caller);
    let prepared = async {
        // Check the dataset and the right to feed it before reading the body.
        let d = s.warehouse.dataset(&a, &slug).await?;
        if !s.warehouse.may_manage(&a, &d.record.owner_path) {
            return Err(Error::forbidden());
        }
        read_upload_form(&caller, &headers, mp, &s.warehouse.root().join("_staging")).await
    };
    let form = match prepared.await {
        Ok(f) => f,
        Err(e) => {
            let c = ctx(&s, lang, Some(&caller), "/datasets").await;
            if scripted {
                let status = status_of(e.kind);
                let fragment = JobFragment {
                    slug: slug.clone(),
                    id: String::new(),
                    file_name: String::new(),
                    running: false,
                    rows: String::new(),
                    percent: None,
                    version: None,
                    scores: None,
                    error: Some(format_error(&e, lang)),
                    rejects: None,
                    read: String::new(),
                    rejected: String::new(),
                    c,
                };
                return render_status(status, &fragment);
            }
            if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) && e.field.as_deref() != Some("csrf") {
                return error_page(c, &e);
            }
            let problem = UploadProblem { status: status_of(e.kind), message: format_error(&e, lang), rejects: None };
            return dataset_view(&s, &caller, c, &slug, Some(problem)).await;
        }
    };
    let UploadForm { mode, sheet, file_name, content_type, file } = form;
    let input = IngestInput {
        path: file.path().to_path_buf(),
        file_name: file_name.clone(),
        content_type,
        sheet,
        mode,
        at: None,
    };
    let progress = Arc::new(Progress::default());
    tracing::info!(actor = %caller.user.username, slug = %slug, file = %file_name, mode = mode.as_str(), "dataset upload received");

    if !scripted {
        // Without JavaScript: ingest now, then show the new version or the reason.
        let out = s.warehouse.ingest(&a, &slug, input, progress).await;
        drop(file);
        let c = ctx(&s, lang, Some(&caller), "/datasets").await;
        return match out {
            Ok(o) if o.version.is_some() => {
                see_other(&format!("/datasets/{slug}/versions/{}", o.version.unwrap_or_default()))
            }
            Ok(o) => {
                let message =
                    o.report.refused.as_ref().map(|m| if lang == Lang::En { m.en.clone() } else { m.vi.clone() });
                let problem = UploadProblem {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: message.unwrap_or_default(),
                    rejects: (o.report.rows_rejected > 0)
                        .then(|| format!("/api/v1/datasets/{slug}/ingests/{}/rejects", o.ingest_id)),
                };
                dataset_view(&s, &caller, c, &slug, Some(problem)).await
            }
            Err(e) => {
                let problem =
                    UploadProblem { status: status_of(e.kind), message: format_error(&e, lang), rejects: None };
                dataset_view(&s, &caller, c, &slug, Some(problem)).await
            }
        };
    }

    let id = tinhso_store::credentials::random_hex(16);
    let job = Job {
        user_id: caller.user.id,
        slug: slug.clone(),
        file_name,
        progress: progress.clone(),
        outcome: None,
        finished: None,
    };
    // The answer always shows the job running: its end comes through polling, whatever the timing.
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let fragment = job_fragment(c, &id, &job);
    {
        let mut map = lock_jobs();
        purge_jobs(&mut map);
        map.insert(id.clone(), job);
    }
    let wh = s.warehouse.clone();
    let (job_id, job_slug) = (id, slug);
    tokio::spawn(async move {
        // The ingest runs as its own task so that a panic in it still finishes the job.
        let slug2 = job_slug.clone();
        let out = match tokio::spawn(async move { wh.ingest(&a, &slug2, input, progress).await }).await {
            Ok(out) => out,
            Err(e) => Err(Error::internal(e)),
        };
        // The spooled file is needed until the ingest has read it.
        drop(file);
        match &out {
            Ok(o) => {
                tracing::info!(slug = %job_slug, version = ?o.version, rows = o.report.rows_read, rejected = o.report.rows_rejected, "dataset upload ingested")
            }
            Err(e) => tracing::warn!(slug = %job_slug, error = %e.en, "dataset upload failed"),
        }
        if let Some(j) = lock_jobs().get_mut(&job_id) {
            j.outcome = Some(out);
            j.finished = Some(Instant::now());
        }
        tokio::time::sleep(JOB_TTL).await;
        lock_jobs().remove(&job_id);
    });
    render_status(StatusCode::ACCEPTED, &fragment)
}

fn no_job() -> Error {
    Error::not_found(
        "Không có lượt tải lên này (hoặc đã quá một giờ).",
        "There is no such upload (or it finished more than an hour ago).",
    )
}

async fn job(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/datasets").await;
    let fragment = {
        let mut map = lock_jobs();
        purge_jobs(&mut map);
        match map.get(&id) {
            Some(j) if j.user_id == caller.user.id && j.slug == slug => Ok(job_fragment(c, &id, j)),
            _ => Err(c),
        }
    };
    match fragment {
        Ok(f) => render(&f),
        Err(c) => error_page(c, &no_job()),
    }
}

// ---------------------------------------------------------------- SQL console

struct TableEntry {
    slug: String,
    name: String,
    sql_names: String,
    version: Option<i64>,
}

struct SqlResultView {
    columns: Vec<String>,
    rows: Vec<Vec<(String, bool)>>,
    count: String,
    elapsed: String,
    truncated: bool,
}

#[derive(Template)]
#[template(path = "sql.html")]
struct SqlPage {
    c: Ctx,
    sql: String,
    result: Option<SqlResultView>,
    error: Option<String>,
    tables: Vec<TableEntry>,
    max_rows: String,
}

#[derive(Deserialize)]
struct SqlForm {
    csrf: Option<String>,
    #[serde(default)]
    sql: String,
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn sql_view(
    s: &AppState,
    caller: &PageCaller,
    c: Ctx,
    sql: String,
    result: Option<tinhso_warehouse::QueryResult>,
    error: Option<&Error>,
) -> Response {
    let lang = c.lang;
    let a = actor(caller);
    let tables = match s.warehouse.datasets(&a).await {
        Ok(list) => {
            let mut t: Vec<TableEntry> = Vec::new();
            for d in &list {
                if s.warehouse.may_read(&a, &d.record).await {
                    t.push(TableEntry {
                        slug: d.record.slug.clone(),
                        name: dataset_name(d, lang),
                        sql_names: sql_names(&d.record.slug),
                        version: d.latest.as_ref().and_then(|l| l.version),
                    });
                }
            }
            t.sort_by(|x, y| x.slug.cmp(&y.slug));
            t
        }
        Err(e) => return error_page(c, &e),
    };
    let sql = if sql.is_empty() && result.is_none() && error.is_none() {
        tables
            .iter()
            .find(|t| t.version.is_some())
            .map(|t| format!("SELECT *\nFROM \"{}\"\nLIMIT 10", t.slug))
            .unwrap_or_default()
    } else {
        sql
    };
    let result = result.map(|r| SqlResultView {
        columns: r.columns.iter().map(|c| c.name.clone()).collect(),
        count: fmt_num(r.rows.len() as i64, lang),
        rows: r.rows.iter().map(|row| row.iter().map(|v| (json_text(v), v.is_number())).collect()).collect(),
        elapsed: fmt_num(r.elapsed_ms as i64, lang),
        truncated: r.truncated,
    });
    let page = SqlPage {
        sql,
        result,
        error: error.map(|e| format_error(e, lang)),
        tables,
        max_rows: fmt_num(s.warehouse.limits.max_rows as i64, lang),
        c,
    };
    render_status(error.map(|e| status_of(e.kind)).unwrap_or(StatusCode::OK), &page)
}

async fn sql_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/sql").await;
    if !may_query(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    sql_view(&s, &caller, c, String::new(), None, None).await
}

async fn sql_run(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<SqlForm>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/sql").await;
    if !may_query(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        s.warehouse.sql(&actor(&caller), &f.sql).await
    }
    .await;
    match result {
        Ok(r) => {
            tracing::info!(actor = %caller.user.username, rows = r.rows.len(), ms = r.elapsed_ms, "sql console query");
            sql_view(&s, &caller, c, f.sql, Some(r), None).await
        }
        Err(e) => sql_view(&s, &caller, c, f.sql, None, Some(&e)).await,
    }
}

async fn sql_export(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(q): Query<ExportQuery>,
    Form(f): Form<SqlForm>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/sql").await;
    if !may_query(caller.user.role) {
        return error_page(c, &Error::forbidden());
    }
    let result = async {
        caller.check_csrf(f.csrf.as_deref().unwrap_or(""))?;
        let format = q.format.as_deref().unwrap_or("csv");
        if !matches!(format, "csv" | "xlsx") {
            return Err(Error::invalid(
                "format",
                format!("Định dạng «{format}» không hỗ trợ: csv hoặc xlsx."),
                format!("Format «{format}» is not supported: csv or xlsx."),
            ));
        }
        let r = s.warehouse.sql(&actor(&caller), &f.sql).await?;
        tracing::info!(actor = %caller.user.username, rows = r.rows.len(), format, "sql console export");
        let columns = r.columns.iter().map(|c| c.name.clone()).collect();
        table_response("ket-qua-sql", columns, &r.batches, Some(format)).map_err(|e| e.0)
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => sql_view(&s, &caller, c, f.sql, None, Some(&e)).await,
    }
}

// ---------------------------------------------------------------- quality board

struct AgencyRow {
    code: String,
    name: String,
    datasets: String,
    scores: ScoreSet,
}

struct BoardRow {
    slug: String,
    name: String,
    owner: String,
    version: i64,
    updated: String,
    scores: ScoreSet,
    stale: bool,
}

struct Missing {
    slug: String,
    name: String,
    owner: String,
    created: String,
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    c: Ctx,
    agencies: Vec<AgencyRow>,
    datasets: Vec<BoardRow>,
    missing: Vec<Missing>,
    stale_count: usize,
}

async fn quality_board(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/quality").await;
    if !caller.user.role.is_staff() {
        return error_page(c, &Error::forbidden());
    }
    let a = actor(&caller);
    let loaded = async { Ok::<_, Error>((s.warehouse.agency_quality(&a).await?, s.warehouse.datasets(&a).await?)) };
    let (by_agency, all) = match loaded.await {
        Ok(x) => x,
        Err(e) => return error_page(c, &e),
    };
    let mut agencies: Vec<AgencyRow> = by_agency
        .into_iter()
        .map(|(code, name, n, q)| AgencyRow {
            code,
            name,
            datasets: fmt_num(n as i64, lang),
            scores: score_set(&q, lang),
        })
        .collect();
    agencies.sort_by_key(|r| r.scores.score.value);
    let mut datasets = Vec::new();
    let mut missing = Vec::new();
    for d in &all {
        match (d.latest.as_ref(), d.scores.as_ref(), d.latest.as_ref().and_then(|l| l.version)) {
            (Some(l), Some(sc), Some(v)) => datasets.push(BoardRow {
                slug: d.record.slug.clone(),
                name: dataset_name(d, lang),
                owner: format!("{} — {}", d.record.owner_code, d.record.owner_name),
                version: v,
                updated: fmt_date(l.created_at, lang),
                scores: score_set(sc, lang),
                stale: sc.live < 50,
            }),
            _ => missing.push(Missing {
                slug: d.record.slug.clone(),
                name: dataset_name(d, lang),
                owner: format!("{} — {}", d.record.owner_code, d.record.owner_name),
                created: fmt_date(d.record.created_at, lang),
            }),
        }
    }
    // Stale datasets first, then the weakest.
    datasets.sort_by(|x, y| y.stale.cmp(&x.stale).then(x.scores.score.value.cmp(&y.scores.score.value)));
    missing.sort_by(|x, y| x.owner.cmp(&y.owner).then(x.slug.cmp(&y.slug)));
    let stale_count = datasets.iter().filter(|d| d.stale).count();
    render(&QualityPage { c, agencies, datasets, missing, stale_count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(fmt_num(1_234_567, Lang::Vi), "1.234.567");
        assert_eq!(fmt_num(1_234_567, Lang::En), "1,234,567");
        assert_eq!(fmt_num(0, Lang::Vi), "0");
        assert_eq!(fmt_num(999, Lang::Vi), "999");
        assert_eq!(fmt_num(-1000, Lang::Vi), "-1.000");
        // 2025-07-01 00:30 in Vietnam is 2025-06-30 17:30 UTC.
        let t =
            chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap().and_hms_opt(17, 30, 0).unwrap().and_utc().timestamp();
        assert_eq!(fmt_date(t, Lang::Vi), "01/07/2025");
        assert_eq!(fmt_date(t, Lang::En), "2025-07-01");
    }

    #[test]
    fn badges_are_coloured_by_threshold() {
        assert_eq!(badge("x", 90).class, "good");
        assert_eq!(badge("x", 89).class, "fair");
        assert_eq!(badge("x", 70).class, "fair");
        assert_eq!(badge("x", 69).class, "poor");
    }

    #[test]
    fn both_examples_are_valid_definitions() {
        for text in [EXAMPLE_VI, EXAMPLE_EN] {
            let d = Definition::parse(text, true).unwrap();
            assert_eq!(d.slug, "truong-hoc");
            assert_eq!(d.fields.len(), 6);
        }
    }

    #[test]
    fn every_code_shown_has_words_in_the_catalogue() {
        use tinhso_warehouse::{FieldType, Frequency, Personal, Zone};
        let mut keys: Vec<String> = Vec::new();
        keys.extend([Zone::Shared, Zone::Specialised, Zone::Open].map(|z| format!("zone.{}", z.as_str())));
        keys.extend(
            [Frequency::Daily, Frequency::Weekly, Frequency::Monthly, Frequency::Quarterly, Frequency::Yearly]
                .map(|f| format!("freq.{}", f.as_str())),
        );
        keys.extend(FieldType::ALL.map(|t| format!("ftype.{}", t.as_str())));
        keys.extend([Personal::Basic, Personal::Sensitive].map(|p| format!("personal.{}", p.as_str())));
        keys.extend(["replace", "append", "upsert"].map(|m| format!("mode.{m}")));
        keys.extend(
            ["nfc", "trimmed", "legacy_tcvn3", "legacy_vni", "admin_unit_mapped", "format_unified"]
                .map(|f| format!("fix.{f}")),
        );
        for k in keys {
            assert!(Msg::has(&k), "missing catalogue key {k}");
        }
        assert_eq!(label("zone", "shared", Lang::Vi), "Dùng chung");
        assert_eq!(label("rule", "no_such_rule", Lang::Vi), "no_such_rule");
    }

    #[test]
    fn sql_names_quote_hyphenated_slugs() {
        assert_eq!(sql_names("truong-hoc"), "\"truong-hoc\", truong_hoc");
        assert_eq!(sql_names("dan"), "dan");
    }
}
