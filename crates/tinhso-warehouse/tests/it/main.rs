//! Warehouse integration tests: a real metadata store (SQLite), real Delta
//! tables on disk and DataFusion, driven through the public `Warehouse` API.

mod gateway;
mod golden;

use std::sync::Arc;

use tinhso_domain::{legacy, Role, Scope};
use tinhso_store::{demo, Store};
use tinhso_warehouse::{Actor, Definition, IngestInput, IngestOutcome, Progress, Warehouse, WriteMode};

pub struct Env {
    pub wh: Warehouse,
    pub store: Store,
    pub dir: tempfile::TempDir,
}

pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&tinhso_store::sqlite_url(dir.path())).await.unwrap();
    demo::seed(&store, Some("mat-khau-demo")).await.unwrap();
    let wh = Warehouse::open(store.clone(), dir.path(), "52").await.unwrap();
    Env { wh, store, dir }
}

pub const SCHOOLS: &str = r#"{"slug": "truong-hoc", "name": "Trường học", "name_en": "Schools", "zone": "shared",
  "owner": "SGDDT", "sector": "Giáo dục", "frequency": "monthly", "key": ["ma_truong"],
  "fields": [
    {"name": "ma_truong", "label": "Mã trường", "type": "text", "required": true},
    {"name": "ten_truong", "label": "Tên trường", "type": "text", "required": true},
    {"name": "xa", "label": "Xã", "type": "admin_unit"},
    {"name": "ngay_thanh_lap", "label": "Ngày thành lập", "type": "date"},
    {"name": "kinh_phi", "label": "Kinh phí", "type": "money"},
    {"name": "cccd_hieu_truong", "label": "CCCD hiệu trưởng", "type": "cccd", "personal": "basic"}
  ]}"#;

pub async fn schools(e: &Env) {
    e.wh.create_dataset(&Actor::system(), Definition::parse(SCHOOLS, false).unwrap()).await.unwrap();
}

pub async fn ingest_bytes(
    e: &Env,
    slug: &str,
    name: &str,
    bytes: &[u8],
    mode: WriteMode,
) -> tinhso_domain::Result<IngestOutcome> {
    let path = e.dir.path().join(format!("upload-{}", tinhso_store::credentials::random_hex(4)));
    std::fs::write(&path, bytes).unwrap();
    let input = IngestInput { path, file_name: name.into(), content_type: None, sheet: None, mode, at: None };
    e.wh.ingest(&Actor::system(), slug, input, Arc::new(Progress::default())).await
}

pub async fn query(e: &Env, sql: &str) -> Vec<Vec<serde_json::Value>> {
    e.wh.sql(&Actor::system(), sql).await.unwrap_or_else(|err| panic!("{sql}: {err:?}")).rows
}

pub const GOOD_CSV: &str = "Mã trường,Tên trường,Xã,Ngày thành lập,Kinh phí,CCCD hiệu trưởng\n\
T01,Trường TH Lê Lợi,21583,05/09/1975,\"1,2 tỷ\",052080001234\n\
T02,Trường THCS Nguyễn Huệ,21583,2001-08-15,350 triệu,\n\
T03,Trường THPT Quy Nhơn,21550,1/1/1990,1.234.567,\n";

#[tokio::test]
async fn csv_upload_becomes_a_version_with_typed_values() {
    let e = env().await;
    schools(&e).await;
    let out = ingest_bytes(&e, "truong-hoc", "truong.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!(out.version, Some(1));
    assert_eq!((out.report.rows_read, out.report.rows_accepted, out.report.rows_rejected), (3, 3, 0));
    assert_eq!(out.scores.correct, 100);
    let rows = query(
        &e,
        "SELECT ma_truong, kinh_phi, CAST(ngay_thanh_lap AS VARCHAR), xa, xa__goc FROM truong_hoc ORDER BY ma_truong",
    )
    .await;
    assert_eq!(
        rows[0],
        serde_json::json!(["T01", 1_200_000_000i64, "1975-09-05", "21583", "21583"]).as_array().unwrap().clone()
    );
    assert_eq!(rows[1][1], serde_json::json!(350_000_000i64));
    // A legacy commune code is mapped through the 2025 crosswalk, the original kept.
    assert_eq!(rows[2][3], serde_json::json!("21601"));
    assert_eq!(rows[2][4], serde_json::json!("21550"));
}

#[tokio::test]
async fn bad_rows_are_kept_with_row_column_and_reason() {
    let e = env().await;
    schools(&e).await;
    let csv = "Mã trường;Tên trường;Xã;Ngày thành lập;Kinh phí;CCCD hiệu trưởng\n\
T01;Trường A;21583;31/02/2024;100;\n\
T02;;21583;01/02/2024;100;\n\
T03;Trường C;21583;01/02/2024;abc;\n\
T04;Trường D;21583;01/02/2024;100;12345\n\
T05;Trường E;21583;01/02/2024;100;\n\
T05;Trường E bis;21583;01/02/2024;100;\n";
    let out = ingest_bytes(&e, "truong-hoc", "loi.csv", csv.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!(out.version, Some(1));
    assert_eq!((out.report.rows_read, out.report.rows_accepted, out.report.rows_rejected), (6, 1, 5));
    assert!(out.scores.correct < 100 && out.scores.complete < 100 && out.scores.clean < 100);
    let path = e.wh.rejects_path(&Actor::system(), "truong-hoc", Some(1), None).await.unwrap().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines[1].starts_with("2,Ngày thành lập,31/02/2024,"), "{}", lines[1]);
    assert!(text.contains("required") && text.contains("money") && text.contains("duplicate_key"));
    assert!(text.contains("dòng 6") || text.contains("dòng 6"), "{text}");
    // Examples are shown, not just counts.
    assert!(!out.report.examples.correct.is_empty());
    assert!(!out.report.examples.complete.is_empty());
    assert!(!out.report.examples.clean.is_empty());
}

#[tokio::test]
async fn policy_refuses_the_whole_upload_above_the_bad_share() {
    let e = env().await;
    let def = SCHOOLS.replace("\"frequency\"", "\"policy\": {\"max_reject_share\": 0.2}, \"frequency\"");
    e.wh.create_dataset(&Actor::system(), Definition::parse(&def, false).unwrap()).await.unwrap();
    ingest_bytes(&e, "truong-hoc", "tot.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    let csv = "Mã trường,Tên trường\nA1,\nA2,\nA3,Trường\n";
    let out = ingest_bytes(&e, "truong-hoc", "xau.csv", csv.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!(out.version, None);
    assert!(out.report.refused.as_ref().unwrap().vi.contains("ngưỡng"));
    // The previous version is untouched and the rejects are downloadable by ingest id.
    assert_eq!(query(&e, "SELECT COUNT(*) FROM truong_hoc").await[0][0], serde_json::json!(3));
    assert!(e.wh.rejects_path(&Actor::system(), "truong-hoc", None, Some(out.ingest_id)).await.unwrap().is_some());
}

#[tokio::test]
async fn time_travel_append_and_upsert() {
    let e = env().await;
    schools(&e).await;
    ingest_bytes(&e, "truong-hoc", "v1.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    let more = "Mã trường,Tên trường\nT04,Trường mới\n";
    let v2 = ingest_bytes(&e, "truong-hoc", "v2.csv", more.as_bytes(), WriteMode::Append).await.unwrap();
    assert_eq!(v2.version, Some(2));
    let upd = "Mã trường,Tên trường\nT01,Trường TH Lê Lợi (đổi tên)\nT05,Trường thứ năm\n";
    let v3 = ingest_bytes(&e, "truong-hoc", "v3.csv", upd.as_bytes(), WriteMode::Upsert).await.unwrap();
    assert_eq!(v3.version, Some(3));
    assert_eq!(query(&e, "SELECT COUNT(*) FROM truong_hoc").await[0][0], serde_json::json!(5));
    assert_eq!(
        query(&e, "SELECT ten_truong FROM truong_hoc WHERE ma_truong = 'T01'").await[0][0],
        serde_json::json!("Trường TH Lê Lợi (đổi tên)")
    );
    // Past versions stay readable.
    assert_eq!(query(&e, "SELECT COUNT(*) FROM \"truong-hoc@1\"").await[0][0], serde_json::json!(3));
    assert_eq!(query(&e, "SELECT COUNT(*) FROM truong_hoc__v2").await[0][0], serde_json::json!(4));
    assert_eq!(
        query(&e, "SELECT ten_truong FROM truong_hoc__v2 WHERE ma_truong = 'T01'").await[0][0],
        serde_json::json!("Trường TH Lê Lợi")
    );
    let err = e.wh.sql(&Actor::system(), "SELECT * FROM \"truong-hoc@9\"").await.unwrap_err();
    assert!(err.vi.contains("phiên bản 9"), "{err:?}");
    // Replace starts again from the new file only.
    let v4 = ingest_bytes(&e, "truong-hoc", "v4.csv", more.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!(v4.version, Some(4));
    assert_eq!(query(&e, "SELECT COUNT(*) FROM truong_hoc").await[0][0], serde_json::json!(1));
}

fn vi_rows() -> String {
    "Mã trường,Tên trường,Xã\nT01,Trường Tiểu học Nguyễn Thị Định,21583\nT02,Trường THCS Lê Hồng Phong,21583\nT03,Hội đồng nhân dân phường Quy Nhơn Bắc,21583\n".to_string()
}

async fn check_encoding(bytes: Vec<u8>, name: &str, expect_encoding: &str) {
    let e = env().await;
    schools(&e).await;
    let out = ingest_bytes(&e, "truong-hoc", name, &bytes, WriteMode::Replace).await.unwrap();
    assert_eq!(out.report.rows_accepted, 3, "{name}: {:?}", out.report);
    assert_eq!(out.report.encoding.as_deref(), Some(expect_encoding), "{name}");
    let names = query(&e, "SELECT ten_truong FROM truong_hoc ORDER BY ma_truong").await;
    assert_eq!(names[0][0], serde_json::json!("Trường Tiểu học Nguyễn Thị Định"), "{name}");
    assert_eq!(names[2][0], serde_json::json!("Hội đồng nhân dân phường Quy Nhơn Bắc"), "{name}");
}

#[tokio::test]
async fn every_encoding_is_read_as_nfc_unicode() {
    let text = vi_rows();
    check_encoding(text.as_bytes().to_vec(), "utf8.csv", "utf8").await;
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(text.as_bytes());
    check_encoding(bom, "bom.csv", "utf8bom").await;
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    check_encoding(le, "utf16.csv", "utf16le").await;
    check_encoding(legacy::encode_windows_1258(&text), "cp1258.csv", "windows1258").await;
    check_encoding(legacy::encode_tcvn3(&text), "tcvn3.csv", "tcvn3").await;
    check_encoding(legacy::encode_vni(&text), "vni.csv", "vni").await;
}

#[tokio::test]
async fn xlsx_with_title_block_merged_header_and_error_cells() {
    let e = env().await;
    schools(&e).await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Danh sách").unwrap();
    ws.write_string(0, 0, "UBND TỈNH GIA LAI").unwrap();
    ws.write_string(1, 0, "DANH SÁCH TRƯỜNG HỌC NĂM 2026").unwrap();
    // "Mã trường" merged over two header rows; "Tên trường" below a group title.
    ws.merge_range(3, 0, 4, 0, "Mã trường", &rust_xlsxwriter::Format::new()).unwrap();
    ws.merge_range(3, 1, 3, 2, "Thông tin", &rust_xlsxwriter::Format::new()).unwrap();
    ws.write_string(4, 1, "Tên trường").unwrap();
    ws.write_string(4, 2, "Kinh phí").unwrap();
    ws.write_string(5, 0, "T01").unwrap();
    ws.write_string(5, 1, "Trường A").unwrap();
    ws.write_number(5, 2, 1500000.0).unwrap();
    ws.write_string(6, 0, "T02").unwrap();
    ws.write_string(6, 1, "Trường B").unwrap();
    ws.write_formula(6, 2, rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!")).unwrap();
    ws.write_string(7, 0, "T03").unwrap();
    ws.write_number(7, 1, 12345.0).unwrap();
    ws.write_formula(7, 2, rust_xlsxwriter::Formula::new("=2*3").set_result("6")).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let out = ingest_bytes(&e, "truong-hoc", "truong.xlsx", &bytes, WriteMode::Replace).await.unwrap();
    assert_eq!(out.report.header_row, 5);
    assert_eq!(out.report.rows_read, 3, "{:?}", out.report);
    assert_eq!(out.report.rows_rejected, 1);
    assert_eq!(out.report.examples.correct[0]["rule"], "excel_error");
    assert_eq!(out.report.examples.correct[0]["row"], 7);
    assert!(out.report.formula_cells >= 2);
    let rows = query(&e, "SELECT ma_truong, ten_truong, kinh_phi FROM truong_hoc ORDER BY ma_truong").await;
    assert_eq!(rows[0], vec![serde_json::json!("T01"), serde_json::json!("Trường A"), serde_json::json!(1_500_000)]);
    // A number in a text field is kept as its text.
    assert_eq!(rows[1][1], serde_json::json!("12345"));
}

#[tokio::test]
async fn json_and_jsonl() {
    let e = env().await;
    schools(&e).await;
    let arr = r#"[{"ma_truong": "T01", "ten_truong": "Trường A", "kinh_phi": 1500000, "ngay_thanh_lap": "2020-01-31"},
                  {"ma_truong": "T02", "ten_truong": "Trường B", "kinh_phi": "2 tỷ", "ghi_chu": "thêm"}]"#;
    let out = ingest_bytes(&e, "truong-hoc", "a.json", arr.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!((out.report.rows_read, out.report.rows_accepted), (2, 2), "{:?}", out.report.examples);
    let lines = "{\"ma_truong\": \"T03\", \"ten_truong\": \"Trường C\"}\n{\"ma_truong\": \"T04\", \"ten_truong\": \"Trường D\"}\n";
    let out = ingest_bytes(&e, "truong-hoc", "b.jsonl", lines.as_bytes(), WriteMode::Append).await.unwrap();
    assert_eq!(out.version, Some(2));
    assert_eq!(query(&e, "SELECT SUM(kinh_phi) FROM truong_hoc").await[0][0], serde_json::json!(2_001_500_000i64));
    let broken =
        ingest_bytes(&e, "truong-hoc", "c.json", b"[{\"ma_truong\": \"T9\", ", WriteMode::Append).await.unwrap_err();
    assert!(broken.vi.contains("c.json"), "{broken:?}");
}

#[tokio::test]
async fn bad_files_get_clear_bilingual_errors_and_change_nothing() {
    let e = env().await;
    schools(&e).await;
    ingest_bytes(&e, "truong-hoc", "tot.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("rong.csv", vec![], "rỗng"),
        ("lac.csv", b"foo,bar\n1,2\n".to_vec(), "tiêu đề"),
        ("gia.csv", b"PK\x03\x04 not really a zip".to_vec(), "nhị phân"),
        ("gia.xlsx", GOOD_CSV.as_bytes().to_vec(), "không phải tệp Excel"),
        ("chi-tieu-de.csv", "Mã trường,Tên trường\n".as_bytes().to_vec(), "không có dòng dữ liệu"),
        ("tai-lieu.doc", b"xx".to_vec(), "loại tệp"),
    ];
    for (name, bytes, needle) in cases {
        let res = ingest_bytes(&e, "truong-hoc", name, &bytes, WriteMode::Replace).await;
        let msg = match res {
            Err(err) => format!("{} / {}", err.vi, err.en),
            Ok(out) => {
                assert_eq!(out.version, None, "{name} must not make a version");
                let r = out.report.refused.unwrap();
                format!("{} / {}", r.vi, r.en)
            }
        };
        assert!(msg.contains(needle), "{name}: {msg}");
        assert!(
            msg.contains(name) || name.ends_with(".doc") || name == "chi-tieu-de.csv",
            "{name} must be named: {msg}"
        );
    }
    // A 10 MB line: the row is rejected (cell too long), the file goes on.
    let mut big = String::from("Mã trường,Tên trường\nT01,Trường A\nT02,");
    big.push_str(&"x".repeat(10 << 20));
    big.push_str("\nT03,Trường C\n");
    let out = ingest_bytes(&e, "truong-hoc", "dai.csv", big.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!((out.report.rows_read, out.report.rows_accepted, out.report.rows_rejected), (3, 2, 1));
    assert_eq!(out.report.examples.correct[0]["rule"], "cell_too_long");
    assert_eq!(out.version, Some(2));
}

#[tokio::test]
async fn schema_changes_between_versions() {
    let e = env().await;
    schools(&e).await;
    ingest_bytes(&e, "truong-hoc", "v1.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    // Adding an optional field extends the table; old versions still read.
    let added = SCHOOLS.replace(
        "{\"name\": \"ma_truong\"",
        "{\"name\": \"so_hoc_sinh\", \"label\": \"Số học sinh\", \"type\": \"integer\"}, {\"name\": \"ma_truong\"",
    );
    e.wh.update_dataset(&Actor::system(), "truong-hoc", Definition::parse(&added, false).unwrap()).await.unwrap();
    let csv = "Mã trường,Tên trường,Số học sinh\nT09,Trường mới,1.250\n";
    let out = ingest_bytes(&e, "truong-hoc", "v2.csv", csv.as_bytes(), WriteMode::Append).await.unwrap();
    assert_eq!(out.version, Some(2));
    assert_eq!(
        query(&e, "SELECT so_hoc_sinh FROM truong_hoc WHERE ma_truong = 'T09'").await[0][0],
        serde_json::json!(1250)
    );
    assert_eq!(query(&e, "SELECT COUNT(*) FROM \"truong-hoc@1\"").await[0][0], serde_json::json!(3));
    // Changing a type while data exists is refused with a reason.
    let changed = SCHOOLS.replace("\"type\": \"money\"", "\"type\": \"date\"");
    let err =
        e.wh.update_dataset(&Actor::system(), "truong-hoc", Definition::parse(&changed, false).unwrap())
            .await
            .unwrap_err();
    assert!(err.vi.contains("không tương thích") && err.en.contains("incompatible"), "{err:?}");
}

#[tokio::test]
async fn sql_only_reads_what_the_caller_may_see() {
    let e = env().await;
    schools(&e).await;
    ingest_bytes(&e, "truong-hoc", "v1.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    let health = e.store.user_by_username("health-officer").await.unwrap().unwrap();
    let agency = e.store.agency(health.agency_id.unwrap()).await.unwrap();
    let actor = Actor {
        user_id: Some(health.id),
        role: Role::DataOfficer,
        scope: Scope::of(Role::DataOfficer, Some((agency.id, &agency.path))),
        agency_id: Some(agency.id),
        system_id: None,
        who: Default::default(),
    };
    let err = e.wh.sql(&actor, "SELECT * FROM truong_hoc").await.unwrap_err();
    assert_eq!(err.kind, tinhso_domain::ErrorKind::Forbidden);
    assert!(err.vi.contains("truong-hoc"));
    // Nor through a subquery or a past version.
    assert!(e.wh.sql(&actor, "SELECT 1 WHERE EXISTS (SELECT 1 FROM \"truong-hoc@1\")").await.is_err());
    // Writes are not SQL's business.
    let err = e.wh.sql(&Actor::system(), "DROP TABLE truong_hoc").await.unwrap_err();
    assert!(err.vi.starts_with("Lỗi SQL"), "{err:?}");
    let err = e.wh.sql(&Actor::system(), "SELEC 1").await.unwrap_err();
    assert!(err.en.contains("SELEC"), "{err:?}");
    assert!(!err.en.contains("backtrace"));
}

#[tokio::test]
async fn crash_before_commit_leaves_the_catalogue_consistent_after_restart() {
    let e = env().await;
    schools(&e).await;
    ingest_bytes(&e, "truong-hoc", "v1.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    // Simulate a crash after the Delta commit but before the catalogue insert:
    // delete the catalogue record and reopen; the version is recovered from the commit.
    e.store.execute_raw("DELETE FROM dataset_ingests").await.unwrap();
    let wh = Warehouse::open(e.store.clone(), e.dir.path(), "52").await.unwrap();
    let list = wh.ingests(&Actor::system(), "truong-hoc").await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].version, Some(1));
    assert_eq!(list[0].rows_accepted, 3);
}

#[tokio::test]
async fn every_type_is_parsed_and_stored() {
    let e = env().await;
    let sites = r#"{"slug": "diem", "name": "Điểm", "zone": "open", "owner": "SVHTTDL", "frequency": "yearly",
      "key": ["ma"], "fields": [{"name": "ma", "type": "text"}]}"#;
    e.wh.create_dataset(&Actor::system(), Definition::parse(sites, false).unwrap()).await.unwrap();
    ingest_bytes(&e, "diem", "diem.csv", b"ma\nD1\nD2\n", WriteMode::Replace).await.unwrap();
    let all = r#"{"slug": "tat-ca", "name": "Mọi kiểu", "zone": "shared", "owner": "STC", "frequency": "weekly",
      "fields": [
        {"name": "t", "type": "text", "pattern": "[A-Z]{2}[0-9]+"},
        {"name": "i", "type": "integer"}, {"name": "d", "type": "decimal", "min": 0},
        {"name": "b", "type": "boolean"}, {"name": "ng", "type": "date"}, {"name": "tg", "type": "datetime"},
        {"name": "tien", "type": "money"}, {"name": "loai", "type": "enum", "values": ["Công lập", "Tư thục"]},
        {"name": "xa", "type": "admin_unit"}, {"name": "cccd", "type": "cccd"}, {"name": "mst", "type": "mst"},
        {"name": "dt", "type": "phone"}, {"name": "email", "type": "email"}, {"name": "toa_do", "type": "point"},
        {"name": "diem", "type": "reference", "references": "diem"}]}"#;
    e.wh.create_dataset(&Actor::system(), Definition::parse(all, false).unwrap()).await.unwrap();
    let csv = "t;i;d;b;ng;tg;tien;loai;xa;cccd;mst;dt;email;toa_do;diem\n\
AB1;1.234;3,5;có;ngày 5 tháng 3 năm 2024;05/03/2024 14:30;4,5 tỷ;cong lap;21583;052 080 001 234;0100109106;+84 912 345 678;Ai@Example.VN;13.77, 109.22;D1\n\
ab;x;-1;có lẽ;30/02/2024;25:00 01/01/2024;abc;Quốc tế;00000;123;0100109107;12345;a@;200, 10;D9\n";
    let out = ingest_bytes(&e, "tat-ca", "tat-ca.csv", csv.as_bytes(), WriteMode::Replace).await.unwrap();
    assert_eq!((out.report.rows_accepted, out.report.rows_rejected), (1, 1), "{:?}", out.report.examples);
    let rows = query(
        &e,
        "SELECT t, i, d, b, CAST(ng AS VARCHAR), tg, tien, loai, xa, cccd, mst, dt, email, toa_do, diem FROM tat_ca",
    )
    .await;
    assert_eq!(
        rows[0],
        serde_json::json!([
            "AB1",
            1234,
            3.5,
            true,
            "2024-03-05",
            "2024-03-05T14:30:00+07:00",
            4_500_000_000i64,
            "Công lập",
            "21583",
            "052080001234",
            "0100109106",
            "0912345678",
            "Ai@example.vn",
            "13.770000,109.220000",
            "D1"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    // Every cell of the bad row is reported, each with its own rule.
    let path = e.wh.rejects_path(&Actor::system(), "tat-ca", Some(1), None).await.unwrap().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    for rule in [
        "pattern",
        "integer",
        "min",
        "boolean",
        "date",
        "datetime",
        "money",
        "enum",
        "admin_unit",
        "cccd",
        "mst",
        "phone",
        "email",
        "point",
        "reference",
    ] {
        assert!(text.contains(rule), "rule {rule} missing from {text}");
    }
}
