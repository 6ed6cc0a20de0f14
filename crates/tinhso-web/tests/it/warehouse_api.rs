//! The warehouse API over HTTP: the interface the acceptance checks use.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_store::ApiKeyAccess;

use super::{client, spawn};

const DEF: &str = r#"{"slug": "truong-hoc", "name": "Trường học", "zone": "shared", "frequency": "monthly", "key": ["ma_truong"],
  "fields": [{"name": "ma_truong", "type": "text", "required": true}, {"name": "ten_truong", "type": "text", "required": true},
  {"name": "xa", "type": "admin_unit"}, {"name": "ngay_thanh_lap", "type": "date"}, {"name": "kinh_phi", "type": "money"},
  {"name": "cccd_hieu_truong", "type": "cccd", "personal": "basic"}]}"#;

const CSV: &str = "ma_truong,ten_truong,xa,ngay_thanh_lap,kinh_phi,cccd_hieu_truong\n\
T01,Trường TH Lê Lợi,21583,05/09/1975,\"1,2 tỷ\",052080001234\n\
T02,Trường THCS Nguyễn Huệ,21583,31/02/2024,350 triệu,\n\
T03,,21583,2001-08-15,1.234.567,\n\
T04,Trường THPT Quy Nhơn,21550,1/1/1990,1.234.567,\n";

#[tokio::test]
async fn dataset_create_upload_rejects_and_sql() {
    let app = spawn().await;
    // The education department's data officer does not exist in the demo; the DX office defines for any agency,
    // a health data officer for health only.
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let health = app.key("health-officer", ApiKeyAccess::ReadWrite).await;
    let c = client();

    // Created by a data officer: owned by the caller's agency.
    let r = c
        .post(app.url("/api/v1/datasets"))
        .bearer_auth(&health)
        .header("content-type", "application/json")
        .body(DEF)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["owner"], "SYT");
    assert_eq!(v["definition"]["fields"][5]["personal"], "basic");
    // Same slug again: 409.
    let r = c.post(app.url("/api/v1/datasets")).bearer_auth(&dx).body(DEF).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Bad definition: 400 with both languages.
    let r = c.post(app.url("/api/v1/datasets")).bearer_auth(&dx).body("{\"slug\": \"x y\"}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p: Value = r.json().await.unwrap();
    assert!(p["message"]["vi"].as_str().unwrap().contains("JSON") && p["message"]["en"].as_str().is_some());

    // Upload the file as the body.
    let r = c
        .post(app.url("/api/v1/datasets/truong-hoc/versions"))
        .bearer_auth(&health)
        .header("content-type", "text/csv")
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(
        (v["rows_read"].as_u64(), v["rows_accepted"].as_u64(), v["rows_rejected"].as_u64()),
        (Some(4), Some(2), Some(2))
    );
    for k in ["correct", "complete", "clean", "live"] {
        assert!(v["quality"][k].is_i64(), "{k}: {v}");
    }
    assert_eq!(v["quality"]["live"], 100);

    // The dataset now carries its latest quality.
    let (s, d) = app.get_json("/api/v1/datasets/truong-hoc", &dx).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["version"], 1);
    assert!(d["quality"]["score"].as_i64().unwrap() < 100);

    // Rejected rows with row number, column and reason.
    let r = c
        .get(app.url("/api/v1/datasets/truong-hoc/versions/1/rejects?format=csv"))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.contains("3,ngay_thanh_lap,31/02/2024,date_invalid"), "{text}");
    assert!(text.contains("4,ten_truong,,required"), "{text}");
    let r = c
        .get(app.url("/api/v1/datasets/truong-hoc/versions/1/rejects?format=xlsx"))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = c
        .get(app.url("/api/v1/datasets/truong-hoc/versions/1/rejects?format=pdf"))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .get(app.url("/api/v1/datasets/truong-hoc/versions/7/rejects?format=csv"))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // SQL over the datasets the caller may read.
    let r = c
        .post(app.url("/api/v1/sql"))
        .bearer_auth(&dx)
        .json(&json!({"sql": "SELECT ma_truong, kinh_phi, xa, xa__goc FROM truong_hoc ORDER BY ma_truong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["columns"], json!(["ma_truong", "kinh_phi", "xa", "xa__goc"]));
    assert_eq!(v["rows"], json!([["T01", 1_200_000_000i64, "21583", "21583"], ["T04", 1_234_567, "21601", "21550"]]));
    // A commune officer may not read the health department's dataset.
    let commune = app.key("commune-officer", ApiKeyAccess::Read).await;
    let r = c
        .post(app.url("/api/v1/sql"))
        .bearer_auth(&commune)
        .json(&json!({"sql": "SELECT * FROM \"truong-hoc\""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let p: Value = r.json().await.unwrap();
    assert!(p["message"]["vi"].as_str().unwrap().contains("truong-hoc"));
    // Nor upload to it.
    let commune_rw = app.key("commune-officer", ApiKeyAccess::ReadWrite).await;
    let r = c
        .post(app.url("/api/v1/datasets/truong-hoc/versions"))
        .bearer_auth(&commune_rw)
        .header("content-type", "text/csv")
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Bad SQL: 400 pointing at the SQL.
    let r = c
        .post(app.url("/api/v1/sql"))
        .bearer_auth(&dx)
        .json(&json!({"sql": "SELECT FROM WHERE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["field"], "sql");
    // Download a result as CSV.
    let r = c
        .post(app.url("/api/v1/sql?format=csv"))
        .bearer_auth(&dx)
        .json(&json!({"sql": "SELECT COUNT(*) AS n FROM truong_hoc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "\u{feff}n\n2\n");

    // Versions that do not exist are 404 at once, whatever the number (a
    // negative one was a 500; a huge one kept the log reader searching), and
    // malformed query parameters are 400 problems, not plain text.
    for path in [
        "/api/v1/datasets/truong-hoc/preview?version=-1",
        "/api/v1/datasets/truong-hoc/preview?version=9223372036854775806",
        "/api/v1/datasets/truong-hoc/versions/-1",
    ] {
        let r = c.get(app.url(path)).bearer_auth(&dx).timeout(std::time::Duration::from_secs(5)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = c
        .post(app.url("/api/v1/sql"))
        .bearer_auth(&dx)
        .json(&json!({"sql": "SELECT * FROM \"truong-hoc@9223372036854775806\""}))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    for path in ["/api/v1/datasets?max_score=abc", "/api/v1/datasets/truong-hoc/preview?limit=-1"] {
        let r = c.get(app.url(path)).bearer_auth(&dx).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
    }
}

#[tokio::test]
async fn uploads_in_every_format_and_bad_bodies() {
    let app = spawn().await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let c = client();
    let def = DEF.replace("\"zone\"", "\"owner\": \"SGDDT\", \"zone\"");
    let r = c.post(app.url("/api/v1/datasets")).bearer_auth(&dx).body(def).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let upload = |body: Vec<u8>, ct: &'static str, query: &'static str| {
        let c = c.clone();
        let url = app.url(&format!("/api/v1/datasets/truong-hoc/versions{query}"));
        let dx = dx.clone();
        async move { c.post(url).bearer_auth(dx).header("content-type", ct).body(body).send().await.unwrap() }
    };
    // XLSX.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in ["Mã trường", "Tên trường"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "T10").unwrap();
    ws.write_string(1, 1, "Trường Mười").unwrap();
    let xlsx = wb.save_to_buffer().unwrap();
    let r = upload(xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["version"].as_i64(), v["rows_accepted"].as_i64()), (Some(1), Some(1)));
    // JSON, appended.
    let r = upload(
        r#"[{"ma_truong": "T11", "ten_truong": "Trường Mười Một"}]"#.as_bytes().to_vec(),
        "application/json",
        "?mode=append",
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], 2);
    // Bad: empty body, unknown mode, wrong content for the type, unknown dataset.
    let r = upload(Vec::new(), "text/csv", "").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p: Value = r.json().await.unwrap();
    assert!(p["message"]["vi"].as_str().unwrap().contains("rỗng"), "{p}");
    let r = upload(b"ma_truong\nX\n".to_vec(), "text/csv", "?mode=merge").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = upload(
        b"ma_truong,ten_truong\nX,Y\n".to_vec(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "",
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c.post(app.url("/api/v1/datasets/khong-co/versions")).bearer_auth(&dx).body("a").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Versions list and one version's report.
    let (s, v) = app.get_json("/api/v1/datasets/truong-hoc/versions", &dx).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    let (s, v) = app.get_json("/api/v1/datasets/truong-hoc/versions/2", &dx).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["report"]["format"], "json");
    // Catalogue search ignores diacritics.
    let (_, v) = app.get_json("/api/v1/datasets?q=truong%20hoc", &dx).await;
    assert_eq!(v["total"], 1);
    let (_, v) = app.get_json("/api/v1/datasets?zone=open", &dx).await;
    assert_eq!(v["total"], 0);
    // Read-only keys cannot upload.
    let ro = app.key("dx-office", ApiKeyAccess::Read).await;
    let r = c
        .post(app.url("/api/v1/datasets/truong-hoc/versions"))
        .bearer_auth(&ro)
        .body("ma_truong\nX\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
