//! IT project pages: the portfolio (pipeline by step, what needs attention,
//! the year's budget, registering a project, budget entries) and a project
//! (steps with deadlines, the dossier checklist and files, the comment
//! thread, and the moves the caller may make).

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::Value;
use tinhso_domain::{Error, Lang};
use tinhso_dx::portfolio::{ProjectDetail, ProjectView};
use tinhso_dx::projects::{Attention, TransitionDoc, KINDS};
use tinhso_dx::report::vi_date;

use crate::auth::{PageCaller, L};
use crate::dx::today;
use crate::pages::{ctx, error_page, format_error, render, see_other, Ctx};
use crate::projects::form_with_file;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list_page).post(create_submit))
        .route("/projects/budget", post(budget_submit))
        .route("/projects/{id}", get(project_page))
        .route("/projects/{id}/move", post(move_submit))
        .route("/projects/{id}/comment", post(comment_submit))
        .route("/projects/{id}/documents", post(document_submit))
}

/// "4,5 tỷ", "350 triệu".
pub(crate) fn money(v: i64) -> String {
    let f = |x: f64| {
        let s = format!("{x:.2}").replace('.', ",");
        s.trim_end_matches('0').trim_end_matches(',').to_string()
    };
    if v.abs() >= 1_000_000_000 {
        format!("{} tỷ", f(v as f64 / 1e9))
    } else if v.abs() >= 1_000_000 {
        format!("{} triệu", f(v as f64 / 1e6))
    } else {
        format!("{v} đ")
    }
}

struct Row {
    p: ProjectView,
    requested: String,
    allocated: String,
    disbursed: String,
    due: String,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    c: Ctx,
    year: i64,
    step: String,
    steps: Vec<(String, String, usize)>,
    rows: Vec<Row>,
    attention: Vec<Attention>,
    money: Vec<(&'static str, String)>,
    agencies: Vec<(String, String, String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    groups: Vec<(&'static str, &'static str)>,
    may_manage: bool,
    may_register: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    year: Option<String>,
    step: Option<String>,
}

async fn list_view(s: &AppState, lang: Lang, caller: &PageCaller, q: ListQuery, error: Option<String>) -> Response {
    let c = ctx(s, lang, Some(caller), "/projects").await;
    let actor = caller.actor();
    let now_year = i64::from(chrono::Datelike::year(&today()));
    // Every project once: the newest year with projects is the default, the year's steps are counted from it.
    let everything = match s.tracker.projects(&actor, None, None, today()).await {
        Ok(all) => all,
        Err(e) => return error_page(c, &e),
    };
    let year = match q.year.as_deref().filter(|y| !y.is_empty()) {
        Some(y) => match y.parse::<i64>() {
            Ok(y) => y,
            Err(_) => {
                return error_page(
                    c,
                    &Error::invalid("year", format!("Năm «{y}» không hợp lệ."), format!("Year «{y}» is not valid.")),
                )
            }
        },
        None => everything.iter().map(|p| p.year).max().unwrap_or(now_year),
    };
    let all: Vec<ProjectView> = everything.into_iter().filter(|p| p.year == year).collect();
    let step = q.step.filter(|x| !x.is_empty());
    let data = async {
        let w = s.tracker.workflow().await?;
        // With a step, the tracker checks it exists.
        let shown = match step.as_deref() {
            Some(st) => s.tracker.projects(&actor, Some(year), Some(st), today()).await?,
            None => all.clone(),
        };
        let attention = s.tracker.attention(&actor, today()).await?;
        let summary = s.tracker.budget_summary(&actor, year).await?;
        Ok::<_, Error>((w, shown, attention, summary))
    }
    .await;
    let (w, shown, attention, summary) = match data {
        Ok(d) => d,
        Err(e) => return error_page(c, &e),
    };
    let en = lang == Lang::En;
    let mut steps: Vec<(String, String, usize)> =
        w.steps.iter().map(|x| (x.code.clone(), w.name(&x.code, en), 0)).collect();
    steps.push((tinhso_dx::projects::APPROVED.0.into(), w.name(tinhso_dx::projects::APPROVED.0, en), 0));
    steps.push((tinhso_dx::projects::REJECTED.0.into(), w.name(tinhso_dx::projects::REJECTED.0, en), 0));
    for p in &all {
        if let Some(x) = steps.iter_mut().find(|x| x.0 == p.step) {
            x.2 += 1;
        }
    }
    let may_manage = tinhso_dx::may_manage(caller.user.role)
        || caller.user.agency_code.as_deref() == Some(w.finance_agency.as_str());
    render(&ListPage {
        money: vec![
            ("prj.plan", money(summary.allocated)),
            ("prj.allocated", money(summary.allocated_to_projects)),
            ("prj.disbursed", money(summary.disbursed)),
            ("prj.rate", format!("{:.1} %", summary.rate * 100.0).replace('.', ",")),
            ("prj.unallocated", money(summary.unallocated_requested)),
        ],
        agencies: summary
            .by_agency
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    money(l.allocated),
                    money(l.disbursed),
                    l.rate.map(|r| format!("{:.1} %", r * 100.0).replace('.', ",")).unwrap_or_default(),
                )
            })
            .collect(),
        rows: shown
            .into_iter()
            .map(|mut p| {
                p.step_name = w.name(&p.step, en);
                Row {
                    requested: money(p.requested),
                    allocated: money(p.allocated),
                    disbursed: money(p.disbursed),
                    due: p.step_due_on.as_deref().map(vi_date).unwrap_or_default(),
                    p,
                }
            })
            .collect(),
        year,
        step: step.unwrap_or_default(),
        steps,
        attention,
        kinds: KINDS.iter().map(|k| (k.0, if en { k.2 } else { k.1 })).collect(),
        groups: tinhso_dx::groups::GROUPS.iter().map(|g| (g.0, if en { g.2 } else { g.1 })).collect(),
        may_manage: may_manage && caller.user.role != tinhso_domain::Role::Leader,
        may_register: matches!(
            caller.user.role,
            tinhso_domain::Role::SystemAdmin
                | tinhso_domain::Role::DxOffice
                | tinhso_domain::Role::AgencyAdmin
                | tinhso_domain::Role::DataOfficer
        ),
        error,
        c,
    })
}

async fn list_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Query(q): Query<ListQuery>) -> Response {
    list_view(&s, lang, &caller, q, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: String,
    code: String,
    name: String,
    #[serde(default)]
    owner: String,
    group: String,
    kind: String,
    year: String,
    requested: String,
    #[serde(default)]
    funding_source: String,
}

async fn create_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Form(f): Form<CreateForm>,
) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(ctx(&s, lang, Some(&caller), "/projects").await, &e);
    }
    let year = match f.year.trim().parse::<i64>() {
        Ok(y) => y,
        Err(_) => {
            let e = Error::invalid(
                "year",
                format!("Năm «{}» không hợp lệ.", f.year),
                format!("Year «{}» is not valid.", f.year),
            );
            return list_view(&s, lang, &caller, ListQuery::default(), Some(format_error(&e, lang))).await;
        }
    };
    let doc = tinhso_dx::portfolio::ProjectDoc {
        code: f.code,
        name: f.name,
        owner: Some(f.owner.trim().to_string()).filter(|o| !o.is_empty()),
        group: f.group,
        kind: f.kind,
        year,
        requested: Value::String(f.requested),
        funding_source: f.funding_source,
        tasks: Vec::new(),
        datasets: Vec::new(),
    };
    match s.tracker.create_project(&caller.actor(), &doc, tinhso_store::now()).await {
        Ok(p) => see_other(&format!("/projects/{}", p.id)),
        Err(errors) => {
            let text = errors.iter().map(|e| format_error(e, lang)).collect::<Vec<_>>().join("\n");
            list_view(&s, lang, &caller, ListQuery::default(), Some(text)).await
        }
    }
}

#[derive(Deserialize)]
struct BudgetForm {
    csrf: String,
    /// `plan`, `allocate` or `disburse`.
    what: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    project: String,
    amount: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    paid_on: String,
}

async fn budget_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Form(f): Form<BudgetForm>,
) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(ctx(&s, lang, Some(&caller), "/projects").await, &e);
    }
    let actor = caller.actor();
    let now = tinhso_store::now();
    let amount = Value::String(f.amount.clone());
    let num = |field: &str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| Error::invalid(field, format!("«{v}» không phải là số."), format!("«{v}» is not a number.")))
    };
    let project_id = |code: &str| {
        let code = code.trim().to_string();
        let s = s.clone();
        async move {
            s.store.dx_projects(None, None).await?.into_iter().find(|p| p.code == code).map(|p| p.id).ok_or_else(|| {
                Error::invalid("project", format!("Không có dự án «{code}»."), format!("There is no project «{code}»."))
            })
        }
    };
    let r = async {
        match f.what.as_str() {
            "plan" => s.tracker.save_budget_plan(&actor, num("year", &f.year)?, &amount, &f.reference).await,
            "allocate" => {
                let id = project_id(&f.project).await?;
                s.tracker.allocate(&actor, id, num("year", &f.year)?, &amount, &f.reference, now).await.map(|_| ())
            }
            "disburse" => {
                let id = project_id(&f.project).await?;
                s.tracker.disburse(&actor, id, &f.paid_on, &amount, &f.reference, now).await.map(|_| ())
            }
            other => Err(Error::invalid("what", format!("«{other}» không có."), format!("There is no «{other}»."))),
        }
    }
    .await;
    match r {
        Ok(()) => see_other(&format!("/projects?year={}", f.year.trim())),
        Err(e) => {
            list_view(&s, lang, &caller, ListQuery { year: Some(f.year), step: None }, Some(format_error(&e, lang)))
                .await
        }
    }
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    c: Ctx,
    d: ProjectDetail,
    requested: String,
    allocated: String,
    disbursed: String,
    kind: String,
    error: Option<String>,
}

async fn project_view(s: &AppState, lang: Lang, caller: &PageCaller, id: &str, error: Option<String>) -> Response {
    let c = ctx(s, lang, Some(caller), "/projects").await;
    let id = match crate::pages::parse_page_id(id) {
        Ok(i) => i,
        Err(e) => return error_page(c, &e),
    };
    let mut d = match s.tracker.project(&caller.actor(), id, today()).await {
        Ok(d) => d,
        Err(e) => return error_page(c, &e),
    };
    let en = lang == Lang::En;
    if en {
        if let Ok(w) = s.tracker.workflow().await {
            d.project.step_name = w.name(&d.project.step, true);
            for st in &mut d.steps {
                st.name = w.name(&st.code, true);
            }
            for c in &mut d.checklist {
                c.name = c.name_en.clone();
            }
        }
    }
    render(&ProjectPage {
        requested: money(d.project.requested),
        allocated: money(d.project.allocated),
        disbursed: money(d.project.disbursed),
        kind: KINDS
            .iter()
            .find(|k| k.0 == d.project.kind)
            .map(|k| if en { k.2 } else { k.1 })
            .unwrap_or("")
            .to_string(),
        d,
        error,
        c,
    })
}

async fn project_page(State(s): State<AppState>, L(lang): L, caller: PageCaller, Path(id): Path<String>) -> Response {
    project_view(&s, lang, &caller, &id, None).await
}

async fn move_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if let Err(e) = caller.check_csrf(f.get("csrf").map_or("", |v| v.as_str())) {
        return error_page(ctx(&s, lang, Some(&caller), "/projects").await, &e);
    }
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let t = TransitionDoc {
        action: get("action").unwrap_or_default(),
        from: get("from"),
        comment: get("comment").unwrap_or_default(),
        missing: f
            .iter()
            .filter(|(k, v)| k.starts_with("missing_") && v.as_str() == "on")
            .map(|(k, _)| k["missing_".len()..].to_string())
            .collect(),
        decision: get("decision"),
        decided_on: get("decided_on"),
    };
    let pid = match crate::pages::parse_page_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(ctx(&s, lang, Some(&caller), "/projects").await, &e),
    };
    match s.tracker.transition(&caller.actor(), pid, &t, tinhso_store::now()).await {
        Ok(_) => see_other(&format!("/projects/{pid}")),
        Err(e) => project_view(&s, lang, &caller, &id, Some(format_error(&e, lang))).await,
    }
}

#[derive(Deserialize)]
struct CommentForm {
    csrf: String,
    comment: String,
}

async fn comment_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(ctx(&s, lang, Some(&caller), "/projects").await, &e);
    }
    let r = async {
        let pid = crate::pages::parse_page_id(&id)?;
        s.tracker.comment(&caller.actor(), pid, &f.comment, tinhso_store::now()).await
    }
    .await;
    match r {
        Ok(()) => see_other(&format!("/projects/{id}")),
        Err(e) => project_view(&s, lang, &caller, &id, Some(format_error(&e, lang))).await,
    }
}

async fn document_submit(
    State(s): State<AppState>,
    L(lang): L,
    caller: PageCaller,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let r = async {
        let (fields, name, bytes) = form_with_file(mp).await?;
        caller.check_csrf(fields.get("csrf").map_or("", |v| v.as_str()))?;
        let pid = crate::pages::parse_page_id(&id)?;
        let item = fields.get("item").cloned().unwrap_or_default();
        s.tracker.add_document(&caller.actor(), pid, item.trim(), &name, &bytes, tinhso_store::now()).await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("/projects/{id}")),
        Err(e) if e.field.as_deref() == Some("csrf") => error_page(ctx(&s, lang, Some(&caller), "/projects").await, &e),
        Err(e) => project_view(&s, lang, &caller, &id, Some(format_error(&e, lang))).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_reads_the_vietnamese_way() {
        assert_eq!(super::money(3_500_000_000), "3,5 tỷ");
        assert_eq!(super::money(50_000_000_000), "50 tỷ");
        assert_eq!(super::money(4_120_000_000), "4,12 tỷ");
        assert_eq!(super::money(350_000_000), "350 triệu");
        assert_eq!(super::money(0), "0 đ");
    }
}
