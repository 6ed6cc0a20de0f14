//! The IT project pipeline as live warehouse tables, for dashboards and SQL:
//! `du_an_cntt` (projects and where they stand), `tham_dinh_buoc` (the time
//! each project spent at each appraisal step), `giai_ngan` (allocation and
//! disbursement by project and year) and `giai_ngan_nam` (the province by
//! year). Staff may read them; they carry no personal data.

use std::sync::Arc;

use chrono::NaiveDate;
use tinhso_domain::Error;
use tinhso_warehouse::deltalake::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use tinhso_warehouse::deltalake::arrow::datatypes::{DataType, Field, Schema};
use tinhso_warehouse::{Actor, SystemTable, Warehouse};

use crate::review::vn_day;

/// A stay at a step: (project, year, step, order, entered, left, how it ended).
type Stay = (String, i64, String, i64, i64, Option<i64>, Option<String>);

/// (names, which table).
pub const TABLES: [(&[&str], Which); 4] = [
    (&["du_an_cntt", "it_projects"], Which::Projects),
    (&["tham_dinh_buoc", "appraisal_steps"], Which::Steps),
    (&["giai_ngan", "disbursement"], Which::Disbursement),
    (&["giai_ngan_nam", "disbursement_by_year"], Which::Years),
];

#[derive(Debug, Clone, Copy)]
pub enum Which {
    Projects,
    Steps,
    Disbursement,
    Years,
}

/// A table holds the store only (not the tracker, which holds the warehouse: no cycle).
struct Table {
    store: tinhso_store::Store,
    which: Which,
}

/// Registers the tables on the warehouse.
pub fn register(wh: &Warehouse) {
    for (names, which) in TABLES {
        wh.register_system_table(names, Arc::new(Table { store: wh.store().clone(), which }));
    }
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn day_of(s: &str) -> Option<i32> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(days)
}

fn text(v: Vec<String>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

fn int(v: Vec<i64>) -> ArrayRef {
    Arc::new(Int64Array::from(v))
}

fn f(name: &str, t: DataType, null: bool) -> Field {
    Field::new(name, t, null)
}

impl SystemTable for Table {
    fn batch<'a>(
        &'a self,
        actor: &'a Actor,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<RecordBatch, Error>> + Send + 'a>> {
        Box::pin(async move {
            crate::must_read(actor)?;
            let store = &self.store;
            let w = crate::portfolio::load_workflow(store).await?;
            let projects = store.dx_projects(None, None).await?;
            let today = vn_day(tinhso_store::now());
            let order = |step: &str| w.step(step).map_or(w.steps.len() as i64 + 1, |s| s.0 as i64 + 1);
            let (schema, cols): (Vec<Field>, Vec<ArrayRef>) = match self.which {
                Which::Projects => {
                    let due: Vec<Option<i32>> =
                        projects.iter().map(|p| p.step_due_on.as_deref().and_then(day_of)).collect();
                    (
                        vec![
                            f("ma", DataType::Utf8, false),
                            f("ten", DataType::Utf8, false),
                            f("co_quan", DataType::Utf8, false),
                            f("ten_co_quan", DataType::Utf8, false),
                            f("nhom", DataType::Utf8, false),
                            f("loai", DataType::Utf8, false),
                            f("nam", DataType::Int64, false),
                            f("thu_tu_buoc", DataType::Int64, false),
                            f("buoc", DataType::Utf8, false),
                            f("ten_buoc", DataType::Utf8, false),
                            f("vao_buoc", DataType::Date32, false),
                            f("han_buoc", DataType::Date32, true),
                            f("qua_han", DataType::Boolean, false),
                            f("so_ngay_o_buoc", DataType::Int64, false),
                            f("so_lan_tra", DataType::Int64, false),
                            f("trang_thai", DataType::Utf8, false),
                            f("de_nghi", DataType::Int64, false),
                            f("phan_bo", DataType::Int64, false),
                            f("giai_ngan", DataType::Int64, false),
                            f("ngay_phe_duyet", DataType::Date32, true),
                        ],
                        vec![
                            text(projects.iter().map(|p| p.code.clone()).collect()),
                            text(projects.iter().map(|p| p.name.clone()).collect()),
                            text(projects.iter().map(|p| p.owner_code.clone()).collect()),
                            text(projects.iter().map(|p| p.owner_name.clone()).collect()),
                            text(
                                projects
                                    .iter()
                                    .map(|p| crate::groups::name(&p.group_code, tinhso_domain::Lang::Vi).to_string())
                                    .collect(),
                            ),
                            text(projects.iter().map(|p| p.kind.clone()).collect()),
                            int(projects.iter().map(|p| p.year).collect()),
                            int(projects.iter().map(|p| order(&p.step)).collect()),
                            text(projects.iter().map(|p| p.step.clone()).collect()),
                            text(projects.iter().map(|p| w.name(&p.step, false)).collect()),
                            Arc::new(Date32Array::from(
                                projects.iter().map(|p| days(vn_day(p.step_entered_at))).collect::<Vec<_>>(),
                            )),
                            Arc::new(Date32Array::from(due.clone())),
                            Arc::new(BooleanArray::from(
                                projects
                                    .iter()
                                    .zip(&due)
                                    .map(|(p, d)| p.status == "active" && d.is_some_and(|d| days(today) > d))
                                    .collect::<Vec<_>>(),
                            )),
                            int(projects
                                .iter()
                                .map(|p| (today - vn_day(p.step_entered_at)).num_days().max(0))
                                .collect()),
                            int(projects.iter().map(|p| p.returns).collect()),
                            text(projects.iter().map(|p| p.status.clone()).collect()),
                            int(projects.iter().map(|p| p.requested).collect()),
                            int(projects.iter().map(|p| p.allocated).collect()),
                            int(projects.iter().map(|p| p.disbursed).collect()),
                            Arc::new(Date32Array::from(
                                projects.iter().map(|p| p.approved_on.as_deref().and_then(day_of)).collect::<Vec<_>>(),
                            )),
                        ],
                    )
                }
                Which::Steps => {
                    // Each stay at a step: from the event that entered it to the next move.
                    let events = store.dx_project_events(None).await?;
                    let mut rows: Vec<Stay> = Vec::new();
                    for p in &projects {
                        let moves: Vec<&tinhso_store::ProjectEvent> = events
                            .iter()
                            .filter(|(id, e)| *id == p.id && e.action != "comment")
                            .map(|(_, e)| e)
                            .collect();
                        for (i, e) in moves.iter().enumerate() {
                            if w.step(&e.to_step).is_none() {
                                continue;
                            }
                            let next = moves.get(i + 1);
                            rows.push((
                                p.code.clone(),
                                p.year,
                                e.to_step.clone(),
                                order(&e.to_step),
                                e.at,
                                next.map(|n| n.at),
                                next.map(|n| n.action.clone()),
                            ));
                        }
                    }
                    (
                        vec![
                            f("ma_du_an", DataType::Utf8, false),
                            f("nam", DataType::Int64, false),
                            f("thu_tu_buoc", DataType::Int64, false),
                            f("buoc", DataType::Utf8, false),
                            f("ten_buoc", DataType::Utf8, false),
                            f("vao", DataType::Date32, false),
                            f("ra", DataType::Date32, true),
                            f("so_ngay", DataType::Int64, false),
                            f("ket_thuc", DataType::Boolean, false),
                            f("ket_qua", DataType::Utf8, true),
                        ],
                        vec![
                            text(rows.iter().map(|r| r.0.clone()).collect()),
                            int(rows.iter().map(|r| r.1).collect()),
                            int(rows.iter().map(|r| r.3).collect()),
                            text(rows.iter().map(|r| r.2.clone()).collect()),
                            text(rows.iter().map(|r| w.name(&r.2, false)).collect()),
                            Arc::new(Date32Array::from(rows.iter().map(|r| days(vn_day(r.4))).collect::<Vec<_>>())),
                            Arc::new(Date32Array::from(
                                rows.iter().map(|r| r.5.map(|t| days(vn_day(t)))).collect::<Vec<_>>(),
                            )),
                            int(rows
                                .iter()
                                .map(|r| (r.5.map_or(today, vn_day) - vn_day(r.4)).num_days().max(0))
                                .collect()),
                            Arc::new(BooleanArray::from(rows.iter().map(|r| r.5.is_some()).collect::<Vec<_>>())),
                            Arc::new(StringArray::from(rows.iter().map(|r| r.6.clone()).collect::<Vec<_>>())),
                        ],
                    )
                }
                Which::Disbursement => {
                    let alloc = store.dx_allocations(None).await?;
                    let disb = store.dx_disbursements(None).await?;
                    let mut keys: Vec<(i64, i64)> =
                        alloc.iter().chain(disb.iter()).map(|m| (m.year, m.project_id)).collect();
                    keys.sort_unstable();
                    keys.dedup();
                    let rows: Vec<(i64, &tinhso_store::ProjectRecord, i64, i64)> = keys
                        .iter()
                        .filter_map(|(y, id)| {
                            let p = projects.iter().find(|p| p.id == *id)?;
                            let a =
                                alloc.iter().filter(|m| m.year == *y && m.project_id == *id).map(|m| m.amount).sum();
                            let d = disb.iter().filter(|m| m.year == *y && m.project_id == *id).map(|m| m.amount).sum();
                            Some((*y, p, a, d))
                        })
                        .collect();
                    (
                        vec![
                            f("nam", DataType::Int64, false),
                            f("ma_du_an", DataType::Utf8, false),
                            f("ten_du_an", DataType::Utf8, false),
                            f("co_quan", DataType::Utf8, false),
                            f("ten_co_quan", DataType::Utf8, false),
                            f("phan_bo", DataType::Int64, false),
                            f("giai_ngan", DataType::Int64, false),
                            f("ty_le", DataType::Float64, true),
                        ],
                        vec![
                            int(rows.iter().map(|r| r.0).collect()),
                            text(rows.iter().map(|r| r.1.code.clone()).collect()),
                            text(rows.iter().map(|r| r.1.name.clone()).collect()),
                            text(rows.iter().map(|r| r.1.owner_code.clone()).collect()),
                            text(rows.iter().map(|r| r.1.owner_name.clone()).collect()),
                            int(rows.iter().map(|r| r.2).collect()),
                            int(rows.iter().map(|r| r.3).collect()),
                            Arc::new(Float64Array::from(
                                rows.iter()
                                    .map(|r| (r.2 > 0).then(|| (r.3 as f64 / r.2 as f64 * 1000.0).round() / 10.0))
                                    .collect::<Vec<_>>(),
                            )),
                        ],
                    )
                }
                Which::Years => {
                    let plans = store.dx_budget_plans().await?;
                    let alloc = store.dx_allocations(None).await?;
                    let disb = store.dx_disbursements(None).await?;
                    let summaries: Vec<crate::projects::Summary> = plans
                        .iter()
                        .map(|p| crate::projects::summary(p.year, &plans, &projects, &alloc, &disb))
                        .collect();
                    (
                        vec![
                            f("nam", DataType::Int64, false),
                            f("ke_hoach_von", DataType::Int64, false),
                            f("phan_bo_du_an", DataType::Int64, false),
                            f("giai_ngan", DataType::Int64, false),
                            f("ty_le", DataType::Float64, false),
                            f("de_nghi_chua_bo_tri", DataType::Int64, false),
                        ],
                        vec![
                            int(summaries.iter().map(|s| s.year).collect()),
                            int(summaries.iter().map(|s| s.allocated).collect()),
                            int(summaries.iter().map(|s| s.allocated_to_projects).collect()),
                            int(summaries.iter().map(|s| s.disbursed).collect()),
                            Arc::new(Float64Array::from(
                                summaries.iter().map(|s| (s.rate * 1000.0).round() / 10.0).collect::<Vec<_>>(),
                            )),
                            int(summaries.iter().map(|s| s.unallocated_requested).collect()),
                        ],
                    )
                }
            };
            RecordBatch::try_new(Arc::new(Schema::new(schema)), cols).map_err(Error::internal)
        })
    }
}
