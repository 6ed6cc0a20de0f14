//! DX programme pages: the overview (KPIs with their history, plans by
//! group, reviews, indices, teams), a plan's tasks with XLSX import and
//! export, a monthly review (each agency's report, the form for the
//! caller's agency, closing by the DX office), "where do I start?", DTI
//! (rank history chart, self-assessment with evidence, ranking table) and
//! community digital teams. Charts are SVG drawn here: no script needed.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use tinhso_domain::{Error, Lang};
use tinhso_dx::report::{decimal, vi_date};
use tinhso_dx::{groups, plan, Month, StartItems, TeamStats};

use crate::auth::{PageCaller, L};
use crate::dx::today;
use crate::pages::{ctx, error_page, format_error, render, see_other, Ctx};
use crate::projects::form_with_file;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dx", get(overview))
        .route("/dx/plans/import", post(plan_import))
        .route("/dx/plans/{id}", get(plan_page))
        .route("/dx/reviews/open", post(review_open))
        .route("/dx/reviews/{month}", get(review_page).post(review_submit))
        .route("/dx/reviews/{month}/close", post(review_close))
        .route("/dx/start", get(start_page))
        .route("/dx/dti", get(dti_page).post(dti_assess))
        .route("/dx/dti/evidence", post(dti_evidence))
        .route("/dx/dti/rankings", post(dti_rankings))
        .route("/dx/indices", post(index_result))
        .route("/dx/teams", get(teams_page))
}

/// A small line chart of values (SVG), with the target as a dashed line.
fn sparkline(values: &[f64], target: Option<f64>, w: f64, h: f64) -> String {
    if values.is_empty() {
        return String::new();
    }
    let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if let Some(t) = target {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    if (hi - lo).abs() < 1e-9 {
        hi = lo + 1.0;
    }
    let x = |i: usize| if values.len() == 1 { w / 2.0 } else { 4.0 + i as f64 * (w - 8.0) / (values.len() - 1) as f64 };
    let y = |v: f64| 4.0 + (hi - v) / (hi - lo) * (h - 8.0);
    let pts: Vec<String> = values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
    let mut s =
        format!(r#"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-hidden="true">"#);
    if let Some(t) = target {
        s.push_str(&format!(
            r##"<line x1="0" x2="{w}" y1="{0:.1}" y2="{0:.1}" stroke="#c0392b" stroke-dasharray="3 3"/>"##,
            y(t)
        ));
    }
    s.push_str(&format!(r##"<polyline fill="none" stroke="#1d5fa8" stroke-width="2" points="{}"/>"##, pts.join(" ")));
    if let Some(last) = pts.last() {
        let (cx, cy) = last.split_once(',').unwrap_or(("0", "0"));
        s.push_str(&format!(r##"<circle cx="{cx}" cy="{cy}" r="3" fill="#1d5fa8"/>"##));
    }
    s.push_str("</svg>");
    s
}

/// Rank by year (1 at the top), with the target rank, as an SVG chart.
fn rank_chart(points: &[(i64, i64, i64)], target: Option<(i64, i64)>, lang: Lang) -> String {
    if points.is_empty() {
        return String::new();
    }
    let (w, h) = (520.0, 220.0);
    let first = points.iter().map(|p| p.0).min().unwrap_or(2020).min(target.map_or(i64::MAX, |t| t.0));
    let last = points.iter().map(|p| p.0).max().unwrap_or(2020).max(target.map_or(i64::MIN, |t| t.0));
    let of = points.iter().map(|p| p.2).max().unwrap_or(63) as f64;
    let x = |yr: i64| 40.0 + (yr - first) as f64 * (w - 70.0) / ((last - first).max(1)) as f64;
    let y = |rank: f64| 20.0 + (rank - 1.0) / (of - 1.0).max(1.0) * (h - 50.0);
    let mut s = format!(
        r#"<svg class="chart" id="dti-rank-chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}">"#,
        if lang == Lang::En { "DTI rank by year" } else { "Thứ hạng DTI theo năm" }
    );
    for r in [1.0, (of / 2.0).round(), of] {
        s.push_str(&format!(r##"<line x1="40" x2="{}" y1="{1:.1}" y2="{1:.1}" stroke="#ddd"/><text x="34" y="{2:.1}" text-anchor="end" font-size="11">{3}</text>"##, w - 30.0, y(r), y(r) + 4.0, r));
    }
    for yr in first..=last {
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{}" text-anchor="middle" font-size="11">{yr}</text>"#,
            x(yr),
            h - 12.0
        ));
    }
    let pts: Vec<String> = points.iter().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1 as f64))).collect();
    s.push_str(&format!(r##"<polyline fill="none" stroke="#1d5fa8" stroke-width="2.5" points="{}"/>"##, pts.join(" ")));
    for p in points {
        s.push_str(&format!(
            r##"<circle cx="{0:.1}" cy="{1:.1}" r="4" fill="#1d5fa8"/><text x="{2:.1}" y="{3:.1}" font-size="12" font-weight="bold">{4}/{5}</text>"##,
            x(p.0), y(p.1 as f64), x(p.0) + 7.0, y(p.1 as f64) - 6.0, p.1, p.2
        ));
    }
    if let Some((yr, rank)) = target {
        s.push_str(&format!(
            r##"<circle cx="{0:.1}" cy="{1:.1}" r="5" fill="none" stroke="#c0392b" stroke-width="2"/><text x="{0:.1}" y="{2:.1}" text-anchor="end" font-size="12" fill="#c0392b">{3} {4}</text>"##,
            x(yr), y(rank as f64), y(rank as f64) - 9.0, if lang == Lang::En { "target: top" } else { "mục tiêu: top" }, rank
        ));
    }
    s.push_str("</svg>");
    s
}

// ---- overview --------------------------------------------------------------------------------

struct KpiRow {
    code: String,
    name: String,
    target: String,
    target_on: String,
    actual: String,
    actual_month: String,
    status: &'static str,
    status_label: &'static str,
    method: &'static str,
    spark: String,
}

struct PlanRow {
    id: i64,
    code: String,
    title: String,
    period: String,
    tasks: usize,
    done: usize,
    late: usize,
}

struct GroupRow {
    name: String,
    tasks: usize,
    done: usize,
    late: usize,
    progress: String,
}

struct ReviewRow {
    month: String,
    status: String,
    due_on: String,
}

struct IndexRow {
    code: String,
    name: String,
    latest: String,
    target: String,
}

#[derive(Template)]
#[template(path = "dx.html")]
struct OverviewPage {
    c: Ctx,
    as_of: String,
    kpis: Vec<KpiRow>,
    plans: Vec<PlanRow>,
    groups: Vec<GroupRow>,
    reviews: Vec<ReviewRow>,
    indices: Vec<IndexRow>,
    teams: Option<(i64, i64, i64)>,
    may_manage: bool,
    next_month: String,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct OverviewQuery {
    as_of: Option<String>,
    ok: Option<String>,
}

fn kpi_rows(kpis: &[tinhso_dx::KpiView], lang: Lang) -> Vec<KpiRow> {
    kpis.iter()
        .map(|k| KpiRow {
            code: k.code.clone(),
            name: if lang == Lang::En && !k.name_en.is_empty() { k.name_en.clone() } else { k.name.clone() },
            target: format!("{} {}", decimal(k.target), k.unit),
            target_on: vi_date(&k.target_on),
            actual: k.actual.map(|a| format!("{} {}", decimal(a), k.unit)).unwrap_or_else(|| "–".into()),
            actual_month: k.actual_month.clone().unwrap_or_default(),
            status: k.status.as_str(),
            status_label: k.status.label(lang),
            method: if k.method == "sql" { "dx.method.sql" } else { "dx.method.manual" },
            spark: sparkline(&k.history.iter().map(|h| h.value).collect::<Vec<_>>(), Some(k.target), 140.0, 36.0),
        })
        .collect()
}

async fn overview_page(
    s: &AppState,
    lang: Lang,
    caller: &PageCaller,
    q: OverviewQuery,
    error: Option<String>,
) -> Response {
    let c = ctx(s, lang, Some(caller), "/dx").await;
    let actor = caller.actor();
    let as_of = match q.as_of.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                return error_page(
                    c,
                    &Error::invalid("as_of", "Ngày không hợp lệ (YYYY-MM-DD).", "Not a valid day (YYYY-MM-DD)."),
                )
            }
        },
        None => today(),
    };
    let data = async {
        let kpis = s.tracker.kpis(&actor, as_of).await?;
        let plans = s.tracker.plans(&actor).await?;
        let reviews = s.tracker.reviews(&actor).await?;
        let results = s.store.dx_index_results(None).await?;
        let targets = s.store.dx_index_targets().await?;
        Ok::<_, Error>((kpis, plans, reviews, results, targets))
    }
    .await;
    let (kpis, plans, reviews, results, targets) = match data {
        Ok(d) => d,
        Err(e) => return error_page(c, &e),
    };
    let teams = s.tracker.team_stats(&actor).await.ok().map(|t| (t.teams, t.members, t.households_guided));
    let plan_rows = plans
        .iter()
        .map(|(p, t)| PlanRow {
            id: p.id,
            code: p.code.clone(),
            title: p.title.clone(),
            period: if p.year_from == p.year_to {
                p.year_from.to_string()
            } else {
                format!("{}–{}", p.year_from, p.year_to)
            },
            tasks: t.len(),
            done: t.iter().filter(|x| x.status == "hoan-thanh").count(),
            late: t.iter().filter(|x| plan::is_late(x, as_of)).count(),
        })
        .collect();
    let all: Vec<&tinhso_store::TaskRecord> = plans
        .iter()
        .filter(|(p, _)| (p.year_from..=p.year_to).contains(&i64::from(chrono::Datelike::year(&as_of))))
        .flat_map(|(_, t)| t.iter())
        .collect();
    let group_rows = groups::GROUPS
        .iter()
        .map(|(code, _, _)| {
            let ts: Vec<_> = all.iter().filter(|t| t.group_code == *code).collect();
            let avg =
                if ts.is_empty() { 0.0 } else { ts.iter().map(|t| t.progress).sum::<i64>() as f64 / ts.len() as f64 };
            GroupRow {
                name: groups::name(code, lang).to_string(),
                tasks: ts.len(),
                done: ts.iter().filter(|t| t.status == "hoan-thanh").count(),
                late: ts.iter().filter(|t| plan::is_late(t, as_of)).count(),
                progress: format!("{} %", decimal(avg)),
            }
        })
        .collect();
    let index_rows = tinhso_dx::INDICES
        .iter()
        .map(|(code, vi, en)| {
            let latest = results.iter().filter(|r| r.index_code == *code).max_by_key(|r| r.year);
            let target = targets.iter().filter(|t| t.index_code == *code).max_by_key(|t| t.year);
            IndexRow {
                code: code.to_string(),
                name: if lang == Lang::En { en.to_string() } else { vi.to_string() },
                latest: latest
                    .map(|r| {
                        let mut s = format!("{}: ", r.year);
                        if let (Some(rk), Some(of)) = (r.rank, r.of_count) {
                            s.push_str(&format!("{rk}/{of}"));
                        }
                        if let Some(sc) = r.score {
                            s.push_str(&format!(
                                " ({})",
                                if *code == "DTI" { format!("{sc:.4}").replace('.', ",") } else { decimal(sc) }
                            ));
                        }
                        s
                    })
                    .unwrap_or_else(|| "–".into()),
                target: target
                    .map(|t| match (t.rank_target, t.score_target) {
                        (Some(r), _) => format!("top {r} ({})", t.year),
                        (None, Some(sc)) => format!("{} ({})", decimal(sc), t.year),
                        _ => String::new(),
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    render(&OverviewPage {
        as_of: as_of.to_string(),
        kpis: kpi_rows(&kpis, lang),
        plans: plan_rows,
        groups: group_rows,
        reviews: reviews
            .iter()
            .map(|r| ReviewRow { month: r.month.clone(), status: r.status.clone(), due_on: vi_date(&r.due_on) })
            .collect(),
        indices: index_rows,
        teams,
        may_manage: tinhso_dx::may_manage(caller.user.role),
        next_month: Month::of(today()).to_string(),
        message: q.ok.map(|_| c.t("dx.save").to_string() + " ✓"),
        error,
        c,
    })
}

async fn overview(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(q): Query<OverviewQuery>,
) -> Response {
    overview_page(&s, lang, &caller, q, None).await
}

// ---- plans -----------------------------------------------------------------------------------

struct TaskRow {
    code: String,
    group: String,
    title: String,
    lead: String,
    cooperating: String,
    due: String,
    output: String,
    budget: String,
    status: String,
    progress: i64,
    late: bool,
    datasets: Vec<String>,
}

#[derive(Template)]
#[template(path = "dx_plan.html")]
struct PlanPage {
    c: Ctx,
    id: i64,
    code: String,
    title: String,
    period: String,
    tasks: Vec<TaskRow>,
    may_manage: bool,
}

fn money(v: i64) -> String {
    if v >= 1_000_000_000 {
        format!("{} tỷ", decimal(v as f64 / 1e9))
    } else if v >= 1_000_000 {
        format!("{} triệu", decimal(v as f64 / 1e6))
    } else {
        v.to_string()
    }
}

async fn plan_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Path(id): Path<String>) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dx").await;
    let id = match crate::pages::parse_page_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(c, &e),
    };
    let plans = match s.tracker.plans(&caller.actor()).await {
        Ok(p) => p,
        Err(e) => return error_page(c, &e),
    };
    let Some((p, tasks)) = plans.into_iter().find(|(p, _)| p.id == id) else {
        return error_page(c, &Error::not_found("Không có kế hoạch này.", "There is no such plan."));
    };
    let t = today();
    let list = |j: &str| serde_json::from_str::<Vec<String>>(j).unwrap_or_default();
    render(&PlanPage {
        id: p.id,
        code: p.code.clone(),
        title: p.title.clone(),
        period: format!("{}–{}", p.year_from, p.year_to),
        tasks: tasks
            .iter()
            .map(|x| TaskRow {
                code: x.code.clone(),
                group: groups::name(&x.group_code, lang).to_string(),
                title: x.title.clone(),
                lead: x.lead_agency_name.clone(),
                cooperating: list(&x.cooperating).join(", "),
                due: vi_date(&x.due_on),
                output: x.output.clone(),
                budget: x.budget.map(money).unwrap_or_default(),
                status: plan::status_name(&x.status, lang).to_string(),
                progress: x.progress,
                late: plan::is_late(x, t),
                datasets: list(&x.datasets),
            })
            .collect(),
        may_manage: tinhso_dx::may_manage(caller.user.role),
        c,
    })
}

async fn plan_import(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let (fields, name, bytes) = match form_with_file(mp).await {
        Ok(x) => x,
        Err(e) => {
            return overview_page(&s, lang, &caller, OverviewQuery::default(), Some(format_error(&e, lang))).await
        }
    };
    if let Err(e) = caller.check_csrf(fields.get("csrf").map_or("", |v| v.as_str())) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    match s.tracker.import_plan(&caller.actor(), &name, &bytes).await {
        Ok(p) => see_other(&format!("/dx/plans/{}", p.id)),
        Err(errors) => {
            let text = errors.iter().map(|e| format_error(e, lang)).collect::<Vec<_>>().join("\n");
            overview_page(&s, lang, &caller, OverviewQuery::default(), Some(text)).await
        }
    }
}

// ---- reviews ---------------------------------------------------------------------------------

struct ReportRow {
    agency: String,
    agency_name: String,
    state: &'static str,
    submitted_at: String,
    obstacles: String,
}

struct FormTask {
    id: i64,
    code: String,
    title: String,
    lead: bool,
    progress: i64,
}

#[derive(Template)]
#[template(path = "dx_review.html")]
struct ReviewPage {
    c: Ctx,
    month: String,
    status: String,
    due_on: String,
    summary: String,
    meeting_on: String,
    reports: Vec<ReportRow>,
    /// The caller's agency report form: (agency code, name, tasks).
    form: Option<(String, String, Vec<FormTask>)>,
    may_manage: bool,
    error: Option<String>,
    message: Option<String>,
}

async fn review_view(
    s: &AppState,
    lang: Lang,
    caller: &PageCaller,
    month: &str,
    error: Option<String>,
    message: Option<String>,
) -> Response {
    let c = ctx(s, lang, Some(caller), "/dx").await;
    let m = match Month::parse("month", month) {
        Ok(m) => m,
        Err(e) => return error_page(c, &e),
    };
    let v = match s.tracker.review(&caller.actor(), m, today()).await {
        Ok(v) => v,
        Err(e) => return error_page(c, &e),
    };
    let mut form = None;
    if v.review.status == "open"
        && !matches!(caller.user.role, tinhso_domain::Role::Leader | tinhso_domain::Role::Public)
    {
        if let (Some(aid), Some(code)) = (caller.user.agency_id, caller.user.agency_code.clone()) {
            if v.reports.iter().any(|(r, _)| r.agency_id == aid) {
                let tasks = s.store.dx_tasks(None).await.unwrap_or_default();
                // Tasks of the plans in force that month.
                let plans: Vec<i64> = s
                    .store
                    .dx_plans()
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| (p.year_from..=p.year_to).contains(&i64::from(m.year)))
                    .map(|p| p.id)
                    .collect();
                let mine: Vec<FormTask> = tasks
                    .iter()
                    .filter(|t| t.status != "hoan-thanh" && plans.contains(&t.plan_id))
                    .filter_map(|t| {
                        let lead = t.lead_agency_id == aid;
                        let coop =
                            serde_json::from_str::<Vec<String>>(&t.cooperating).unwrap_or_default().contains(&code);
                        (lead || coop).then(|| FormTask {
                            id: t.id,
                            code: t.code.clone(),
                            title: t.title.clone(),
                            lead,
                            progress: t.progress,
                        })
                    })
                    .collect();
                let name = v
                    .reports
                    .iter()
                    .find(|(r, _)| r.agency_id == aid)
                    .map(|(r, _)| r.agency_name.clone())
                    .unwrap_or_default();
                form = Some((code, name, mine));
            }
        }
    }
    let reports = v
        .reports
        .iter()
        .map(|(r, st)| {
            let doc: tinhso_dx::review::ReportDoc = serde_json::from_str(&r.content).unwrap_or_default();
            let mut obs: Vec<String> =
                doc.items.iter().map(|i| i.obstacles.clone()).filter(|o| !o.is_empty()).collect();
            if !doc.obstacles.is_empty() {
                obs.insert(0, doc.obstacles.clone());
            }
            ReportRow {
                agency: r.agency_code.clone(),
                agency_name: r.agency_name.clone(),
                state: st,
                submitted_at: r
                    .submitted_at
                    .map(|t| tinhso_dx::review::vn_day(t).format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
                obstacles: obs.join("; "),
            }
        })
        .collect();
    render(&ReviewPage {
        month: m.to_string(),
        status: v.review.status.clone(),
        due_on: vi_date(&v.review.due_on),
        summary: v.review.summary.clone(),
        meeting_on: v.review.meeting_on.as_deref().map(vi_date).unwrap_or_default(),
        reports,
        form,
        may_manage: tinhso_dx::may_manage(caller.user.role),
        error,
        message,
        c,
    })
}

async fn review_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Path(month): Path<String>) -> Response {
    review_view(&s, lang, &caller, &month, None, None).await
}

async fn review_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(month): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if let Err(e) = caller.check_csrf(f.get("csrf").map_or("", |v| v.as_str())) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    let m = match Month::parse("month", &month) {
        Ok(m) => m,
        Err(e) => return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e),
    };
    let agency = f.get("agency").cloned().unwrap_or_default();
    let tasks = s.store.dx_tasks(None).await.unwrap_or_default();
    let mut items = Vec::new();
    for t in &tasks {
        let get = |k: &str| f.get(&format!("{k}_{}", t.id)).map(|v| v.trim().to_string());
        let (Some(result), obstacles, proposals) = (get("result"), get("obstacles"), get("proposals")) else {
            continue;
        };
        let progress = match get("progress").filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match p.trim_end_matches('%').trim().parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    let e = Error::invalid(
                        &format!("progress_{}", t.code),
                        format!("Tiến độ «{p}» của nhiệm vụ {} không phải số.", t.code),
                        format!("Progress «{p}» of task {} is not a number.", t.code),
                    );
                    return review_view(&s, lang, &caller, &month, Some(format_error(&e, lang)), None).await;
                }
            },
        };
        items.push(tinhso_dx::review::ReportItem {
            task: t.code.clone(),
            progress,
            status: get("status").filter(|v| !v.is_empty()),
            result,
            obstacles: obstacles.unwrap_or_default(),
            proposals: proposals.unwrap_or_default(),
        });
    }
    let doc = tinhso_dx::review::ReportDoc {
        items,
        obstacles: f.get("obstacles").cloned().unwrap_or_default(),
        proposals: f.get("proposals").cloned().unwrap_or_default(),
    };
    match s.tracker.submit_report(&caller.actor(), m, &agency, &doc, tinhso_store::now()).await {
        Ok(late) => {
            let msg = if late { "dx.state.late" } else { "dx.state.on_time" };
            let c = ctx(&s, lang, Some(&caller), "/dx").await;
            let text = format!("{} ✓ ({})", c.t("dx.submit"), c.t(msg));
            review_view(&s, lang, &caller, &month, None, Some(text)).await
        }
        Err(errors) => {
            let text = errors.iter().map(|e| format_error(e, lang)).collect::<Vec<_>>().join("\n");
            review_view(&s, lang, &caller, &month, Some(text), None).await
        }
    }
}

#[derive(Deserialize)]
struct CloseForm {
    csrf: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    meeting_on: String,
}

async fn review_close(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(month): Path<String>,
    Form(f): Form<CloseForm>,
) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    let r = async {
        let m = Month::parse("month", &month)?;
        let meeting =
            if f.meeting_on.trim().is_empty() {
                None
            } else {
                Some(NaiveDate::parse_from_str(f.meeting_on.trim(), "%Y-%m-%d").map_err(|_| {
                    Error::invalid("meeting_on", "Ngày họp không hợp lệ.", "The meeting day is not valid.")
                })?)
            };
        s.tracker.close_review(&caller.actor(), m, Some(&f.summary), meeting, tinhso_store::now()).await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("/dx/reviews/{month}")),
        Err(e) => review_view(&s, lang, &caller, &month, Some(format_error(&e, lang)), None).await,
    }
}

#[derive(Deserialize)]
struct OpenForm {
    csrf: String,
    month: String,
}

async fn review_open(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<OpenForm>) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    let r = async {
        let m = Month::parse("month", &f.month)?;
        s.tracker.open_review(&caller.actor(), m, tinhso_store::now()).await?;
        Ok::<_, Error>(m)
    }
    .await;
    match r {
        Ok(m) => see_other(&format!("/dx/reviews/{m}")),
        Err(e) => overview_page(&s, lang, &caller, OverviewQuery::default(), Some(format_error(&e, lang))).await,
    }
}

// ---- where do I start? -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "dx_start.html")]
struct StartPage {
    c: Ctx,
    items: StartItems,
    agencies: Vec<(String, String)>,
    province_wide: bool,
}

#[derive(Deserialize, Default)]
struct StartQuery {
    agency: Option<String>,
}

async fn start_page(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Query(q): Query<StartQuery>,
) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dx").await;
    let code = q
        .agency
        .filter(|a| !a.is_empty())
        .or_else(|| caller.user.agency_code.clone())
        .unwrap_or_else(|| "SKHCN".into());
    let items = match s.tracker.start(&caller.actor(), &code, today()).await {
        Ok(i) => i,
        Err(e) => return error_page(c, &e),
    };
    let agencies =
        s.store.agencies(&caller.scope).await.unwrap_or_default().into_iter().map(|a| (a.code, a.name_vi)).collect();
    render(&StartPage { items, agencies, province_wide: caller.user.role.province_wide(), c })
}

// ---- DTI -------------------------------------------------------------------------------------

struct RankRow {
    rank: i64,
    province: String,
    score: String,
    own: bool,
}

struct AssessRow {
    code: String,
    name: String,
    points: String,
    value: String,
    evidence: String,
    files: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "dx_dti.html")]
struct DtiPage {
    c: Ctx,
    year: i64,
    years: Vec<i64>,
    framework: String,
    chart: String,
    results: Vec<(i64, String, String, String)>,
    ranking: Vec<RankRow>,
    assess: Vec<AssessRow>,
    computed: String,
    may_manage: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct DtiQuery {
    year: Option<i64>,
}

async fn dti_view(s: &AppState, lang: Lang, caller: &PageCaller, year: Option<i64>, error: Option<String>) -> Response {
    let c = ctx(s, lang, Some(caller), "/dx").await;
    let data = async {
        let results = s.store.dx_index_results(Some("DTI")).await?;
        let targets = s.store.dx_index_targets().await?;
        let year = year.or_else(|| results.iter().map(|r| r.year).max()).unwrap_or(2022);
        let frameworks = s.tracker.frameworks().await?;
        let ranking = s.store.dti_rankings(year).await?;
        let assessments = s.store.dti_assessments(year).await?;
        let files = s.store.dx_attachments(year).await?;
        let score = s.tracker.self_score(year).await?;
        Ok::<_, Error>((year, results, targets, frameworks, ranking, assessments, files, score))
    }
    .await;
    let (year, results, targets, frameworks, ranking, assessments, files, score) = match data {
        Ok(d) => d,
        Err(e) => return error_page(c, &e),
    };
    let f = tinhso_dx::dti::framework_for(&frameworks, year);
    let target =
        targets.iter().filter(|t| t.index_code == "DTI").filter_map(|t| t.rank_target.map(|r| (t.year, r))).max();
    let points: Vec<(i64, i64, i64)> =
        results.iter().filter_map(|r| Some((r.year, r.rank?, r.of_count.unwrap_or(63)))).collect();
    let assess = f
        .map(|f| {
            f.indicators()
                .into_iter()
                .map(|(ix, comp)| {
                    let code = comp.map_or(ix.code.clone(), |c| c.code.clone());
                    let name = comp.map_or_else(
                        || {
                            if lang == Lang::En && !ix.name_en.is_empty() {
                                ix.name_en.clone()
                            } else {
                                ix.name.clone()
                            }
                        },
                        |c| c.name.clone(),
                    );
                    let a = assessments.iter().find(|a| a.indicator == code);
                    AssessRow {
                        points: comp.map_or(ix.points, |c| c.points).map(decimal).unwrap_or_default(),
                        value: a.map(|a| format!("{:.4}", a.value)).unwrap_or_default(),
                        evidence: a.map(|a| a.evidence.clone()).unwrap_or_default(),
                        files: files
                            .iter()
                            .filter(|x| x.indicator == code)
                            .map(|x| (x.id, x.file_name.clone()))
                            .collect(),
                        code,
                        name,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    // The deployment's province and the pre-2025 provinces merged into it, folded.
    let units = tinhso_domain::AdminUnits::embedded();
    let mut own_names: Vec<String> = Vec::new();
    if let Ok(u) = units.lookup(&s.config.province_code, today()) {
        own_names.push(tinhso_domain::text::fold(&u.name));
        own_names.extend(
            units
                .predecessors(u)
                .iter()
                .map(|p| tinhso_domain::text::fold(&p.name.replace("Tỉnh ", "").replace("Thành phố ", ""))),
        );
    }
    let first = results.iter().map(|r| r.year).min().unwrap_or(year).min(year);
    let mut years: Vec<i64> = (first..=i64::from(chrono::Datelike::year(&today()))).collect();
    years.push(year);
    years.sort_unstable();
    years.dedup();
    render(&DtiPage {
        year,
        years,
        framework: f.map(|f| format!("{} — {}", f.decision, f.title)).unwrap_or_default(),
        chart: rank_chart(&points, target, lang),
        results: results
            .iter()
            .map(|r| {
                (
                    r.year,
                    r.rank.map(|k| format!("{k}/{}", r.of_count.unwrap_or(63))).unwrap_or_default(),
                    r.score.map(|x| format!("{x:.4}").replace('.', ",")).unwrap_or_default(),
                    r.source.clone(),
                )
            })
            .collect(),
        ranking: ranking
            .iter()
            .map(|r| RankRow {
                rank: r.rank,
                own: own_names.contains(&tinhso_domain::text::fold(r.province.trim_start_matches("TP. "))),
                province: r.province.clone(),
                score: r.score.map(|x| format!("{x:.4}").replace('.', ",")).unwrap_or_default(),
            })
            .collect(),
        assess,
        computed: score.total.map(|t| format!("{t:.4}").replace('.', ",")).unwrap_or_else(|| "–".into()),
        may_manage: tinhso_dx::may_manage(caller.user.role),
        error,
        c,
    })
}

async fn dti_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Query(q): Query<DtiQuery>) -> Response {
    dti_view(&s, lang, &caller, q.year, None).await
}

async fn dti_assess(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if let Err(e) = caller.check_csrf(f.get("csrf").map_or("", |v| v.as_str())) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    let year = f.get("year").and_then(|y| y.parse::<i64>().ok()).unwrap_or(0);
    let mut items = Vec::new();
    for (k, v) in &f {
        if let Some(code) = k.strip_prefix("value_") {
            if v.trim().is_empty() {
                continue;
            }
            let Ok(x) = v.trim().replace(',', ".").parse::<f64>() else {
                let e = Error::invalid(
                    k,
                    format!("Giá trị «{v}» của chỉ số {code} không phải số."),
                    format!("Value «{v}» of indicator {code} is not a number."),
                );
                return dti_view(&s, lang, &caller, Some(year), Some(format_error(&e, lang))).await;
            };
            items.push((code.to_string(), x, f.get(&format!("evidence_{code}")).cloned().unwrap_or_default()));
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    match s.tracker.save_assessment(&caller.actor(), year, &items).await {
        Ok(_) => see_other(&format!("/dx/dti?year={year}")),
        Err(errors) => {
            let text = errors.iter().map(|e| format_error(e, lang)).collect::<Vec<_>>().join("\n");
            dti_view(&s, lang, &caller, Some(year), Some(text)).await
        }
    }
}

async fn dti_evidence(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let (fields, name, bytes) = match form_with_file(mp).await {
        Ok(x) => x,
        Err(e) => return dti_view(&s, lang, &caller, None, Some(format_error(&e, lang))).await,
    };
    if let Err(e) = caller.check_csrf(fields.get("csrf").map_or("", |v| v.as_str())) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    let year = fields.get("year").and_then(|y| y.parse::<i64>().ok()).unwrap_or(0);
    if !tinhso_dx::may_manage(caller.user.role) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &Error::forbidden());
    }
    let indicator = fields.get("indicator").cloned().unwrap_or_default();
    match s.tracker.add_evidence(&caller.actor(), year, &indicator, &name, &bytes).await {
        Ok(_) => see_other(&format!("/dx/dti?year={year}")),
        Err(e) => dti_view(&s, lang, &caller, Some(year), Some(format_error(&e, lang))).await,
    }
}

async fn dti_rankings(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let (fields, name, bytes) = match form_with_file(mp).await {
        Ok(x) => x,
        Err(e) => return dti_view(&s, lang, &caller, None, Some(format_error(&e, lang))).await,
    };
    if let Err(e) = caller.check_csrf(fields.get("csrf").map_or("", |v| v.as_str())) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    match s.tracker.import_rankings(&caller.actor(), &name, &bytes, &name).await {
        Ok(_) => see_other("/dx/dti"),
        Err(errors) => {
            let text = errors.iter().map(|e| format_error(e, lang)).collect::<Vec<_>>().join("\n");
            dti_view(&s, lang, &caller, None, Some(text)).await
        }
    }
}

#[derive(Deserialize)]
struct IndexForm {
    csrf: String,
    index: String,
    year: String,
    #[serde(default)]
    rank: String,
    #[serde(default)]
    of: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    source: String,
}

/// Records an official result (DTI, PAPI, PCI, SIPAS) from the DTI page's form.
async fn index_result(State(s): State<AppState>, L(lang): L, caller: PageCaller, Form(f): Form<IndexForm>) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(ctx(&s, lang, Some(&caller), "/dx").await, &e);
    }
    let num = |field: &str, v: &str| -> Result<Option<f64>, Error> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        tinhso_domain::values::parse_decimal(t).map(Some).map_err(|e| e.into_error(field))
    };
    let r = async {
        let year = f.year.trim().parse::<i64>().map_err(|_| {
            Error::invalid(
                "year",
                format!("Năm «{}» không hợp lệ.", f.year.trim()),
                format!("Year «{}» is not valid.", f.year.trim()),
            )
        })?;
        let rank = num("rank", &f.rank)?.map(|x| x as i64);
        let of = num("of", &f.of)?.map(|x| x as i64);
        let result = tinhso_store::IndexResult {
            index_code: f.index.trim().to_uppercase(),
            year,
            score: num("score", &f.score)?,
            rank,
            of_count: of.or(rank.map(|_| if year >= 2025 { 34 } else { 63 })),
            sub_indices: "{}".into(),
            source: tinhso_domain::text::nfc(f.source.trim()),
        };
        s.tracker.save_result(&caller.actor(), &result).await
    }
    .await;
    match r {
        Ok(()) => see_other("/dx/dti"),
        Err(e) => dti_view(&s, lang, &caller, None, Some(format_error(&e, lang))).await,
    }
}

// ---- community teams -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "dx_teams.html")]
struct TeamsPage {
    c: Ctx,
    stats: TeamStats,
    may_upload: bool,
}

async fn teams_page(State(s): State<AppState>, L(lang): L, caller: PageCaller) -> Response {
    let c = ctx(&s, lang, Some(&caller), "/dx").await;
    match s.tracker.team_stats(&caller.actor()).await {
        Ok(stats) => render(&TeamsPage { stats, may_upload: tinhso_dx::may_manage(caller.user.role), c }),
        Err(e) => error_page(c, &e),
    }
}
