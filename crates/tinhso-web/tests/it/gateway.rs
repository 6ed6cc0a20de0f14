//! The data sharing gateway over HTTP: a consumer system asks for access,
//! the owner approves, rows come masked in four formats, revocation and
//! forged keys are refused, every step audited; and an authorisation matrix
//! of routes × roles × in/out of scope.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_store::ApiKeyAccess;

use super::{client, spawn, App};

const DEF: &str = r#"{"slug": "truong-hoc", "name": "Trường học", "zone": "shared", "frequency": "monthly", "key": ["ma_truong"],
  "fields": [{"name": "ma_truong", "type": "text", "required": true}, {"name": "ten_truong", "type": "text", "required": true},
  {"name": "xa", "type": "admin_unit"}, {"name": "kinh_phi", "type": "money"},
  {"name": "hieu_truong", "type": "text", "personal": "basic"},
  {"name": "cccd_hieu_truong", "type": "cccd", "personal": "basic"}]}"#;

const CSV: &str = "ma_truong,ten_truong,xa,kinh_phi,hieu_truong,cccd_hieu_truong\n\
T01,Trường TH Lê Lợi,21583,\"1,2 tỷ\",Nguyễn Văn An,052080001234\n\
T02,Trường THCS Nguyễn Huệ,21583,350 triệu,Trần Thị Bình,052085004321\n\
T03,Trường TH Bùi Thị Xuân,21583,100 triệu,,\n\
T04,Trường THPT Quy Nhơn,21601,1.234.567,Lê Văn Cường,\n";

/// The owner (health department) defines and feeds `truong-hoc`.
async fn with_dataset(app: &App) -> (String, String) {
    let owner = app.key("health-admin", ApiKeyAccess::ReadWrite).await;
    let c = client();
    let r = c.post(app.url("/api/v1/datasets")).bearer_auth(&owner).body(DEF).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let r = c
        .post(app.url("/api/v1/datasets/truong-hoc/versions"))
        .bearer_auth(&owner)
        .header("content-type", "text/csv")
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    (owner, dx)
}

/// A registered system of the education department with its own key.
async fn system_key(app: &App, dx: &str, code: &str, rate: Option<i64>) -> String {
    let c = client();
    let r = c
        .post(app.url("/api/v1/systems"))
        .bearer_auth(dx)
        .json(&json!({"code": code, "name": "Hệ thống quản lý trường học", "agency": "SGDDT"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let r = c
        .post(app.url(&format!("/api/v1/systems/{code}/keys")))
        .bearer_auth(dx)
        .json(&json!({"name": "máy chủ 1", "rate_per_minute": rate}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    v["key"].as_str().unwrap().to_string()
}

async fn get(app: &App, path: &str, key: &str) -> reqwest::Response {
    client().get(app.url(path)).bearer_auth(key).send().await.unwrap()
}

#[tokio::test]
async fn consumer_requests_owner_approves_rows_come_masked_in_every_format() {
    let app = spawn().await;
    let (owner, dx) = with_dataset(&app).await;
    let sys = system_key(&app, &dx, "qlth-sgddt", None).await;
    let c = client();

    // Deny by default.
    let r = get(&app, "/api/v1/datasets/truong-hoc/rows", &sys).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert!(p["message"]["vi"].as_str().unwrap().contains("yêu cầu truy cập"));

    // The system asks; the owner approves.
    let r = c
        .post(app.url("/api/v1/grants/requests"))
        .bearer_auth(&sys)
        .json(&json!({"dataset": "truong-hoc", "purpose": "Đồng bộ danh sách trường cho hệ thống quản lý",
            "columns": ["ma_truong", "ten_truong", "xa", "hieu_truong", "cccd_hieu_truong"],
            "row_filter": {"xa": ["21583"]}, "days": 90}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let g: Value = r.json().await.unwrap();
    assert_eq!((g["status"].as_str(), g["consumer_system"].as_str()), (Some("pending"), Some("qlth-sgddt")));
    let id = g["id"].as_i64().unwrap();
    // The consumer cannot approve itself.
    let r = c.post(app.url(&format!("/api/v1/grants/requests/{id}/approve"))).bearer_auth(&sys).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c.post(app.url(&format!("/api/v1/grants/requests/{id}/approve"))).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let g: Value = r.json().await.unwrap();
    assert_eq!(g["active"], true);

    // JSON: granted columns, granted rows, personal data masked.
    let r = get(&app, "/api/v1/datasets/truong-hoc/rows?sort=ma_truong", &sys).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["count"], 3);
    assert_eq!(v["basis"], format!("grant:{id}"));
    assert_eq!(v["rows"][0]["cccd_hieu_truong"], "052******234");
    assert_eq!(v["rows"][0]["hieu_truong"], "N. V. A.");
    assert!(v["rows"][0].get("kinh_phi").is_none());
    assert_eq!(v["masked"], json!(["hieu_truong", "cccd_hieu_truong"]));

    // Filters, projection, sort and cursor pagination.
    let v: Value =
        get(&app, "/api/v1/datasets/truong-hoc/rows?select=ma_truong,ten_truong&sort=-ma_truong&limit=2", &sys)
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(v["columns"], json!(["ma_truong", "ten_truong"]));
    assert_eq!(v["rows"][0]["ma_truong"], "T03");
    let cursor = v["next_cursor"].as_str().unwrap().to_string();
    let v: Value = get(
        &app,
        &format!(
            "/api/v1/datasets/truong-hoc/rows?select=ma_truong,ten_truong&sort=-ma_truong&limit=2&cursor={cursor}"
        ),
        &sys,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["rows"][0]["ma_truong"], "T01");
    assert!(v["next_cursor"].is_null());
    let v: Value =
        get(&app, "/api/v1/datasets/truong-hoc/rows?ma_truong=in.(T01,T02,T04)", &sys).await.json().await.unwrap();
    assert_eq!(v["count"], 2, "T04 is outside the granted commune");
    let v: Value = get(&app, "/api/v1/datasets/truong-hoc/rows?q=le%20loi", &sys).await.json().await.unwrap();
    assert_eq!(v["count"], 1, "text search ignores diacritics");
    let v: Value = get(&app, "/api/v1/datasets/truong-hoc/rows?ma_truong=gte.T02", &sys).await.json().await.unwrap();
    assert_eq!(v["count"], 2);

    // CSV, Parquet and Arrow IPC carry the same masked rows.
    let r = get(&app, "/api/v1/datasets/truong-hoc/rows?format=csv&sort=ma_truong", &sys).await;
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(text.contains("052******234") && !text.contains("052080001234") && !text.contains("1200000000"));
    let bytes = get(&app, "/api/v1/datasets/truong-hoc/rows?format=parquet", &sys).await.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    let r = get(&app, "/api/v1/datasets/truong-hoc/rows?format=arrow", &sys).await;
    assert_eq!(r.headers()["content-type"], "application/vnd.apache.arrow.stream");
    let bytes = r.bytes().await.unwrap();
    let reader =
        tinhso_warehouse::deltalake::arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
            .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
    assert!(batches[0].schema().field_with_name("kinh_phi").is_err());

    // One row by key; outside the grant is not found.
    let v: Value = get(&app, "/api/v1/datasets/truong-hoc/rows/T02", &sys).await.json().await.unwrap();
    assert_eq!(v["row"]["cccd_hieu_truong"], "052******321");
    assert_eq!(get(&app, "/api/v1/datasets/truong-hoc/rows/T04", &sys).await.status(), StatusCode::NOT_FOUND);

    // The owner reads in clear.
    let v: Value = get(&app, "/api/v1/datasets/truong-hoc/rows/T02", &owner).await.json().await.unwrap();
    assert_eq!(v["row"]["cccd_hieu_truong"], "052085004321");

    // Bad input: clear errors, the right status.
    for (path, status) in [
        ("/api/v1/datasets/khong-co/rows", StatusCode::NOT_FOUND),
        ("/api/v1/datasets/truong-hoc/rows?kinh_phi=gt.1", StatusCode::FORBIDDEN),
        ("/api/v1/datasets/truong-hoc/rows?select=kinh_phi", StatusCode::FORBIDDEN),
        ("/api/v1/datasets/truong-hoc/rows?sort=kinh_phi", StatusCode::FORBIDDEN),
        ("/api/v1/datasets/truong-hoc/rows?ma_truong=in.(T01", StatusCode::BAD_REQUEST),
        ("/api/v1/datasets/truong-hoc/rows?limit=1000000", StatusCode::BAD_REQUEST),
        ("/api/v1/datasets/truong-hoc/rows?limit=0", StatusCode::BAD_REQUEST),
        ("/api/v1/datasets/truong-hoc/rows?cursor=zz", StatusCode::BAD_REQUEST),
        ("/api/v1/datasets/truong-hoc/rows?format=xml", StatusCode::BAD_REQUEST),
        ("/api/v1/datasets/truong-hoc/rows?version=abc", StatusCode::BAD_REQUEST),
        ("/api/v1/datasets/truong-hoc/rows?version=99", StatusCode::NOT_FOUND),
        ("/api/v1/datasets/truong-hoc/rows/T01%7Cx", StatusCode::BAD_REQUEST),
    ] {
        let r = get(&app, path, &sys).await;
        assert_eq!(r.status(), status, "{path}");
        let p: Value = r.json().await.unwrap();
        assert!(p["message"]["vi"].is_string() && p["message"]["en"].is_string(), "{path}: {p}");
        assert!(!p.to_string().contains("052080001234"));
    }

    // SQL through the gateway: the same view.
    let r = c
        .post(app.url("/api/v1/sql"))
        .bearer_auth(&sys)
        .json(&json!({"sql": "SELECT ma_truong, cccd_hieu_truong FROM truong_hoc ORDER BY 1"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["rows"].as_array().unwrap().len(), 3);
    assert_eq!(v["rows"][0][1], "052******234");

    // The owner sees who read their data; the consumer does not see the audit.
    let v: Value = get(&app, "/api/v1/audit?dataset=truong-hoc&action=rows.read", &owner).await.json().await.unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["system"] == "qlth-sgddt" && e["outcome"] == "ok" && e["grant_id"] == id));
    assert!(entries.iter().any(|e| e["system"] == "qlth-sgddt" && e["outcome"] == "denied"));
    assert!(entries.iter().all(|e| e["request_id"].as_str().is_some_and(|r| !r.is_empty())));
    assert_eq!(get(&app, "/api/v1/audit", &sys).await.status(), StatusCode::FORBIDDEN);
    let csv = get(&app, "/api/v1/audit?dataset=truong-hoc&format=csv", &owner).await.text().await.unwrap();
    assert!(csv.contains("rows.read") && csv.contains("qlth-sgddt") && !csv.contains("052080001234"));

    // Metrics per consumer and dataset.
    let m = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("tinhso_gateway_requests_total") && m.contains("consumer=\"qlth-sgddt\""), "{m}");

    // Revocation takes effect at the next request.
    let r = c
        .post(app.url(&format!("/api/v1/grants/{id}/revoke")))
        .bearer_auth(&owner)
        .json(&json!({"reason": "Hết thời gian thí điểm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(get(&app, "/api/v1/datasets/truong-hoc/rows/T02", &sys).await.status(), StatusCode::FORBIDDEN);

    // Forged and revoked keys.
    assert_eq!(get(&app, "/api/v1/datasets/truong-hoc/rows", "tsk_abc_def").await.status(), StatusCode::UNAUTHORIZED);
    let forged = format!("{}x", &sys[..sys.len() - 1]);
    assert_eq!(get(&app, "/api/v1/datasets/truong-hoc/rows", &forged).await.status(), StatusCode::UNAUTHORIZED);
    let systems: Value = get(&app, "/api/v1/systems", &dx).await.json().await.unwrap();
    let sid = systems["systems"][0]["id"].as_i64().unwrap();
    let dx_user = app.store.user_by_username("dx-office").await.unwrap().unwrap();
    app.store.set_system_disabled(&dx_user, sid, true).await.unwrap();
    assert_eq!(get(&app, "/api/v1/datasets/truong-hoc/rows", &sys).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rate_limits_per_key() {
    let app = spawn().await;
    let (_, dx) = with_dataset(&app).await;
    let sys = system_key(&app, &dx, "cham-he-thong", Some(60)).await;
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(get(&app, "/api/v1/datasets/truong-hoc/access", &sys).await.status());
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // Another key is not affected.
    assert_ne!(get(&app, "/api/v1/datasets/truong-hoc/access", &dx).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Every gateway route × every role, in and out of scope: the status each
/// must get, and no clear personal data outside the owner.
#[tokio::test]
async fn authorisation_matrix() {
    let app = spawn().await;
    let (owner, dx) = with_dataset(&app).await;
    let sys = system_key(&app, &dx, "ma-tran", None).await;
    // A pending request to decide on.
    let r = client()
        .post(app.url("/api/v1/grants/requests"))
        .bearer_auth(&sys)
        .json(&json!({"dataset": "truong-hoc", "purpose": "Kiểm thử ma trận phân quyền", "columns": ["ma_truong"], "days": 1}))
        .send()
        .await
        .unwrap();
    let gid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut keys: Vec<(&str, String)> = vec![("owner-admin", owner), ("system", sys), ("dx-office", dx)];
    for u in ["admin", "leader", "health-officer", "commune-officer"] {
        keys.push((u, app.key(u, ApiKeyAccess::ReadWrite).await));
    }
    keys.push(("anonymous", String::new()));
    use StatusCode as S;
    // (route, method, body, expected status per caller in the order of `keys`)
    let reject = format!("/api/v1/grants/requests/{gid}/refuse");
    let routes: Vec<(&str, &str, Option<Value>, [S; 8])> = vec![
        (
            "/api/v1/datasets/truong-hoc/rows",
            "GET",
            None,
            [S::OK, S::FORBIDDEN, S::OK, S::OK, S::OK, S::OK, S::FORBIDDEN, S::NOT_FOUND],
        ),
        (
            "/api/v1/datasets/truong-hoc/rows/T01",
            "GET",
            None,
            [S::OK, S::FORBIDDEN, S::OK, S::OK, S::OK, S::OK, S::FORBIDDEN, S::NOT_FOUND],
        ),
        (
            "/api/v1/datasets/truong-hoc/access",
            "GET",
            None,
            [S::OK, S::FORBIDDEN, S::OK, S::OK, S::OK, S::OK, S::FORBIDDEN, S::NOT_FOUND],
        ),
        (
            "/api/v1/audit?dataset=truong-hoc",
            "GET",
            None,
            [S::OK, S::FORBIDDEN, S::OK, S::OK, S::FORBIDDEN, S::OK, S::FORBIDDEN, S::UNAUTHORIZED],
        ),
        ("/api/v1/grants", "GET", None, [S::OK, S::OK, S::OK, S::OK, S::OK, S::OK, S::OK, S::UNAUTHORIZED]),
        (
            "/api/v1/systems",
            "POST",
            Some(json!({"code": "x-{u}", "name": "Hệ thống X", "agency": "SYT"})),
            [
                S::CREATED,
                S::FORBIDDEN,
                S::CREATED,
                S::CREATED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::UNAUTHORIZED,
            ],
        ),
        (
            &reject,
            "POST",
            Some(json!({"reason": "Không đủ căn cứ"})),
            [S::OK, S::FORBIDDEN, S::CONFLICT, S::CONFLICT, S::FORBIDDEN, S::CONFLICT, S::NOT_FOUND, S::UNAUTHORIZED],
        ),
    ];
    for (path, method, body, expected) in &routes {
        for ((who, key), want) in keys.iter().zip(expected) {
            let mut rb = match *method {
                "GET" => client().get(app.url(path)),
                _ => client().post(app.url(path)),
            };
            if !key.is_empty() {
                rb = rb.bearer_auth(key);
            }
            if let Some(b) = body {
                rb = rb.json(&serde_json::from_str::<Value>(&b.to_string().replace("{u}", who)).unwrap());
            }
            let r = rb.send().await.unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            assert_eq!(status, *want, "{method} {path} as {who}: {text}");
            if *who != "owner-admin" && *who != "health-officer" {
                assert!(!text.contains("052080001234"), "{method} {path} as {who} leaked personal data: {text}");
            }
        }
    }
}

/// The pages: a commune officer requests access, the owner approves on the
/// grants page, sees who reads the data, and reads the access log and its CSV.
#[tokio::test]
async fn grant_pages_request_review_and_audit() {
    let app = spawn().await;
    with_dataset(&app).await;
    let commune = app.login("commune-officer").await;
    let form = commune.get(app.url("/grants/new?dataset=truong-hoc")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("cccd_hieu_truong (DLCN cơ bản)"), "{form}");
    let csrf = super::hidden(&form, "csrf");
    let bad = commune
        .post(app.url("/grants/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("dataset", "truong-hoc"),
            ("purpose", "ngắn"),
            ("days", "30"),
            ("columns", "ma_truong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("Mục đích sử dụng phải từ 10"));
    let r = commune
        .post(app.url("/grants/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("dataset", "truong-hoc"),
            ("purpose", "Lập kế hoạch tiêm chủng cho học sinh trong phường"),
            ("columns", "ma_truong"),
            ("columns", "ten_truong"),
            ("row_filter", r#"{"xa": ["21583"]}"#),
            ("days", "60"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine = commune.get(app.url("/grants")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("Chờ duyệt") && mine.contains("Lập kế hoạch tiêm chủng"), "{mine}");

    let owner = app.login("health-admin").await;
    let page = owner.get(app.url("/grants")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"pending\"") && page.contains("XA-21583"), "{page}");
    let id = page.split("data-grant=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let csrf = super::hidden(&page, "csrf");
    let r = owner
        .post(app.url(&format!("/grants/{id}/approve")))
        .form(&[("csrf", csrf.as_str()), ("days", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = owner.get(app.url("/grants")).send().await.unwrap().text().await.unwrap();
    let readers = page.split("id=\"readers\"").nth(1).unwrap();
    assert!(readers.contains("Đang hiệu lực") && readers.contains("xa ∈ 21583"), "{readers}");

    // The commune officer now reads through the API with the session.
    let v: Value = commune.get(app.url("/api/v1/datasets/truong-hoc/rows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["count"], 3);
    assert_eq!(v["columns"], json!(["ma_truong", "ten_truong"]));

    let audit = owner.get(app.url("/audit?dataset=truong-hoc")).send().await.unwrap().text().await.unwrap();
    assert!(
        audit.contains("grant.approve") && audit.contains("rows.read") && audit.contains("commune-officer"),
        "{audit}"
    );
    let csv = owner.get(app.url("/audit.csv?dataset=truong-hoc")).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.text().await.unwrap().lines().count() > 3);
    // The commune officer owns no dataset: its log is empty and others' are refused.
    let own = commune.get(app.url("/audit")).send().await.unwrap().text().await.unwrap();
    assert!(!own.contains("<code>rows.read</code>"));
    assert_eq!(commune.get(app.url("/audit?dataset=truong-hoc")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}
