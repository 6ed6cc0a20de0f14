//! Golden SQL tests: each `tests/golden/NAME.sql` runs over a fixed dataset and
//! its JSON result must equal `tests/golden/NAME.json`. `UPDATE_GOLDEN=1`
//! rewrites the expected files (review the diff before committing).

use tinhso_warehouse::{Actor, Definition, WriteMode};

use crate::{env, ingest_bytes};

const DOSSIERS: &str = r#"{"slug": "ho-so-tthc", "name": "Hồ sơ TTHC", "zone": "shared", "owner": "VP-UBND",
  "frequency": "daily", "key": ["ma_ho_so"], "fields": [
  {"name": "ma_ho_so", "type": "text", "required": true},
  {"name": "co_quan", "type": "text", "required": true},
  {"name": "xa", "type": "admin_unit"},
  {"name": "ngay_nhan", "type": "datetime", "required": true},
  {"name": "han_xu_ly", "type": "date"},
  {"name": "ngay_tra", "type": "datetime", "not_before": "ngay_nhan"},
  {"name": "truc_tuyen", "type": "boolean"},
  {"name": "le_phi", "type": "money"}]}"#;

const DATA: &str = "ma_ho_so,co_quan,xa,ngay_nhan,han_xu_ly,ngay_tra,truc_tuyen,le_phi
HS001,SYT,21583,02/01/2026 08:00,05/01/2026,04/01/2026 16:30,có,50.000
HS002,SYT,21583,03/01/2026 09:15,06/01/2026,08/01/2026 10:00,không,50.000
HS003,SGDDT,21550,03/01/2026 10:00,10/01/2026,,có,0
HS004,SGDDT,21601,2026-01-05T14:00:00,2026-01-12,2026-01-09T11:00:00,x,100 nghìn
HS005,STP,21583,06/01/2026 07:45,09/01/2026,09/01/2026 17:00,1,\"1,5 triệu\"
HS006,STP,21601,07/01/2026 08:00,08/01/2026,12/01/2026 08:00,0,
";

#[tokio::test]
async fn sql_golden_files() {
    let e = env().await;
    e.wh.create_dataset(&Actor::system(), Definition::parse(DOSSIERS, false).unwrap()).await.unwrap();
    let out = ingest_bytes(&e, "ho-so-tthc", "ho-so.csv", DATA.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!(out.report.rows_rejected, 0, "{:?}", out.report.examples);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "golden queries missing");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for sql_path in names {
        let sql = std::fs::read_to_string(&sql_path).unwrap();
        let got = match e.wh.sql(&Actor::system(), &sql).await {
            Ok(r) => serde_json::json!({
                "columns": r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
                "rows": r.rows,
            }),
            Err(err) => serde_json::json!({"error": {"kind": format!("{:?}", err.kind), "vi": err.vi, "en": err.en}}),
        };
        let expected_path = sql_path.with_extension("json");
        let got_text = serde_json::to_string_pretty(&got).unwrap() + "\n";
        if update {
            std::fs::write(&expected_path, &got_text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != got_text {
            failures.push(format!("{}:\n--- expected\n{expected}\n--- got\n{got_text}", sql_path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
