//! Quality "đúng, đủ, sạch, sống" (correct, complete, clean, live): the
//! report every ingest yields, its 0–100 scores and the liveness that is
//! recomputed as time passes.

use serde::{Deserialize, Serialize};

use crate::definition::Frequency;
use crate::validate::{ColumnMap, Issue, Stats};

/// Scores of the four dimensions and their mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Scores {
    pub correct: i64,
    pub complete: i64,
    pub clean: i64,
    pub live: i64,
    pub score: i64,
}

impl Scores {
    pub fn new(correct: i64, complete: i64, clean: i64, live: i64) -> Scores {
        let score = ((correct + complete + clean + live) as f64 / 4.0).round() as i64;
        Scores { correct, complete, clean, live, score }
    }
}

fn pct(x: f64) -> i64 {
    (x.clamp(0.0, 1.0) * 100.0).round() as i64
}

/// "Đúng": the share of rows without a type, constraint, reference or cross-field error.
pub fn correct_score(s: &Stats) -> i64 {
    if s.rows_read == 0 {
        return 100;
    }
    pct(1.0 - s.rows_with_correct_issues as f64 / s.rows_read as f64)
}

/// "Đủ": required cells present, times the declared coverage.
pub fn complete_score(s: &Stats, coverage: Option<(usize, usize)>) -> i64 {
    let cells = if s.required_cells == 0 { 1.0 } else { 1.0 - s.required_missing as f64 / s.required_cells as f64 };
    let cov = match coverage {
        Some((expected, present)) if expected > 0 => present as f64 / expected as f64,
        _ => 1.0,
    };
    pct(cells * cov)
}

/// "Sạch": duplicates on the key count fully, rows that needed repair
/// (trimming, NFC, legacy fonts) count a quarter: the stored data is clean,
/// but the source is not yet.
pub fn clean_score(s: &Stats) -> i64 {
    if s.rows_read == 0 {
        return 100;
    }
    let n = s.rows_read as f64;
    pct(1.0 - s.duplicates as f64 / n - 0.25 * s.rows_normalised as f64 / n)
}

/// "Sống": 100 while the newest version is younger than the declared period,
/// falling linearly to 0 at three periods.
pub fn live_score(age_secs: i64, frequency: Frequency) -> i64 {
    let period = frequency.days() as f64 * 86_400.0;
    let age = age_secs.max(0) as f64;
    if age <= period {
        100
    } else {
        pct(1.0 - (age - period) / (2.0 * period))
    }
}

/// Scores of a recorded ingest, liveness recomputed at `now`. The record's
/// `created_at` is the report's upload time (backdated for demo data).
pub fn ingest_scores(rec: &tinhso_store::IngestRecord, frequency: Frequency, now: i64) -> Scores {
    Scores::new(rec.correct, rec.complete, rec.clean, live_score(now - rec.created_at, frequency))
}

/// A missing unit of the declared coverage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MissingUnit {
    pub code: String,
    pub name: String,
}

/// Coverage of the province's communes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoverageReport {
    pub field: String,
    pub expected: usize,
    pub present: usize,
    pub missing: Vec<MissingUnit>,
}

/// The report of one ingest, stored with the version and in the Delta commit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub file: String,
    pub format: String,
    pub encoding: Option<String>,
    pub encoding_label: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    pub header_row: u64,
    pub mode: String,
    pub columns: serde_json::Value,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub correct: i64,
    pub complete: i64,
    pub clean: i64,
    pub required_cells: u64,
    pub required_missing: u64,
    pub duplicates: u64,
    pub rows_normalised: u64,
    pub formula_cells: u64,
    pub fixes: serde_json::Value,
    pub by_rule: serde_json::Value,
    pub fill_rate: serde_json::Value,
    pub coverage: Option<CoverageReport>,
    pub examples: Examples,
    /// Why the whole upload was refused, if it was.
    pub refused: Option<Message>,
    pub warnings: Vec<Message>,
    /// When the data was uploaded (Unix seconds).
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Examples {
    pub correct: Vec<serde_json::Value>,
    pub complete: Vec<serde_json::Value>,
    pub clean: Vec<serde_json::Value>,
    pub fixes: Vec<serde_json::Value>,
}

/// A bilingual message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub vi: String,
    pub en: String,
}

fn json<T: Serialize>(t: &T) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

impl Report {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        file: &str,
        info: &crate::source::SourceInfo,
        mode: &str,
        map: &ColumnMap,
        stats: &Stats,
        accepted: u64,
        coverage: Option<CoverageReport>,
        at: i64,
    ) -> Report {
        let issue_examples = |v: &Vec<Issue>| v.iter().map(json).collect::<Vec<_>>();
        let fill_rate: serde_json::Map<String, serde_json::Value> = stats
            .filled
            .iter()
            .map(|(k, v)| {
                let rate = if stats.rows_read == 0 { 0.0 } else { *v as f64 / stats.rows_read as f64 };
                (k.clone(), serde_json::json!((rate * 1000.0).round() / 1000.0))
            })
            .collect();
        let cov = coverage.as_ref().map(|c| (c.expected, c.present));
        let mut warnings = Vec::new();
        if !map.unmatched_headers.is_empty() {
            warnings.push(Message {
                vi: format!("Các cột không thuộc bộ dữ liệu bị bỏ qua: {}.", map.unmatched_headers.join(", ")),
                en: format!("Columns not in the dataset were ignored: {}.", map.unmatched_headers.join(", ")),
            });
        }
        if !map.missing_fields.is_empty() {
            warnings.push(Message {
                vi: format!("Tệp thiếu các cột: {} (để trống).", map.missing_fields.join(", ")),
                en: format!("The file lacks the columns: {} (left empty).", map.missing_fields.join(", ")),
            });
        }
        if info.formula_cells > 0 {
            warnings.push(Message {
                vi: format!("{} ô công thức Excel được đọc theo giá trị đã tính.", info.formula_cells),
                en: format!("{} Excel formula cells were read as their computed values.", info.formula_cells),
            });
        }
        Report {
            file: file.to_string(),
            format: info.format.to_string(),
            encoding: info.encoding.map(|e| format!("{e:?}").to_lowercase()),
            encoding_label: info.encoding.map(|e| e.label_vi().to_string()),
            delimiter: info.delimiter.map(|d| if d == '\t' { "\\t".to_string() } else { d.to_string() }),
            sheet: info.sheet.clone(),
            header_row: info.header_row,
            mode: mode.to_string(),
            columns: json(map),
            rows_read: stats.rows_read,
            rows_accepted: accepted,
            rows_rejected: stats.rows_rejected,
            correct: correct_score(stats),
            complete: complete_score(stats, cov),
            clean: clean_score(stats),
            required_cells: stats.required_cells,
            required_missing: stats.required_missing,
            duplicates: stats.duplicates,
            rows_normalised: stats.rows_normalised,
            formula_cells: info.formula_cells,
            fixes: json(&stats.fixes),
            by_rule: json(&stats.by_rule),
            fill_rate: serde_json::Value::Object(fill_rate),
            coverage,
            examples: Examples {
                correct: issue_examples(&stats.examples_correct),
                complete: issue_examples(&stats.examples_complete),
                clean: issue_examples(&stats.examples_clean),
                fixes: stats.examples_fixes.iter().map(json).collect(),
            },
            refused: None,
            warnings,
            at,
        }
    }

    pub fn scores(&self, now: i64, frequency: Frequency) -> Scores {
        Scores::new(self.correct, self.complete, self.clean, live_score(now - self.at, frequency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_decays_after_the_period() {
        let day = 86_400;
        assert_eq!(live_score(0, Frequency::Monthly), 100);
        assert_eq!(live_score(31 * day, Frequency::Monthly), 100);
        assert_eq!(live_score(62 * day, Frequency::Monthly), 50);
        assert_eq!(live_score(93 * day, Frequency::Monthly), 0);
        assert_eq!(live_score(400 * day, Frequency::Monthly), 0);
        assert_eq!(live_score(2 * day, Frequency::Daily), 50);
        assert_eq!(live_score(200 * day, Frequency::Yearly), 100);
    }

    #[test]
    fn scores_follow_the_counts() {
        let s = Stats {
            rows_read: 200,
            rows_with_correct_issues: 10,
            required_cells: 400,
            required_missing: 40,
            duplicates: 4,
            rows_normalised: 40,
            ..Default::default()
        };
        assert_eq!(correct_score(&s), 95);
        assert_eq!(complete_score(&s, None), 90);
        assert_eq!(complete_score(&s, Some((135, 134))), 89);
        assert_eq!(clean_score(&s), 93);
        assert_eq!(Scores::new(95, 90, 93, 100).score, 95);
        assert_eq!(correct_score(&Stats::default()), 100);
    }
}
