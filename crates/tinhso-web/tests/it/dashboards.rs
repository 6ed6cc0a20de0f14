//! IOC dashboards over HTTP: the built-in dashboards answer every panel with
//! rows computed from the warehouse, filters narrow them, results are cached
//! until a dataset gets a new version, definitions are versioned and bad
//! input is refused in both languages, and alerts reach a real SMTP server,
//! a webhook and the app.

use std::sync::{Arc, Mutex};

use serde_json::json;
use tinhso_domain::AdminUnits;
use tinhso_store::ApiKeyAccess;
use tinhso_warehouse::{Actor, Definition, IngestInput, Progress, WriteMode};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;

/// Every demo dataset the built-in dashboards read.
pub(crate) const ALL_DEMO: &[&str] = &[
    "dan-so-xa",
    "truong-hoc",
    "co-so-y-te",
    "diem-du-lich",
    "luot-khach-du-lich",
    "ho-so-tthc",
    "to-cong-nghe-so",
    "doanh-nghiep",
    "tai-khoan-thanh-toan",
];

/// Creates and fills the demo datasets named.
pub(crate) async fn seed(app: &App, slugs: &[&str]) {
    let today = chrono::Utc::now().date_naive();
    let dir = tempfile::tempdir().unwrap();
    for d in tinhso_warehouse::demo::demo_datasets(AdminUnits::embedded(), "52", today) {
        let def = Definition::parse(&d.definition.to_string(), false).unwrap();
        if !slugs.contains(&def.slug.as_str()) {
            continue;
        }
        let slug = def.slug.clone();
        app.warehouse.create_dataset(&Actor::system(), def).await.unwrap();
        for u in d.uploads {
            let path = dir.path().join(&u.file_name);
            std::fs::write(&path, &u.bytes).unwrap();
            let input = IngestInput {
                path,
                file_name: u.file_name.clone(),
                content_type: None,
                sheet: None,
                mode: WriteMode::parse(u.mode).unwrap(),
                at: Some(chrono::Utc::now().timestamp() - u.age_days * 86_400),
            };
            app.warehouse.ingest(&Actor::system(), &slug, input, Arc::new(Progress::default())).await.unwrap();
        }
    }
}

async fn sql_value(app: &App, sql: &str) -> Value {
    let r = app.warehouse.sql(&Actor::system(), sql).await.unwrap();
    r.rows[0][0].clone()
}

async fn data(app: &App, key: &str, path: &str) -> (StatusCode, Value) {
    app.get_json(&format!("/api/v1/dashboards/giam-sat-tthc/panels/{path}"), key).await
}

#[tokio::test]
async fn builtin_dashboards_answer_every_panel_filter_and_cache() {
    let app = spawn().await;
    seed(&app, &["ho-so-tthc"]).await;
    let key = app.key("dx-office", ApiKeyAccess::Read).await;

    let (s, list) = app.get_json("/api/v1/dashboards", &key).await;
    assert_eq!(s, StatusCode::OK);
    let slugs: Vec<&str> = list["dashboards"].as_array().unwrap().iter().map(|d| d["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&"giam-sat-tthc"), "{slugs:?}");

    let (s, def) = app.get_json("/api/v1/dashboards/giam-sat-tthc", &key).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(def["version"], 1);
    let panels = def["panels"].as_array().unwrap();
    assert!(panels.len() >= 10);
    for p in panels {
        let id = p["id"].as_str().unwrap();
        let (s, d) = data(&app, &key, &format!("{id}/data")).await;
        assert_eq!(s, StatusCode::OK, "{id}: {d}");
        assert!(!d["rows"].as_array().unwrap().is_empty(), "panel {id} has no rows: {d}");
        assert!(!d["columns"].as_array().unwrap().is_empty());
        assert_eq!(d["panel"], id);
        assert_eq!(d["cached"], false);
        assert!(d["versions"]["ho-so-tthc"].as_i64().unwrap() >= 1);
    }

    // The gauge is the on-time share computed independently over the same period.
    let (_, g) = data(&app, &key, "dung-han-tong/data").await;
    let from = g["filters"]["from"].as_str().unwrap().to_string();
    let expected = sql_value(
        &app,
        &format!(
            "SELECT round(100.0 * sum(CASE WHEN dung_han THEN 1 ELSE 0 END) / count(dung_han), 1) FROM ho_so_tthc \
             WHERE ngay_tiep_nhan >= DATE '{from}'"
        ),
    )
    .await;
    assert_eq!(g["rows"][0][0], expected);
    assert_eq!(g["cached"], true, "fetched once in the loop above");

    // The same request again comes from the cache; no-cache computes afresh.
    let (_, again) = data(&app, &key, "dung-han-tong/data").await;
    assert_eq!(again["rows"], g["rows"]);
    let r = client()
        .get(app.url("/api/v1/dashboards/giam-sat-tthc/panels/dung-han-tong/data"))
        .bearer_auth(&key)
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["cached"], false);

    // A commune filter narrows the rows to that commune, checked against SQL.
    let commune: String = sql_value(&app, "SELECT xa FROM ho_so_tthc GROUP BY xa ORDER BY count(*) DESC LIMIT 1")
        .await
        .as_str()
        .unwrap()
        .into();
    let (_, all) = data(&app, &key, "tiep-nhan/data").await;
    let (s, one) = data(&app, &key, &format!("tiep-nhan/data?commune={commune}")).await;
    assert_eq!(s, StatusCode::OK);
    let sum = |v: &Value| v["rows"].as_array().unwrap().iter().map(|r| r[1].as_i64().unwrap()).sum::<i64>();
    let in_commune = sql_value(
        &app,
        &format!("SELECT count(*) FROM ho_so_tthc WHERE xa = '{commune}' AND ngay_tiep_nhan >= DATE '{from}'"),
    )
    .await;
    assert_eq!(sum(&one), in_commune.as_i64().unwrap());
    assert!(sum(&one) < sum(&all));
    assert_eq!(one["filters"]["commune"], commune.as_str());
    assert!(one["sql"].as_str().unwrap().contains(&format!("xa = '{commune}'")));
    // An agency filter too.
    let (s, syt) = data(&app, &key, "truc-tuyen/data?agency=CAT").await;
    assert_eq!(s, StatusCode::OK);
    assert!(syt["sql"].as_str().unwrap().contains("co_quan = 'CAT'"));

    // A new version of the dataset invalidates the cached result.
    let (_, before) = data(&app, &key, "qua-han/data").await;
    let (_, cached) = data(&app, &key, "qua-han/data").await;
    assert_eq!(cached["cached"], true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("them.csv");
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(30)).format("%d/%m/%Y").to_string();
    std::fs::write(
        &file,
        format!(
            "ma_ho_so,ma_thu_tuc,ten_thu_tuc,linh_vuc,co_quan,xa,ngay_tiep_nhan,han_xu_ly,ngay_tra_ket_qua,truc_tuyen,trang_thai,dung_han\n\
             TEST-1,1.000001,Thủ tục thử,Tư pháp,STP,{commune},{yesterday} 08:00:00,{yesterday},,Có,Quá hạn,\n"
        ),
    )
    .unwrap();
    let input = IngestInput {
        path: file,
        file_name: "them.csv".into(),
        content_type: None,
        sheet: None,
        mode: WriteMode::Append,
        at: None,
    };
    app.warehouse.ingest(&Actor::system(), "ho-so-tthc", input, Arc::new(Progress::default())).await.unwrap();
    let (_, after) = data(&app, &key, "qua-han/data").await;
    assert_eq!(after["cached"], false);
    assert_eq!(after["rows"][0][0].as_i64().unwrap(), before["rows"][0][0].as_i64().unwrap() + 1);
    assert!(after["versions"]["ho-so-tthc"].as_i64() > before["versions"]["ho-so-tthc"].as_i64());

    // Downloads.
    let r = client()
        .get(app.url("/api/v1/dashboards/giam-sat-tthc/panels/theo-co-quan/data?format=csv"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(text.trim_start_matches('\u{feff}').starts_with("co_quan,tiep_nhan,qua_han"), "{text}");
    let r = client()
        .get(app.url("/api/v1/dashboards/giam-sat-tthc/panels/theo-co-quan/data?format=xlsx"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r =
        client().get(app.url("/api/v1/dashboards/giam-sat-tthc?format=yaml")).bearer_auth(&key).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/yaml"));
    assert!(r.text().await.unwrap().contains("slug: giam-sat-tthc"));

    // Every panel read is in the audit log, cached ones too.
    let (s, audit) = app.get_json("/api/v1/audit?action=dashboard.read&limit=500", &key).await;
    assert_eq!(s, StatusCode::OK);
    let entries = audit["entries"].as_array().unwrap();
    assert!(entries.len() >= 14, "{}", entries.len());
    assert!(entries.iter().any(|e| e["detail"].as_str().unwrap_or("").contains("cached")));
}

#[tokio::test]
async fn bad_filters_definitions_and_callers_are_refused() {
    let app = spawn().await;
    seed(&app, &["ho-so-tthc", "can-bo-cong-chuc"]).await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::ReadWrite).await;
    let commune = app.key("commune-officer", ApiKeyAccess::Read).await;

    let bad = [
        ("dung-han-tong/data?from=31/02/2026", StatusCode::BAD_REQUEST, "from"),
        ("dung-han-tong/data?from=2026-05-01&to=2026-04-01", StatusCode::BAD_REQUEST, "from"),
        ("dung-han-tong/data?from=2000-01-01&to=2026-01-01", StatusCode::BAD_REQUEST, "from"),
        ("dung-han-tong/data?commune=99999", StatusCode::BAD_REQUEST, "commune"),
        ("dung-han-tong/data?commune=21553'%20OR%20'1'='1", StatusCode::BAD_REQUEST, "commune"),
        ("dung-han-tong/data?commune=01001", StatusCode::BAD_REQUEST, "commune"),
        ("dung-han-tong/data?agency=KHONG-CO", StatusCode::BAD_REQUEST, "agency"),
        ("dung-han-tong/data?format=pdf", StatusCode::BAD_REQUEST, "format"),
        ("khong-co/data", StatusCode::NOT_FOUND, ""),
    ];
    for (path, status, field) in bad {
        let (s, body) = data(&app, &dx, path).await;
        assert_eq!(s, status, "{path}: {body}");
        assert!(
            !body["message"]["vi"].as_str().unwrap().is_empty() && !body["message"]["en"].as_str().unwrap().is_empty()
        );
        if !field.is_empty() {
            assert_eq!(body["field"], field, "{path}: {body}");
        }
    }
    let (s, _) = app.get_json("/api/v1/dashboards/khong-co", &dx).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Who may read: anonymous no; a commune officer sees the list but not another agency's shared data.
    let r = client().get(app.url("/api/v1/dashboards")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, _) = app.get_json("/api/v1/dashboards", &commune).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = data(&app, &commune, "dung-han-tong/data").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    // Definitions: only the DX office writes; bad ones name the field; versions are kept.
    let yaml = "slug: can-bo\ntitle: Cán bộ\ntitle_en: Staff\npanels:\n  - id: ds\n    title: Danh sách\n    title_en: List\n    kind: table\n    sql: SELECT ho_ten, cccd FROM can_bo_cong_chuc ORDER BY ma_can_bo LIMIT 5\n";
    let post = |key: &str, body: &str| {
        client()
            .post(app.url("/api/v1/dashboards"))
            .bearer_auth(key)
            .header("content-type", "application/yaml")
            .body(body.to_string())
            .send()
    };
    assert_eq!(post(&leader, yaml).await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = post(&dx, yaml).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(post(&dx, yaml).await.unwrap().status(), StatusCode::CONFLICT);
    let r = post(&dx, &yaml.replace("kind: table", "kind: radar")).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"]["en"].as_str().unwrap().contains("radar"), "{body}");
    let r = post(&dx, &yaml.replace("slug: can-bo", "slug: Cán Bộ")).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "slug");

    // Personal data in a panel is masked for a province-wide reader, as everywhere.
    let (s, d) = app.get_json("/api/v1/dashboards/can-bo/panels/ds/data", &leader).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    for row in d["rows"].as_array().unwrap() {
        assert!(row[1].as_str().unwrap().contains('*'), "CCCD in clear: {row:?}");
    }
    // A panel cannot write or read files.
    let evil = yaml.replace(
        "SELECT ho_ten, cccd FROM can_bo_cong_chuc ORDER BY ma_can_bo LIMIT 5",
        "COPY (SELECT 1) TO '/tmp/x.csv'",
    );
    let put = |key: &str, body: String, if_match: Option<&str>| {
        let mut r = client()
            .put(app.url("/api/v1/dashboards/can-bo"))
            .bearer_auth(key)
            .header("content-type", "application/yaml")
            .body(body);
        if let Some(m) = if_match {
            r = r.header("if-match", m);
        }
        r.send()
    };
    assert_eq!(put(&dx, evil, Some("\"1\"")).await.unwrap().status(), StatusCode::OK);
    let (s, body) = app.get_json("/api/v1/dashboards/can-bo/panels/ds/data", &dx).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    // A stale version is a conflict; another slug in the body is refused.
    let r = put(&dx, yaml.to_string(), Some("\"1\"")).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = put(&dx, yaml.replace("slug: can-bo", "slug: khac"), None).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = put(&dx, yaml.to_string(), Some("ba")).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (s, v) = app.get_json("/api/v1/dashboards/can-bo/versions", &dx).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    assert_eq!(v["versions"][0]["version"], 2);
    assert_eq!(v["versions"][0]["saved_by"], "dx-office");
}

/// Messages an SMTP server received: (recipients, data).
type Mailbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server: accepts every message and keeps what it received.
async fn smtp_server() -> (u16, Mailbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Mailbox = Arc::default();
    let keep = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            let keep = keep.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let up = line.to_ascii_uppercase();
                    if up.starts_with("EHLO") || up.starts_with("HELO") {
                        w.write_all(b"250-test\r\n250 8BITMIME\r\n").await.unwrap();
                    } else if up.starts_with("RCPT TO:") {
                        rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                        w.write_all(b"250 ok\r\n").await.unwrap();
                    } else if up.starts_with("DATA") {
                        w.write_all(b"354 go on\r\n").await.unwrap();
                        let mut body = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            body.push_str(&l);
                            body.push('\n');
                        }
                        keep.lock().unwrap().push((std::mem::take(&mut rcpt), body));
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else if up.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        w.write_all(b"250 ok\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (port, got)
}

/// A webhook receiver: keeps every JSON body posted to it.
async fn webhook_server() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[tokio::test]
async fn alerts_reach_smtp_webhook_and_the_app_once_per_change() {
    let (port, mails) = smtp_server().await;
    let (hook, posts) = webhook_server().await;
    let app = spawn_with(Some(tinhso_ioc::MailConfig {
        host: "127.0.0.1".into(),
        port,
        security: "none".into(),
        username: String::new(),
        password: String::new(),
        from: "tinhso@gialai.gov.vn".into(),
    }))
    .await;
    seed(&app, &["ho-so-tthc"]).await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::ReadWrite).await;
    let post = |key: &str, body: Value| client().post(app.url("/api/v1/alerts")).bearer_auth(key).json(&body).send();
    let rule = json!({
        "name": "Tỷ lệ đúng hạn dưới 95%",
        "dashboard": "giam-sat-tthc", "panel": "dung-han-tong", "column": "ty_le_dung_han",
        "op": "<", "threshold": 95,
        "emails": ["lanh-dao@gialai.gov.vn"], "webhook": hook,
    });

    // Bad rules, each refused with its field.
    let cases = [
        (json!({"op": "~"}), "op"),
        (json!({"emails": ["khong-phai-email"]}), "emails"),
        (json!({"webhook": "ftp://x.vn/h"}), "webhook"),
        (json!({"panel": "khong-co"}), "panel"),
        (json!({"column": "khong_co"}), "column"),
        (json!({"dashboard": "khong-co"}), "dashboard"),
        (json!({"filters": {"commune": "99999"}}), "commune"),
        (json!({"in_app": false, "emails": [], "webhook": ""}), "in_app"),
        (json!({"name": " "}), "name"),
    ];
    for (patch, field) in cases {
        let mut body = rule.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = post(&dx, body).await.unwrap();
        assert_eq!(
            r.status(),
            if field == "dashboard" { StatusCode::NOT_FOUND } else { StatusCode::BAD_REQUEST },
            "{field}"
        );
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["field"], field, "{b}");
    }
    assert_eq!(post(&leader, rule.clone()).await.unwrap().status(), StatusCode::FORBIDDEN);

    let r = post(&dx, rule.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["state"], "unknown");
    // A rule that holds: no delivery.
    let mut quiet = rule.clone();
    quiet["name"] = json!("Quá hạn trên 100 000");
    quiet["panel"] = json!("qua-han");
    quiet["column"] = json!("so_qua_han");
    quiet["op"] = json!(">");
    quiet["threshold"] = json!(100000);
    assert_eq!(post(&dx, quiet).await.unwrap().status(), StatusCode::CREATED);

    let check = || client().post(app.url("/api/v1/alerts/check")).bearer_auth(&dx).send();
    let r = check().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let out: Value = r.json().await.unwrap();
    let checks = out["checks"].as_array().unwrap();
    let firing = checks.iter().find(|c| c["rule"] == created["id"]).unwrap();
    assert_eq!(firing["state"], "firing", "{firing}");
    assert!(firing["value"].as_f64().unwrap() < 95.0);
    let delivered: Vec<(&str, bool)> = firing["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["channel"].as_str().unwrap(), d["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(delivered, vec![("in_app", true), ("email", true), ("webhook", true)], "{firing}");
    let ok = checks.iter().find(|c| c["rule"] != created["id"]).unwrap();
    assert_eq!(ok["state"], "ok");
    assert!(ok["deliveries"].as_array().unwrap().is_empty());

    // The e-mail went through SMTP to the address, with the dashboard's link.
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, vec!["lanh-dao@gialai.gov.vn".to_string()]);
    let body = mails[0].1.replace("=\n", "");
    assert!(body.contains("/dashboards/giam-sat-tthc"), "{body}");
    assert!(body.to_ascii_lowercase().contains("subject:"), "{body}");
    // The webhook got the event as JSON.
    let posts = posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["state"], "firing");
    assert_eq!(posts[0]["rule"], created["id"]);
    assert_eq!(posts[0]["condition"]["op"], "<");
    // And the DX office has a notification.
    let (_, notes) = app.get_json("/api/v1/notifications", &dx).await;
    assert!(notes["unread"].as_i64().unwrap() >= 1);
    assert!(notes["notifications"][0]["title_vi"].as_str().unwrap().contains("Tỷ lệ đúng hạn dưới 95%"));

    // Checking again: same state, nothing new delivered.
    let out: Value = check().await.unwrap().json().await.unwrap();
    let again = out["checks"].as_array().unwrap().iter().find(|c| c["rule"] == created["id"]).unwrap().clone();
    assert_eq!(again["state"], "firing");
    assert!(again["event"].is_null());
    assert_eq!(posts.len(), 1);
    let (_, ev) = app.get_json(&format!("/api/v1/alerts/events?rule={}", created["id"]), &dx).await;
    assert_eq!(ev["events"].as_array().unwrap().len(), 1);
    assert_eq!(ev["events"][0]["deliveries"].as_array().unwrap().len(), 3);

    // Read, then turn the rule off.
    let r =
        client().post(app.url("/api/v1/notifications/read")).bearer_auth(&dx).json(&json!({})).send().await.unwrap();
    assert!(r.json::<Value>().await.unwrap()["marked"].as_u64().unwrap() >= 1);
    let r = client()
        .post(app.url(&format!("/api/v1/alerts/{}/enabled", created["id"])))
        .bearer_auth(&dx)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["enabled"], false);
    let out: Value = check().await.unwrap().json().await.unwrap();
    assert_eq!(out["checks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn dashboard_pages_edit_import_alerts_and_notifications() {
    let app = spawn().await;
    seed(&app, &["ho-so-tthc"]).await;
    let dx = app.login("dx-office").await;

    let list = dx.get(app.url("/dashboards")).send().await.unwrap().text().await.unwrap();
    for slug in ["tong-quan-cds", "giam-sat-tthc", "chat-luong-du-lieu", "nganh"] {
        assert!(list.contains(&format!("data-slug=\"{slug}\"")), "{slug} not listed");
    }
    let page = dx.get(app.url("/dashboards/giam-sat-tthc")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"dashboard-def\""));
    assert!(page.contains("class=\"panel w-3\" id=\"panel-tiep-nhan\""), "{page}");
    assert!(page.contains("<option value=\"21553\">"), "communes in the filter");
    assert!(page.contains("/assets/echarts.min.js"));
    let wall = dx.get(app.url("/dashboards/giam-sat-tthc/wall")).send().await.unwrap().text().await.unwrap();
    assert!(wall.contains("data-wall=\"true\""));
    for asset in
        ["/assets/echarts.min.js", "/assets/dashboard.js", "/assets/dashboard.css", "/assets/geo/communes.json"]
    {
        let r = client().get(app.url(asset)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{asset}");
    }
    let geo: Value = client().get(app.url("/assets/geo/communes.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 135);

    // The editor: a bad definition keeps the text and names the field; a good one is version 2.
    let edit = dx.get(app.url("/dashboards/giam-sat-tthc/edit")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&edit, "csrf");
    let (_, def) = {
        let key = app.key("dx-office", ApiKeyAccess::Read).await;
        app.get_json("/api/v1/dashboards/giam-sat-tthc", &key).await
    };
    assert_eq!(def["version"], 1);
    let yaml =
        dx.get(app.url("/api/v1/dashboards/giam-sat-tthc?format=yaml")).send().await.unwrap().text().await.unwrap();
    let bad = yaml.replace("kind: gauge", "kind: dial");
    let r = dx
        .post(app.url("/dashboards/giam-sat-tthc/edit"))
        .form(&[("csrf", csrf.as_str()), ("definition", bad.as_str()), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"dash-error\"") && body.contains("dial"), "{body}");
    let good = yaml.replace("title: Giám sát giải quyết thủ tục hành chính", "title: Giám sát TTHC toàn tỉnh");
    let r = dx
        .post(app.url("/dashboards/giam-sat-tthc/edit"))
        .form(&[("csrf", csrf.as_str()), ("definition", good.as_str()), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = dx.get(app.url("/dashboards/giam-sat-tthc")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>Giám sát TTHC toàn tỉnh</h1>"));
    // Without the CSRF token nothing is saved.
    let r = dx
        .post(app.url("/dashboards/giam-sat-tthc/edit"))
        .form(&[("definition", good.as_str()), ("version", "2")])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::SEE_OTHER);

    // Import: markup in a title never escapes the page's JSON.
    let evil = "slug: thu-xss\ntitle: \"</script><script>alert(1)</script>\"\ntitle_en: x\npanels:\n  - id: a\n    title: a\n    title_en: a\n    kind: kpi\n    y: [n]\n    sql: SELECT 1 AS n\n";
    let r = dx
        .post(app.url("/dashboards/new"))
        .form(&[("csrf", csrf.as_str()), ("definition", evil)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = dx.get(app.url("/dashboards/thu-xss")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"), "markup leaked into the page");
    assert!(page.contains("\\u003c/script\\u003e"));

    // Others cannot edit.
    let leader = app.login("leader").await;
    let r = leader.get(app.url("/dashboards/giam-sat-tthc/edit")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = leader.get(app.url("/dashboards")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Alerts through the form: a bad threshold is refused with the field; a good rule fires on "check now".
    let alerts = dx.get(app.url("/alerts")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&alerts, "csrf");
    let form = |threshold: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "Quá hạn".to_string()),
            ("dashboard", "giam-sat-tthc".to_string()),
            ("panel", "qua-han".to_string()),
            ("column", "so_qua_han".to_string()),
            ("op", ">".to_string()),
            ("threshold", threshold.to_string()),
            ("in_app", "on".to_string()),
        ]
    };
    let r = dx.post(app.url("/alerts")).form(&form("abc")).send().await.unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"alert-error\"") && body.contains("threshold"), "{body}");
    let r = dx.post(app.url("/alerts")).form(&form("0")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = dx.post(app.url("/alerts/check")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("data-state=\"firing\""), "{body}");
    let notes = dx.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(notes.contains("Cảnh báo: Quá hạn"), "{notes}");
    assert!(notes.contains("class=\"unread\""));
    let r = dx.post(app.url("/notifications/read")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let notes = dx.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(!notes.contains("class=\"unread\""));
    assert!(notes.contains("id=\"notif-count\">0<"));
}
