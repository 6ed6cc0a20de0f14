//! The monthly review: which agencies report, what a report says, when it is
//! late, and the consolidated summary for the steering committee.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use tinhso_domain::text::nfc;
use tinhso_domain::Error;
use tinhso_store::{ReviewReport, TaskRecord};

use crate::kpi::Month;

/// When reviews open and are due.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Day of the month the review of that month opens (default 20).
    pub open_day: u32,
    /// Day of the month reports are due (default 25).
    pub due_day: u32,
    /// Reminders go out this many days before the due date (and after it, daily, while missing).
    pub remind_days_before: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { open_day: 20, due_day: 25, remind_days_before: 2 }
    }
}

impl Schedule {
    pub fn opens_on(&self, m: Month) -> NaiveDate {
        m.day(self.open_day)
    }
    pub fn due_on(&self, m: Month) -> NaiveDate {
        m.day(self.due_day.max(self.open_day))
    }
}

/// Vietnam time (UTC+7): days and deadlines are Vietnamese days.
pub fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// The Vietnamese calendar day of a Unix time.
pub fn vn_day(t: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default().with_timezone(&vn()).date_naive()
}

/// A report submitted at `at` for a review due on `due` is late after the due day ends (Vietnam time).
pub fn is_late(due: NaiveDate, at: i64) -> bool {
    let end = vn().from_local_datetime(&due.succ_opt().unwrap_or(due).and_hms_opt(0, 0, 0).expect("midnight")).single();
    end.is_some_and(|e| at >= e.timestamp())
}

/// Agencies asked to report: leads and cooperating agencies of tasks not done
/// whose plan covers the month.
pub fn reporting_agencies(
    tasks: &[TaskRecord],
    plan_years: &dyn Fn(i64) -> Option<(i64, i64)>,
    m: Month,
    codes: &dyn Fn(&str) -> Option<i64>,
) -> Vec<i64> {
    let mut out = std::collections::BTreeSet::new();
    for t in tasks {
        let covers = plan_years(t.plan_id).is_some_and(|(a, b)| (a..=b).contains(&i64::from(m.year)));
        let started = t
            .start_on
            .as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .is_none_or(|s| s <= m.last_day());
        if covers && started && t.status != "hoan-thanh" {
            out.insert(t.lead_agency_id);
            for c in serde_json::from_str::<Vec<String>>(&t.cooperating).unwrap_or_default() {
                if let Some(id) = codes(&c) {
                    out.insert(id);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// (task id, status, progress) a report sets on a task its agency leads.
pub type TaskUpdate = (i64, String, i64);

/// One task in an agency's report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportItem {
    pub task: String,
    /// 0–100 (lead agency only).
    #[serde(default)]
    pub progress: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    /// Kết quả.
    #[serde(default)]
    pub result: String,
    /// Vướng mắc.
    #[serde(default)]
    pub obstacles: String,
    /// Đề xuất.
    #[serde(default)]
    pub proposals: String,
}

/// An agency's monthly report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportDoc {
    #[serde(default)]
    pub items: Vec<ReportItem>,
    /// General obstacles (vướng mắc).
    #[serde(default)]
    pub obstacles: String,
    /// General proposals (đề xuất, kiến nghị).
    #[serde(default)]
    pub proposals: String,
}

/// Checks a report against the agency's tasks; returns the normalised report
/// and the (task id, status, progress) updates of the tasks it leads.
pub fn check_report(
    doc: &ReportDoc,
    agency_code: &str,
    agency_id: i64,
    tasks: &[TaskRecord],
) -> Result<(ReportDoc, Vec<TaskUpdate>), Vec<Error>> {
    let mut errors = Vec::new();
    let mut out =
        ReportDoc { items: Vec::new(), obstacles: nfc(doc.obstacles.trim()), proposals: nfc(doc.proposals.trim()) };
    let mut updates = Vec::new();
    for (i, it) in doc.items.iter().enumerate() {
        let f = |x: &str| format!("items[{i}].{x}");
        let Some(t) = tasks.iter().find(|t| t.code == it.task.trim() || t.id.to_string() == it.task.trim()) else {
            errors.push(Error::invalid(
                &f("task"),
                format!("Không có nhiệm vụ «{}».", it.task),
                format!("There is no task «{}».", it.task),
            ));
            continue;
        };
        let lead = t.lead_agency_id == agency_id;
        let coop =
            serde_json::from_str::<Vec<String>>(&t.cooperating).unwrap_or_default().iter().any(|c| c == agency_code);
        if !lead && !coop {
            errors.push(Error::invalid(
                &f("task"),
                format!("Nhiệm vụ «{}» không giao cho {agency_code} (chủ trì hoặc phối hợp).", t.code),
                format!("Task «{}» is not assigned to {agency_code} (as lead or cooperating agency).", t.code),
            ));
            continue;
        }
        let mut status = t.status.clone();
        if let Some(s) = it.status.as_deref().filter(|s| !s.trim().is_empty()) {
            match crate::plan::parse_status(&f("status"), s) {
                Ok(s) => status = s.to_string(),
                Err(e) => errors.push(e),
            }
        }
        let mut progress = t.progress;
        if let Some(p) = it.progress {
            if !(0..=100).contains(&p) {
                errors.push(Error::invalid(
                    &f("progress"),
                    format!("Tiến độ {p}% phải từ 0 đến 100%."),
                    format!("Progress {p}% must be between 0 and 100%."),
                ));
            } else if !lead {
                errors.push(Error::invalid(
                    &f("progress"),
                    "Chỉ cơ quan chủ trì báo cáo tiến độ của nhiệm vụ; cơ quan phối hợp ghi kết quả và vướng mắc.",
                    "Only the lead agency reports a task's progress; cooperating agencies write results and obstacles.",
                ));
            } else {
                progress = p;
            }
        }
        if status == "hoan-thanh" && progress < 100 {
            errors.push(Error::invalid(
                &f("progress"),
                "Nhiệm vụ hoàn thành phải có tiến độ 100%.",
                "A done task must be at 100%.",
            ));
        }
        if lead && (status != t.status || progress != t.progress) {
            updates.push((t.id, status.clone(), progress));
        }
        out.items.push(ReportItem {
            task: t.code.clone(),
            progress: it.progress,
            status: it.status.clone().map(|_| status),
            result: nfc(it.result.trim()),
            obstacles: nfc(it.obstacles.trim()),
            proposals: nfc(it.proposals.trim()),
        });
    }
    if errors.is_empty() {
        Ok((out, updates))
    } else {
        Err(errors)
    }
}

/// Report states, as the review page shows them.
pub fn report_state(r: &ReviewReport, due: NaiveDate, today: NaiveDate) -> &'static str {
    match (r.status.as_str(), r.late) {
        ("submitted", false) => "on_time",
        ("submitted", true) => "late",
        _ if today > due => "missing",
        _ => "pending",
    }
}

/// The obstacles and proposals of the reports, each as "Agency: text", each once.
pub fn issues(reports: &[ReviewReport]) -> (Vec<String>, Vec<String>) {
    let mut obstacles: Vec<String> = Vec::new();
    let mut proposals: Vec<String> = Vec::new();
    let add = |list: &mut Vec<String>, agency: &str, text: &str| {
        let line = format!("{agency}: {}", text.trim());
        if !text.trim().is_empty() && !list.contains(&line) {
            list.push(line);
        }
    };
    for r in reports {
        if let Ok(doc) = serde_json::from_str::<ReportDoc>(&r.content) {
            for o in std::iter::once(&doc.obstacles).chain(doc.items.iter().map(|i| &i.obstacles)) {
                add(&mut obstacles, &r.agency_name, o);
            }
            for p in std::iter::once(&doc.proposals).chain(doc.items.iter().map(|i| &i.proposals)) {
                add(&mut proposals, &r.agency_name, p);
            }
        }
    }
    (obstacles, proposals)
}

/// The consolidated summary of a review (the DX office edits it before closing).
pub fn consolidate(month: Month, reports: &[ReviewReport], due: NaiveDate, today: NaiveDate) -> String {
    let mut on_time = Vec::new();
    let mut late = Vec::new();
    let mut missing = Vec::new();
    for r in reports {
        match report_state(r, due, today) {
            "on_time" => on_time.push(r.agency_name.as_str()),
            "late" => late.push(r.agency_name.as_str()),
            _ => missing.push(r.agency_name.as_str()),
        }
    }
    let (obstacles, proposals) = issues(reports);
    let mut s = format!(
        "Rà soát tháng {}/{}: {}/{} cơ quan nộp báo cáo đúng hạn ({}), {} nộp muộn, {} chưa nộp.",
        month.month,
        month.year,
        on_time.len(),
        reports.len(),
        due.format("%d/%m/%Y"),
        late.len(),
        missing.len()
    );
    if !late.is_empty() {
        s.push_str(&format!("\nNộp muộn: {}.", late.join(", ")));
    }
    if !missing.is_empty() {
        s.push_str(&format!("\nChưa nộp: {}.", missing.join(", ")));
    }
    if !obstacles.is_empty() {
        s.push_str("\nVướng mắc:\n- ");
        s.push_str(&obstacles.join("\n- "));
    }
    if !proposals.is_empty() {
        s.push_str("\nĐề xuất, kiến nghị:\n- ");
        s.push_str(&proposals.join("\n- "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_vietnamese_days() {
        let due = NaiveDate::from_ymd_opt(2023, 6, 25).unwrap();
        // 23:30 on the 25th in Hà Nội is 16:30 UTC: on time; 00:10 on the 26th is late.
        let on_time = vn().with_ymd_and_hms(2023, 6, 25, 23, 30, 0).unwrap().timestamp();
        let late = vn().with_ymd_and_hms(2023, 6, 26, 0, 10, 0).unwrap().timestamp();
        assert!(!is_late(due, on_time));
        assert!(is_late(due, late));
        assert_eq!(vn_day(late), NaiveDate::from_ymd_opt(2023, 6, 26).unwrap());
        let s = Schedule::default();
        let feb = Month { year: 2023, month: 2 };
        assert_eq!(
            (s.opens_on(feb).to_string(), s.due_on(feb).to_string()),
            ("2023-02-20".into(), "2023-02-25".into())
        );
        let odd = Schedule { open_day: 28, due_day: 31, remind_days_before: 1 };
        assert_eq!(odd.due_on(feb).to_string(), "2023-02-28");
    }
}
