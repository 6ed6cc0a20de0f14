//! The DX programme tracker over HTTP: plans (JSON and the XLSX template,
//! all-or-nothing with every error named), KPIs computed by SQL from the
//! warehouse (checked against the same figure computed independently), the
//! monthly review cycle with an agency late and one missing, a review closed
//! to late reports, DTI import and scoring, community-team statistics, the
//! monthly report as DOCX (its XML checked) and XLSX, and the pages.

use std::io::Read;

use serde_json::json;
use tinhso_dx::Month;
use tinhso_store::ApiKeyAccess;
use tinhso_warehouse::Actor;

use super::*;

async fn post(app: &App, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
    let r = client().post(app.url(path)).bearer_auth(key).json(&body).send().await.unwrap();
    let s = r.status();
    let text = r.text().await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn upload(app: &App, path: &str, key: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = client().post(app.url(path)).bearer_auth(key).multipart(form).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn fields(problem: &Value) -> Vec<String> {
    match problem["errors"].as_array() {
        Some(a) => a.iter().map(|e| e["field"].as_str().unwrap_or("").to_string()).collect(),
        None => vec![problem["field"].as_str().unwrap_or("").to_string()],
    }
}

fn bilingual(problem: &Value) {
    let vi = problem["message"]["vi"].as_str().unwrap_or("");
    let en = problem["message"]["en"].as_str().unwrap_or("");
    assert!(!vi.is_empty() && !en.is_empty() && vi != en, "{problem}");
}

fn plan_doc(year: i32, tasks: Value) -> Value {
    json!({"code": format!("KH-{year}"), "title": "Kế hoạch chuyển đổi số", "agency": "UBND",
           "year_from": year, "year_to": year, "issued_on": format!("05/01/{year}"), "tasks": tasks})
}

#[tokio::test]
async fn plans_are_checked_as_a_whole_json_and_xlsx() {
    let app = spawn().await;
    dashboards::seed(&app, &["ho-so-tthc"]).await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    let good = plan_doc(
        2026,
        json!([
            {"code": "DL-01", "group": "Dữ liệu số", "title": "Kho dữ liệu dùng chung", "lead": "SKHCN", "cooperating": ["SYT", "Sở Tài chính"],
             "start": "01/02/2026", "due": "31/12/2026", "budget": "4,5 tỷ", "status": "Đang thực hiện", "progress": "40%", "datasets": ["ho-so-tthc"]},
            {"code": "YT-01", "group": "chinh-quyen-so", "title": "Hồ sơ sức khỏe điện tử", "lead": "SYT", "due": "2026-06-30"}
        ]),
    );
    let (s, v) = post(&app, "/api/v1/plans", &dx, good.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["tasks"][0]["budget"], 4_500_000_000i64);
    assert_eq!(v["tasks"][0]["cooperating"], json!(["SYT", "STC"]));
    assert_eq!(v["summary"]["tasks"], 2);
    assert_eq!(v["summary"]["by_group"].as_array().unwrap().len(), 10);
    let (s, list) = app.get_json("/api/v1/plans", &leader).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["plans"].as_array().unwrap().len(), 1);

    // Every bad cell at once, nothing saved.
    let bad = plan_doc(
        2027,
        json!([
            {"code": "A", "group": "Đô thị thông minh", "title": "x", "lead": "SO-LA", "due": "31/12/2027"},
            {"code": "B", "group": "Xã hội số", "title": "y", "lead": "SYT", "start": "01/06/2027", "due": "01/05/2027", "progress": 120}
        ]),
    );
    let (s, p) = post(&app, "/api/v1/plans", &dx, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    bilingual(&p);
    let f = fields(&p);
    for want in ["tasks[0].group", "tasks[0].lead", "tasks[1].due", "tasks[1].progress"] {
        assert!(f.iter().any(|x| x == want), "{want} in {f:?}");
    }
    let (_, list) = app.get_json("/api/v1/plans", &leader).await;
    assert_eq!(list["plans"].as_array().unwrap().len(), 1, "nothing half-saved");
    // Only the DX office writes.
    let (s, _) = post(&app, "/api/v1/plans", &leader, good.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let officer = app.key("health-admin", ApiKeyAccess::ReadWrite).await;
    let (s, _) = post(&app, "/api/v1/plans", &officer, good).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The XLSX template: export, change, import again.
    let id = v["id"].as_i64().unwrap();
    let r = client().get(app.url(&format!("/api/v1/plans/{id}/xlsx"))).bearer_auth(&leader).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    let (s, v2) = upload(&app, "/api/v1/plans/import", &dx, "ke-hoach.xlsx", bytes).await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(v2["tasks"][0]["progress"], 40);

    // A bad spreadsheet: errors name file, sheet, cell and column; nothing saved.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sh = wb.add_worksheet();
    sh.set_name("Kế hoạch").unwrap();
    for (i, (l, val)) in
        [("Số, ký hiệu kế hoạch", "KH-XLSX"), ("Tên kế hoạch", "Kế hoạch"), ("Từ năm", "2026"), ("Đến năm", "2026")]
            .iter()
            .enumerate()
    {
        sh.write(i as u32, 0, *l).unwrap();
        sh.write(i as u32, 1, *val).unwrap();
    }
    let t = wb.add_worksheet();
    t.set_name("Nhiệm vụ").unwrap();
    for (c, h) in
        ["Mã nhiệm vụ", "Nhóm nhiệm vụ", "Nhiệm vụ", "Cơ quan chủ trì", "Ngày bắt đầu", "Hạn hoàn thành", "Tiến độ (%)"]
            .iter()
            .enumerate()
    {
        t.write(0, c as u16, *h).unwrap();
    }
    for (c, val) in ["X1", "Nhóm lạ", "Việc", "Sở Không Có", "01/07/2026", "01/03/2026", "150"].iter().enumerate()
    {
        t.write(1, c as u16, *val).unwrap();
    }
    for (c, val) in ["X2", "Hạ tầng số", "Việc tốt", "SYT", "", "30/09/2026", "10"].iter().enumerate() {
        t.write(2, c as u16, *val).unwrap();
    }
    let (s, p) = upload(&app, "/api/v1/plans/import", &dx, "ke-hoach-sai.xlsx", wb.save_to_buffer().unwrap()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    let f = fields(&p);
    for want in [
        "ke-hoach-sai.xlsx: Nhiệm vụ!B2 (Nhóm nhiệm vụ)",
        "ke-hoach-sai.xlsx: Nhiệm vụ!D2 (Cơ quan chủ trì)",
        "ke-hoach-sai.xlsx: Nhiệm vụ!F2 (Hạn hoàn thành)",
        "ke-hoach-sai.xlsx: Nhiệm vụ!G2 (Tiến độ (%))",
    ] {
        assert!(f.iter().any(|x| x == want), "{want} in {f:?}");
    }
    let (_, list) = app.get_json("/api/v1/plans", &leader).await;
    assert!(list["plans"].as_array().unwrap().iter().all(|p| p["code"] != "KH-XLSX"), "nothing half-saved");
    let (s, p) = upload(&app, "/api/v1/plans/import", &dx, "khong-phai.xlsx", b"hello".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["field"], "khong-phai.xlsx");
    let r = client().get(app.url("/api/v1/plans/template")).bearer_auth(&leader).send().await.unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn kpis_are_computed_from_the_warehouse() {
    let app = spawn().await;
    dashboards::seed(&app, &["ho-so-tthc"]).await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    // The month with the most dossiers, and its online share computed independently.
    let r = app
        .warehouse
        .sql(&Actor::system(), "SELECT CAST(date_trunc('month', ngay_tiep_nhan) AS DATE) AS m, count(*) AS n FROM ho_so_tthc GROUP BY 1 ORDER BY n DESC, m LIMIT 1")
        .await
        .unwrap();
    let m = Month::parse("m", &r.rows[0][0].as_str().unwrap()[..7]).unwrap();
    let sql =
        "SELECT round(100.0 * sum(CASE WHEN truc_tuyen THEN 1 ELSE 0 END) / count(*), 1) AS actual FROM ho_so_tthc \
               WHERE ngay_tiep_nhan >= {{month_start}} AND ngay_tiep_nhan < {{month_end}}";
    let direct = app.warehouse.sql(&Actor::system(), &tinhso_dx::kpi::expand(sql, m).unwrap()).await.unwrap().rows[0]
        [0]
    .as_f64()
    .unwrap();
    let kpi = json!({"code": "ho-so-truc-tuyen", "name": "Tỷ lệ hồ sơ nộp trực tuyến", "group": "Chính quyền số", "unit": "%",
                     "baseline": "40,5", "baseline_on": "01/01/2025", "target": 80, "target_on": "31/12/2027", "method": "sql", "sql": sql});
    let (s, v) = post(&app, "/api/v1/kpis", &dx, kpi).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["baseline"], 40.5);
    let (s, v) = post(&app, "/api/v1/kpis/ho-so-truc-tuyen/compute", &dx, json!({"from": m.to_string()})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["values"][0][1].as_f64().unwrap(), direct);
    let (_, list) = app.get_json(&format!("/api/v1/kpis?as_of={}", m.last_day()), &leader).await;
    let k = list["kpis"].as_array().unwrap().iter().find(|k| k["code"] == "ho-so-truc-tuyen").unwrap().clone();
    assert_eq!(k["target"], 80.0);
    assert_eq!(k["actual"].as_f64().unwrap(), direct);
    assert!(["achieved", "on_track", "at_risk", "late"].contains(&k["status"].as_str().unwrap()), "{k}");
    assert_eq!(k["history"].as_array().unwrap().last().unwrap()["source"], "sql");
    // The computation is audited as a read of the dataset.
    let audit = app.store.audit_entries(&tinhso_store::AuditQuery { limit: 200, ..Default::default() }).await.unwrap();
    assert!(audit.iter().any(|e| e.entry.action == "kpi.read" && e.entry.dataset == "ho-so-tthc"));

    // SQL that fails, returns no row, or no number: refused, nothing saved.
    for (code, sql, says) in [
        ("k-loi", "SELECT count(*) AS actual FROM bang_khong_co", "bang_khong_co"),
        ("k-rong", "SELECT 1 AS actual FROM ho_so_tthc WHERE false", "no row"),
        ("k-null", "SELECT CAST(NULL AS DOUBLE) AS actual", "no number"),
        ("k-tham-so", "SELECT 1 AS actual WHERE {{commune}} = 1", "{{commune}}"),
    ] {
        let doc = json!({"code": code, "name": "x", "group": "Dữ liệu số", "unit": "%", "baseline": 0, "baseline_on": "2025-01-01",
                         "target": 10, "target_on": "2026-12-31", "method": "sql", "sql": sql});
        let (s, p) = post(&app, "/api/v1/kpis", &dx, doc).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{code}: {p}");
        assert_eq!(p["field"], "sql", "{code}");
        assert!(p["message"]["en"].as_str().unwrap().contains(says), "{code}: {p}");
        bilingual(&p);
    }
    let (_, list) = app.get_json("/api/v1/kpis", &leader).await;
    assert_eq!(list["kpis"].as_array().unwrap().len(), 1, "nothing half-saved");
    // Hand-entered values and bad ones.
    let manual = json!({"code": "sme", "name": "Doanh nghiệp nhỏ và vừa dùng nền tảng số", "group": "Kinh tế số", "unit": "%",
                        "baseline": 28, "baseline_on": "2023-01-01", "target": 50, "target_on": "2023-12-31", "method": "manual"});
    assert_eq!(post(&app, "/api/v1/kpis", &dx, manual).await.0, StatusCode::CREATED);
    let r = client()
        .post(app.url("/api/v1/kpis/sme/values"))
        .bearer_auth(&dx)
        .json(&json!({"values": [{"month": "2023-06", "value": "38,5"}, {"month": "2023-12", "value": 44}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, mid) = app.get_json("/api/v1/kpis?as_of=2023-07-01", &leader).await;
    let k = mid["kpis"].as_array().unwrap().iter().find(|k| k["code"] == "sme").unwrap().clone();
    assert_eq!((k["actual"].as_f64(), k["status"].as_str()), (Some(38.5), Some("on_track")), "{k}");
    let (_, end) = app.get_json("/api/v1/kpis?as_of=2024-01-15", &leader).await;
    let k = end["kpis"].as_array().unwrap().iter().find(|k| k["code"] == "sme").unwrap().clone();
    assert_eq!((k["actual"].as_f64(), k["status"].as_str()), (Some(44.0), Some("late")), "{k}");
    for body in [
        json!({"values": [{"month": "2023-13", "value": 1}]}),
        json!({"values": [{"month": "2023-01", "value": 150}]}),
        json!({"values": [{"month": "2023-01", "value": "abc"}]}),
    ] {
        let r = client().post(app.url("/api/v1/kpis/sme/values")).bearer_auth(&dx).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let (s, _) = app.get_json("/api/v1/kpis?as_of=31-02-2023", &leader).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_review_cycle_flags_late_and_missing_agencies() {
    let app = spawn().await;
    let dx_key = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let health = app.key("health-admin", ApiKeyAccess::ReadWrite).await;
    let officer = app.key("health-officer", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    let now = tinhso_store::now();
    let today = tinhso_dx::review::vn_day(now);
    let month = Month::of(today).prev();
    let year = month.year;
    let plan = plan_doc(
        year,
        json!([
            {"code": "YT-01", "group": "Chính quyền số", "title": "Bệnh án điện tử", "lead": "SYT", "cooperating": ["SKHCN"], "start": format!("01/01/{year}"), "due": format!("31/12/{year}"), "progress": 20},
            {"code": "GD-01", "group": "Dữ liệu số", "title": "CSDL giáo dục", "lead": "SGDDT", "start": format!("01/01/{year}"), "due": format!("31/12/{year}")},
            {"code": "NV-01", "group": "Nhân lực số", "title": "Đào tạo kỹ năng số", "lead": "SNV", "start": format!("01/01/{year}"), "due": format!("31/12/{year}")}
        ]),
    );
    assert_eq!(post(&app, "/api/v1/plans", &dx_key, plan).await.0, StatusCode::CREATED);
    // Opened last month (its due day has passed): the DX office only.
    let (s, _) = post(&app, "/api/v1/reviews", &health, json!({"month": month.to_string()})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = post(&app, "/api/v1/reviews", &dx_key, json!({"month": month.to_string()})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["counts"]["agencies"], 4, "{v}");
    let (s, _) = post(&app, "/api/v1/reviews", &dx_key, json!({"month": month.to_string()})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Education reported on time (at 20:00 on the due day, Vietnam time), through the tracker's clock.
    let due = tinhso_dx::Schedule::default().due_on(month);
    let on_time = chrono::TimeZone::from_local_datetime(&tinhso_dx::review::vn(), &due.and_hms_opt(20, 0, 0).unwrap())
        .unwrap()
        .timestamp();
    let edu = tinhso_dx::review::ReportDoc {
        items: vec![],
        obstacles: "Thiếu nhân lực CNTT.".into(),
        proposals: String::new(),
    };
    let admin = app.store.user_by_username("dx-office").await.unwrap().unwrap();
    let actor = tinhso_warehouse::Actor {
        user_id: Some(admin.id),
        role: admin.role,
        scope: tinhso_domain::Scope::Province,
        agency_id: admin.agency_id,
        system_id: None,
        who: Default::default(),
    };
    assert!(!app.tracker.submit_report(&actor, month, "SGDDT", &edu, on_time).await.unwrap());
    // Health reports now, after the due day: late. Bad items first.
    let path = format!("/api/v1/reviews/{month}/reports/SYT");
    for (body, field) in [
        (json!({"items": [{"task": "YT-01", "progress": 150}]}), "items[0].progress"),
        (json!({"items": [{"task": "GD-01", "result": "x"}]}), "items[0].task"),
        (json!({"items": [{"task": "KHONG-CO"}]}), "items[0].task"),
    ] {
        let (s, p) = post(&app, &path, &health, body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(p["field"], field);
        bilingual(&p);
    }
    let (s, _) = post(&app, &format!("/api/v1/reviews/{month}/reports/SKHCN"), &officer, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another agency's report");
    let (s, _) = post(&app, &path, &leader, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let report = json!({"items": [{"task": "YT-01", "progress": 45, "result": "Triển khai tại 3 bệnh viện", "obstacles": "Chưa có kinh phí"}],
                        "proposals": "Đề nghị bố trí kinh phí"});
    let (s, v) = post(&app, &path, &health, report.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["late"], true);
    // The task's progress follows the report.
    let (_, plans) = app.get_json("/api/v1/plans", &leader).await;
    let yt = plans["plans"][0]["tasks"].as_array().unwrap().iter().find(|t| t["code"] == "YT-01").unwrap().clone();
    assert_eq!(yt["progress"], 45);
    // States: education on time, health late, the others missing.
    let (_, r) = app.get_json(&format!("/api/v1/reviews/{month}"), &leader).await;
    let state =
        |code: &str| r["reports"].as_array().unwrap().iter().find(|x| x["agency"] == code).unwrap()["state"].clone();
    assert_eq!(
        (state("SGDDT"), state("SYT"), state("SNV"), state("SKHCN")),
        (json!("on_time"), json!("late"), json!("missing"), json!("missing"))
    );
    assert_eq!(r["counts"]["late"], 1);
    // An agency sees only its own report.
    let (_, mine) = app.get_json(&format!("/api/v1/reviews/{month}"), &health).await;
    assert_eq!(mine["reports"].as_array().unwrap().len(), 1);
    // The "where do I start" list of health names its task; no report is due any more once submitted.
    let (_, start) = app.get_json("/api/v1/start", &health).await;
    assert!(start["reports"].as_array().unwrap().is_empty(), "{start}");
    let (_, start) = app.get_json("/api/v1/start?agency=SNV", &leader).await;
    assert_eq!(start["reports"][0]["overdue"], true, "{start}");
    let (s, _) = app.get_json("/api/v1/start?agency=SNV", &health).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "outside the caller's scope");
    // Closing consolidates; a report after that is refused and nothing changes.
    let (s, v) =
        post(&app, &format!("/api/v1/reviews/{month}/close"), &dx_key, json!({"meeting_on": today.to_string()})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let summary = v["summary"].as_str().unwrap();
    assert!(
        summary.contains("Nộp muộn: Sở Y tế") && summary.contains("Chưa nộp") && summary.contains("Chưa có kinh phí"),
        "{summary}"
    );
    let (s, p) = post(&app, &path, &health, json!({"items": [{"task": "YT-01", "progress": 90}]})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{p}");
    bilingual(&p);
    let (_, plans) = app.get_json("/api/v1/plans", &leader).await;
    let yt = plans["plans"][0]["tasks"].as_array().unwrap().iter().find(|t| t["code"] == "YT-01").unwrap().clone();
    assert_eq!(yt["progress"], 45, "a refused report changes nothing");
    let (s, _) = post(&app, &format!("/api/v1/reviews/{month}/close"), &dx_key, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = post(&app, "/api/v1/reviews", &dx_key, json!({"month": "2026-13"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The schedule: on the opening day the month's review opens and agencies are reminded.
    let this = Month::of(today);
    let open_at =
        chrono::TimeZone::from_local_datetime(&tinhso_dx::review::vn(), &this.day(20).and_hms_opt(9, 0, 0).unwrap())
            .unwrap()
            .timestamp();
    let done = app.tracker.tick(open_at - 86_400).await.unwrap();
    assert!(done.is_empty(), "not before the day: {done:?}");
    let done = app.tracker.tick(open_at).await.unwrap();
    assert!(done.iter().any(|d| d.starts_with("opened")), "{done:?}");
    let health_user = app.store.user_by_username("health-admin").await.unwrap().unwrap();
    let before = app.store.unread_notifications(health_user.id).await.unwrap();
    assert!(before >= 1);
    let remind_at = open_at + 3 * 86_400;
    let done = app.tracker.tick(remind_at).await.unwrap();
    assert!(done.iter().any(|d| d.starts_with("reminded")), "{done:?}");
    assert!(app.store.unread_notifications(health_user.id).await.unwrap() > before);
    let again = app.tracker.tick(remind_at + 60).await.unwrap();
    assert!(again.is_empty(), "one reminder a day: {again:?}");
}

#[tokio::test]
async fn dti_import_scoring_and_evidence() {
    let app = spawn().await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    let (s, v) =
        upload(&app, "/api/v1/dti/rankings", &dx, "dti-2022-provinces.csv", tinhso_dx::dti::RANKING_2022.to_vec())
            .await;
    assert_eq!((s, v["rows"].clone()), (StatusCode::CREATED, json!(63)), "{v}");
    let (s, _) = upload(&app, "/api/v1/dti/rankings", &leader, "dti.csv", tinhso_dx::dti::RANKING_2022.to_vec()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let bad = "year,rank,province,score,nhan_thuc_so\n2022,1,TP. Đà Nẵng,1.5,\n2022,70,Gia Lai,,\n2022,3,Xứ Sở,,\n";
    let (s, p) = upload(&app, "/api/v1/dti/rankings", &dx, "sai.csv", bad.as_bytes().to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(fields(&p), ["sai.csv:2:score", "sai.csv:3:rank", "sai.csv:4:province"]);
    // Official results and the target.
    for (body, status) in [
        (json!({"index": "DTI", "year": 2022, "rank": 47, "of": 63, "source": "HĐND"}), StatusCode::NO_CONTENT),
        (json!({"index": "DTI", "year": 2030, "rank": 70, "of": 63}), StatusCode::BAD_REQUEST),
        (json!({"index": "DTI", "year": 2022, "score": 1.2}), StatusCode::BAD_REQUEST),
        (json!({"index": "DTI", "year": 2022, "sub_indices": {"1": -0.1}}), StatusCode::BAD_REQUEST),
        (json!({"index": "XYZ", "year": 2022}), StatusCode::BAD_REQUEST),
        (json!({"index": "PCI", "year": 2022, "score": 65.12, "rank": 30}), StatusCode::NO_CONTENT),
    ] {
        let r = client().post(app.url("/api/v1/indices/results")).bearer_auth(&dx).json(&body).send().await.unwrap();
        assert_eq!(r.status(), status, "{body}");
    }
    let r = client()
        .post(app.url("/api/v1/indices/targets"))
        .bearer_auth(&dx)
        .json(&json!({"index": "DTI", "year": 2030, "rank_target": 20}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Self-assessment: values out of range and unknown indicators refused; the score computed.
    let (s, p) = post(
        &app,
        "/api/v1/dti/assessments/2022",
        &dx,
        json!({"items": [{"indicator": "1", "value": 1.5}, {"indicator": "99", "value": 0.5}]}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(fields(&p), ["items[0].value", "items[1].indicator"]);
    // Đà Nẵng's published indices give its published score.
    let items: Vec<Value> = [
        ("1", 1.0),
        ("2", 0.9),
        ("3", 0.8253),
        ("4", 0.8487),
        ("5", 0.7578),
        ("7", 0.8575),
        ("8", 0.7836),
        ("9", 0.5197),
    ]
    .iter()
    .map(|(i, v)| json!({"indicator": i, "value": v, "evidence": "dti.gov.vn"}))
    .collect();
    let (s, score) = post(&app, "/api/v1/dti/assessments/2022", &dx, json!({"items": items})).await;
    assert_eq!(s, StatusCode::OK, "{score}");
    assert!((score["total"].as_f64().unwrap() - 0.8002).abs() < 0.0001, "{score}");
    let (s, r) = app.get_json("/api/v1/dti/results?year=2022", &leader).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((r["province"]["rank"].clone(), r["province"]["of"].clone()), (json!(47), json!(63)));
    assert_eq!(r["ranking"].as_array().unwrap().len(), 63);
    assert_eq!(r["ranking"][0]["score"], 0.8002);
    let gl = r["ranking"].as_array().unwrap().iter().find(|x| x["province"] == "Gia Lai").unwrap().clone();
    assert_eq!((gl["rank"].clone(), gl["score"].clone()), (json!(62), Value::Null), "unpublished stays empty");
    assert_eq!(r["targets"][0]["rank_target"], 20);
    assert_eq!(r["framework"], "dti-2022");
    // Evidence: the right type only.
    let pdf = b"%PDF-1.4\n% minh chung\n".to_vec();
    let (s, v) = upload(&app, "/api/v1/dti/assessments/2022/1/evidence", &dx, "ke-hoach.pdf", pdf.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let r = client().get(app.url(v["link"].as_str().unwrap())).bearer_auth(&leader).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    for (name, bytes, field) in [
        ("virus.exe", b"MZ".to_vec(), "file"),
        ("gia.pdf", b"not a pdf".to_vec(), "file"),
        ("a.pdf", pdf.clone(), "indicator"),
    ] {
        let path = if field == "indicator" {
            "/api/v1/dti/assessments/2022/99/evidence"
        } else {
            "/api/v1/dti/assessments/2022/1/evidence"
        };
        let (s, p) = upload(&app, path, &dx, name, bytes).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {p}");
        assert_eq!(p["field"], field);
    }
    let (s, _) = app.get_json("/api/v1/dti/results?year=1990", &leader).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let r = client()
        .put(app.url("/api/v1/dti/frameworks"))
        .bearer_auth(&dx)
        .body("code: x\nindices: [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_demo_programme_and_its_monthly_report() {
    let app = spawn().await;
    dashboards::seed(&app, &["ho-so-tthc", "to-cong-nghe-so", "doanh-nghiep", "tai-khoan-thanh-toan"]).await;
    let today = tinhso_dx::review::vn_day(tinhso_store::now());
    assert!(tinhso_dx::demo::seed(&app.tracker, today).await.unwrap());
    assert!(!tinhso_dx::demo::seed(&app.tracker, today).await.unwrap(), "seeded once");
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    // The 2023 KPIs of the articles.
    let (_, k) = app.get_json("/api/v1/kpis?as_of=2023-12-31", &leader).await;
    let targets: Vec<f64> = k["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["code"].as_str().unwrap().ends_with("-2023"))
        .map(|k| k["target"].as_f64().unwrap())
        .collect();
    let mut sorted = targets.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(sorted, [35.0, 50.0, 80.0, 100.0]);
    assert!(k["kpis"].as_array().unwrap().iter().all(|k| k.get("actual").is_some() && k.get("status").is_some()));
    // This year's KPIs computed by SQL have values from the warehouse.
    let (_, now) = app.get_json("/api/v1/kpis", &leader).await;
    let dvc = now["kpis"].as_array().unwrap().iter().find(|k| k["code"] == "dvc-phat-sinh-ho-so").unwrap().clone();
    assert_eq!(dvc["method"], "sql");
    assert!(dvc["actual"].as_f64().is_some(), "{dvc}");
    // The 10 groups, DTI ranks and the target, teams.
    let (_, plans) = app.get_json("/api/v1/plans", &leader).await;
    let p2023 = plans["plans"].as_array().unwrap().iter().find(|p| p["code"] == "KH-CĐS-2023").unwrap().clone();
    assert!(
        p2023["summary"]["by_group"].as_array().unwrap().iter().all(|g| g["tasks"].as_i64().unwrap() > 0),
        "all 10 groups have tasks"
    );
    let (_, d21) = app.get_json("/api/v1/dti/results?year=2021", &leader).await;
    let (_, d22) = app.get_json("/api/v1/dti/results?year=2022", &leader).await;
    assert_eq!(
        (d21["province"]["rank"].clone(), d22["province"]["rank"].clone(), d22["province"]["of"].clone()),
        (json!(34), json!(47), json!(63))
    );
    assert_eq!((d22["targets"][0]["year"].clone(), d22["targets"][0]["rank_target"].clone()), (json!(2030), json!(20)));
    let (s, t) = app.get_json("/api/v1/community-teams/stats", &leader).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let level = |l: &str| {
        t["by_level"].as_array().unwrap().iter().find(|x| x["level"] == l).map(|x| x["teams"].as_i64().unwrap())
    };
    assert_eq!((level("Thôn"), level("Xã"), level("Huyện")), (Some(843), Some(31), Some(2)), "{t}");
    assert!(t["members"].as_i64().unwrap() > 3600, "{t}");
    let direct =
        app.warehouse.sql(&Actor::system(), "SELECT sum(so_thanh_vien) FROM to_cong_nghe_so").await.unwrap().rows[0][0]
            .as_i64()
            .unwrap();
    assert_eq!(t["members"].as_i64().unwrap(), direct);
    assert_eq!(t["by_commune"].as_array().unwrap().len(), 135);
    // A year of reviews, some agencies late.
    let (_, reviews) = app.get_json("/api/v1/reviews", &leader).await;
    let r2023: Vec<&Value> = reviews["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["month"].as_str().unwrap().starts_with("2023"))
        .collect();
    assert_eq!(r2023.len(), 12);
    let (_, june) = app.get_json("/api/v1/reviews/2023-06", &leader).await;
    assert_eq!(june["status"], "closed");
    assert!(
        june["counts"]["late"].as_i64().unwrap() + june["counts"]["missing"].as_i64().unwrap() > 0,
        "{}",
        june["counts"]
    );
    assert!(june["counts"]["on_time"].as_i64().unwrap() > 0);

    // The monthly report: a DOCX in the Decree 30/2020 layout.
    let r = client().get(app.url("/api/v1/reports/monthly?month=2023-06")).bearer_auth(&leader).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let xml = document_xml(&bytes);
    for part in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH GIA LAI",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "/BC-SKHCN",
        "Gia Lai, ngày",
        "BÁO CÁO",
        "Tình hình thực hiện chuyển đổi số tháng 6 năm 2023",
        "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ",
        "Nhận thức số",
        "Nộp muộn",
        "Nơi nhận:",
        "Lưu: VT, SKHCN.",
        "GIÁM ĐỐC",
    ] {
        assert!(xml.contains(part), "the report has no «{part}»");
    }
    assert!(xml.contains("w:w=\"11906\"") && xml.contains("w:h=\"16838\""), "A4");
    let r = client()
        .get(app.url("/api/v1/reports/monthly?month=2023-06&format=xlsx"))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    for q in ["month=2023-13", "month=2023-06&format=pdf"] {
        let r =
            client().get(app.url(&format!("/api/v1/reports/monthly?{q}"))).bearer_auth(&leader).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    let r = client().get(app.url("/api/v1/reports/monthly?month=2023-06")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The pages.
    let c = app.login("leader").await;
    let html = c.get(app.url("/dx")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Tỷ lệ người trưởng thành có tài khoản thanh toán điện tử") && html.contains("id=\"dx-kpis\"")
    );
    assert!(html.contains("34/63") || html.contains("47/63"), "indices on the overview");
    assert!(!html.contains("id=\"dx-import\""), "the leader does not import");
    let html = c.get(app.url("/dx/dti?year=2022")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"dti-rank-chart\"") && html.contains("TP. Đà Nẵng"));
    assert!(html.contains("class=\"own\""), "the province's own rows are marked");
    let html = c.get(app.url("/dx/teams")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-level=\"Thôn\"") && html.contains(">843<"));
    let html = c.get(app.url("/dx/reviews/2023-06")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-state=\"late\"") || html.contains("data-state=\"missing\""));
    let html = c.get(app.url("/dx/plans/2")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-task=\"DL-01\""));
    // Health's "where do I start": its own tasks of this year, one overdue.
    let h = app.login("health-admin").await;
    let html = h.get(app.url("/dx/start")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-task=\"CĐS-01\"") && html.contains("data-task=\"CĐS-02\""), "{html}");
    // English.
    let e = app.login("leader").await;
    e.get(app.url("/lang/en?next=/dx")).send().await.unwrap();
    let html = e.get(app.url("/dx")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Digital transformation programme") && html.contains("Adults with e-payment accounts"));
}

#[tokio::test]
async fn a_report_is_submitted_and_a_plan_imported_from_the_pages() {
    let app = spawn().await;
    let dx_key = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let today = tinhso_dx::review::vn_day(tinhso_store::now());
    let month = Month::of(today);
    let year = month.year;
    let plan = plan_doc(
        year,
        json!([{"code": "YT-09", "group": "Dữ liệu số", "title": "Dữ liệu y tế", "lead": "SYT", "start": format!("01/01/{year}"), "due": format!("31/12/{year}"), "progress": 10}]),
    );
    assert_eq!(post(&app, "/api/v1/plans", &dx_key, plan).await.0, StatusCode::CREATED);
    // The DX office opens the review from the overview page.
    let d = app.login("dx-office").await;
    let csrf = page_csrf(&app, &d, "/dx").await;
    let r = d
        .post(app.url("/dx/reviews/open"))
        .form(&[("csrf", csrf.as_str()), ("month", &month.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Health fills its report on the review page.
    let h = app.login("health-admin").await;
    let page = h.get(app.url(&format!("/dx/reviews/{month}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"report-form\""), "{page}");
    let tasks = app.store.dx_tasks(None).await.unwrap();
    let id = tasks.iter().find(|t| t.code == "YT-09").unwrap().id.to_string();
    let csrf = hidden(&page, "csrf");
    let form = [
        ("csrf", csrf.clone()),
        ("agency", "SYT".to_string()),
        (format!("progress_{id}").leak() as &str, "35".to_string()),
        (format!("result_{id}").leak() as &str, "Đã kết nối 2 bệnh viện".to_string()),
        (format!("obstacles_{id}").leak() as &str, String::new()),
        (format!("proposals_{id}").leak() as &str, String::new()),
        ("obstacles", String::new()),
        ("proposals", String::new()),
    ];
    let html = h.post(app.url(&format!("/dx/reviews/{month}"))).form(&form).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"review-message\""), "{html}");
    assert_eq!(app.store.dx_task(id.parse().unwrap()).await.unwrap().unwrap().progress, 35);
    // Without the CSRF token nothing is saved.
    let mut bad = form.clone();
    bad[0].1 = "sai".into();
    bad[2].1 = "99".into();
    let r = h.post(app.url(&format!("/dx/reviews/{month}"))).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.dx_task(id.parse().unwrap()).await.unwrap().unwrap().progress, 35);
    // A plan imported from the page; a bad one lists its errors.
    let key = app.key("leader", ApiKeyAccess::Read).await;
    let r = client().get(app.url("/api/v1/plans/1/xlsx")).bearer_auth(&key).send().await.unwrap();
    let bytes = r.bytes().await.unwrap().to_vec();
    let csrf = page_csrf(&app, &d, "/dx").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("ke-hoach.xlsx"));
    let r = d.post(app.url("/dx/plans/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::multipart::Part::bytes(b"xx".to_vec()).file_name("hong.xlsx"));
    let html = d.post(app.url("/dx/plans/import")).multipart(form).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"dx-error\"") && html.contains("hong.xlsx"), "{html}");
    // Official results and the national ranking from the DTI page.
    let csrf = page_csrf(&app, &d, "/dx/dti").await;
    let r = d
        .post(app.url("/dx/indices"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("index", "PCI"),
            ("year", "2023"),
            ("rank", "30"),
            ("score", "65,12"),
            ("source", "VCCI"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let pci = app.store.dx_index_results(Some("PCI")).await.unwrap();
    assert_eq!((pci[0].rank, pci[0].of_count, pci[0].score), (Some(30), Some(63), Some(65.12)));
    let html = d
        .post(app.url("/dx/indices"))
        .form(&[("csrf", csrf.as_str()), ("index", "DTI"), ("year", "2023"), ("rank", "70"), ("of", "63")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"dti-error\"") && html.contains("70"), "{html}");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::multipart::Part::bytes(tinhso_dx::dti::RANKING_2022.to_vec()).file_name("dti-2022.csv"));
    let r = d.post(app.url("/dx/dti/rankings")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.dti_rankings(2022).await.unwrap().len(), 63);
}

/// `word/document.xml` of a DOCX.
fn document_xml(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a DOCX is a zip");
    let mut s = String::new();
    z.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut s).unwrap();
    s
}
