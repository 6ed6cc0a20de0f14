//! IT projects over HTTP: a project walked through every appraisal step
//! (with a return for missing documents), who may move it and in what order,
//! documents, deadlines and stalled detection with a controllable clock, the
//! budget rules, and the budget arithmetic against the seed figures (3.5 of
//! 50 bn in 2021, just over 4 of 50 in 2022, 286 bn requested unallocated).

use serde_json::json;
use tinhso_store::ApiKeyAccess;
use tinhso_warehouse::Actor;

use super::*;

async fn send(app: &App, method: reqwest::Method, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
    let r = client().request(method, app.url(path)).bearer_auth(key).json(&body).send().await.unwrap();
    let s = r.status();
    let text = r.text().await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post(app: &App, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
    send(app, reqwest::Method::POST, path, key, body).await
}

async fn attach(app: &App, id: i64, key: &str, item: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .text("item", item.to_string())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = client()
        .post(app.url(&format!("/api/v1/projects/{id}/documents")))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n% ho so\n".to_vec()
}

async fn actor(app: &App, username: &str) -> Actor {
    let u = app.store.user_by_username(username).await.unwrap().unwrap();
    let scope = match (u.role.province_wide(), u.agency_id, u.agency_path.clone()) {
        (true, _, _) => tinhso_domain::Scope::Province,
        (false, Some(id), Some(path)) => tinhso_domain::Scope::Subtree { agency_id: id, path },
        _ => tinhso_domain::Scope::Nothing,
    };
    Actor {
        user_id: Some(u.id),
        role: u.role,
        scope,
        agency_id: u.agency_id,
        system_id: None,
        who: tinhso_warehouse::Who {
            username: u.username.clone(),
            agency_code: u.agency_code.clone().unwrap_or_default(),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn a_project_walks_through_every_step_with_a_return() {
    let app = spawn().await;
    let owner = app.key("health-admin", ApiKeyAccess::ReadWrite).await;
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let finance = app.key("finance-officer", ApiKeyAccess::ReadWrite).await;
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    let other = app.key("commune-officer", ApiKeyAccess::ReadWrite).await;
    let doc = json!({"code": "DA-YT-01", "name": "Thuê phần mềm hồ sơ sức khỏe điện tử", "group": "Xã hội số",
                     "kind": "thue-dich-vu", "year": 2026, "requested": "4,5 tỷ", "funding_source": "Ngân sách tỉnh"});
    // Bad input first: each refused with its field, nothing created.
    for (patch, field) in [
        (json!({"requested": "abc"}), "requested"),
        (json!({"requested": -5}), "requested"),
        (json!({"kind": "mua-sam"}), "kind"),
        (json!({"group": "Đô thị thông minh"}), "group"),
        (json!({"owner": "SO-LA"}), "owner"),
        (json!({"tasks": [999999]}), "tasks[0]"),
    ] {
        let mut d = doc.clone();
        for (k, v) in patch.as_object().unwrap() {
            d[k] = v.clone();
        }
        let (s, p) = post(&app, "/api/v1/projects", &owner, d).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{patch}: {p}");
        let fields: Vec<String> = match p["errors"].as_array() {
            Some(a) => a.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect(),
            None => vec![p["field"].as_str().unwrap().to_string()],
        };
        assert!(fields.iter().any(|f| f == field), "{patch}: {p}");
        assert!(!p["message"]["vi"].as_str().unwrap().is_empty() && !p["message"]["en"].as_str().unwrap().is_empty());
    }
    let (s, _) = post(&app, "/api/v1/projects", &leader, doc.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut foreign = doc.clone();
    foreign["owner"] = json!("SYT");
    let (s, _) = post(&app, "/api/v1/projects", &other, foreign).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a commune registers no project for the health department");
    let (s, _) = app.get_json("/api/v1/projects", &leader).await;
    assert_eq!(s, StatusCode::OK);
    let (s, p) = post(&app, "/api/v1/projects", &owner, doc.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(
        (p["requested"].clone(), p["step"].clone(), p["owner"].clone()),
        (json!(4_500_000_000i64), json!("de-cuong"), json!("SYT"))
    );
    let id = p["id"].as_i64().unwrap();
    assert_eq!(post(&app, "/api/v1/projects", &owner, doc.clone()).await.0, StatusCode::CONFLICT, "same code twice");
    let t = format!("/api/v1/projects/{id}/transitions");

    // The owner cannot submit an incomplete dossier: the missing items are named.
    let (s, e) = post(&app, &t, &owner, json!({"action": "advance"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "documents");
    assert!(e["message"]["vi"].as_str().unwrap().contains("Kế hoạch thuê dịch vụ công nghệ thông tin"), "{e}");
    // Files: wrong type, too large, content not matching, item not on the checklist.
    for (item, name, bytes, field) in [
        ("to-trinh", "to-trinh.exe", b"MZ".to_vec(), "file"),
        ("to-trinh", "to-trinh.pdf", [b"%PDF-".as_slice(), &vec![b' '; 6 * 1024 * 1024]].concat(), "file"),
        ("to-trinh", "to-trinh.pdf", b"<html>".to_vec(), "file"),
        ("thiet-ke", "thiet-ke.pdf", pdf(), "item"),
    ] {
        let (s, p) = attach(&app, id, &owner, item, name, bytes).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {p}");
        assert_eq!(p["field"], field, "{name}");
    }
    let (s, _) = attach(&app, id, &other, "to-trinh", "a.pdf", pdf()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, wf) = app.get_json("/api/v1/projects/workflow", &leader).await;
    let items: Vec<String> = wf["checklists"]["thue-dich-vu"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["item"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(items.len(), 6);
    for item in &items {
        let (s, v) = attach(&app, id, &owner, item, &format!("{item}.pdf"), pdf()).await;
        assert_eq!(s, StatusCode::CREATED, "{item}: {v}");
    }
    let (s, v) = post(&app, &t, &owner, json!({"action": "advance", "from": "de-cuong"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["step"].clone(), v["assignee"].clone()), (json!("xem-xet"), json!("dx_office")));
    // Out of order and by the wrong role.
    assert_eq!(
        post(&app, &t, &owner, json!({"action": "advance"})).await.0,
        StatusCode::FORBIDDEN,
        "the DX office's step"
    );
    assert_eq!(
        post(&app, &t, &dx, json!({"action": "approve", "decision": "1/QĐ-UBND"})).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(&app, &t, &dx, json!({"action": "advance", "from": "de-cuong"})).await.0,
        StatusCode::CONFLICT,
        "stale step"
    );
    assert_eq!(post(&app, &t, &dx, json!({"action": "tung-bay"})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(post(&app, &t, &leader, json!({"action": "advance"})).await.0, StatusCode::FORBIDDEN);
    // The DX office returns the dossier naming what is missing.
    let (s, e) = post(&app, &t, &dx, json!({"action": "return"})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::BAD_REQUEST, json!("missing")));
    let (s, e) = post(&app, &t, &dx, json!({"action": "return", "missing": ["chu-truong"]})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::BAD_REQUEST, json!("missing[0]")), "not an item of this kind");
    let (s, v) = post(&app, &t, &dx, json!({"action": "return", "missing": ["bao-gia", "yeu-cau-chat-luong"], "comment": "Chỉ có 2 báo giá; SLA chưa nêu thời gian khắc phục."})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["step"].clone(), v["returns"].clone()), (json!("hoan-thien"), json!(1)));
    // The owner is told what is missing, in the app.
    let u = app.store.user_by_username("health-admin").await.unwrap().unwrap();
    let notes = app.store.notifications(u.id, 10).await.unwrap();
    assert!(notes.iter().any(|n| n.body_vi.contains("Báo giá") && n.body_en.contains("Quotations")), "{notes:?}");
    // Revised, then finance, appraisal result, decision.
    attach(&app, id, &owner, "bao-gia", "bao-gia-3.pdf", pdf()).await;
    assert_eq!(post(&app, &t, &owner, json!({"action": "advance"})).await.1["step"], "y-kien-tai-chinh");
    assert_eq!(post(&app, &t, &dx, json!({"action": "advance"})).await.0, StatusCode::FORBIDDEN, "finance's step");
    let (s, c) = post(
        &app,
        &format!("/api/v1/projects/{id}/comments"),
        &finance,
        json!({"comment": "Đủ điều kiện bố trí từ nguồn ngân sách tỉnh."}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{c}");
    assert_eq!(post(&app, &t, &finance, json!({"action": "advance"})).await.1["step"], "ket-qua-tham-dinh");
    assert_eq!(post(&app, &t, &dx, json!({"action": "advance"})).await.1["step"], "phe-duyet");
    assert_eq!(
        post(&app, &t, &dx, json!({"action": "advance"})).await.0,
        StatusCode::CONFLICT,
        "the decision step approves or rejects"
    );
    let (s, e) = post(&app, &t, &dx, json!({"action": "approve"})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::BAD_REQUEST, json!("decision")));
    let today = tinhso_dx::review::vn_day(tinhso_store::now());
    let (s, v) =
        post(&app, &t, &dx, json!({"action": "approve", "decision": "2345/QĐ-UBND", "decided_on": today.to_string()}))
            .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["status"].clone(), v["step"].clone(), v["approved_on"].clone()),
        (json!("approved"), json!("da-phe-duyet"), json!(today.to_string()))
    );
    assert_eq!(
        post(&app, &t, &dx, json!({"action": "reject", "comment": "x"})).await.0,
        StatusCode::CONFLICT,
        "finished"
    );
    // Every move recorded with who and when; the thread has the comment and the missing items.
    let (_, detail) = app.get_json(&format!("/api/v1/projects/{id}"), &leader).await;
    let actions: Vec<&str> =
        detail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "advance", "return", "advance", "comment", "advance", "advance", "approve"]);
    let ret = detail["events"].as_array().unwrap().iter().find(|e| e["action"] == "return").unwrap();
    assert_eq!(
        (ret["by"].clone(), ret["missing"].clone()),
        (json!("dx-office"), json!(["bao-gia", "yeu-cau-chat-luong"]))
    );
    assert!(detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["at"].as_str().unwrap().len() > 10 && !e["by"].as_str().unwrap().is_empty()));
    assert!(detail["checklist"].as_array().unwrap().iter().all(|c| c["attached"] == true));
    let link = format!("/api/v1/projects/{id}/documents/{}", detail["documents"][0]["id"]);
    let r = client().get(app.url(&link)).bearer_auth(&leader).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
    let audit = app.store.audit_entries(&tinhso_store::AuditQuery { limit: 500, ..Default::default() }).await.unwrap();
    assert!(audit.iter().filter(|e| e.entry.action == "project.transition").count() >= 6);

    // Budget: plan, allocation within it, disbursement after approval within the allocation.
    let year = i64::from(chrono::Datelike::year(&today));
    assert_eq!(
        post(&app, "/api/v1/budget/plans", &owner, json!({"year": year, "amount": "50 tỷ"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            &app,
            "/api/v1/budget/plans",
            &finance,
            json!({"year": year, "amount": "50 tỷ", "decision": "QĐ giao vốn"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    for (body, field) in [
        (json!({"project": id, "year": year, "amount": "51 tỷ"}), "amount"),
        (json!({"project": id, "year": year + 1, "amount": "1 tỷ"}), "year"),
        (json!({"project": id, "year": year, "amount": "abc"}), "amount"),
        (json!({"project": id, "year": year, "amount": 0}), "amount"),
    ] {
        let (s, p) = post(&app, "/api/v1/budget/allocations", &dx, body.clone()).await;
        assert_eq!((s, p["field"].clone()), (StatusCode::BAD_REQUEST, json!(field)), "{body}: {p}");
    }
    assert_eq!(
        post(&app, "/api/v1/budget/allocations", &dx, json!({"project": id, "year": year, "amount": "4,5 tỷ"})).await.0,
        StatusCode::CREATED
    );
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    for (body, field) in [
        (json!({"project": id, "paid_on": yesterday, "amount": "1 tỷ", "voucher": "UNC-01"}), "paid_on"),
        (json!({"project": id, "paid_on": today.to_string(), "amount": "5 tỷ", "voucher": "UNC-01"}), "amount"),
        (json!({"project": id, "paid_on": today.to_string(), "amount": "-1 tỷ", "voucher": "UNC-01"}), "amount"),
        (json!({"project": id, "paid_on": today.to_string(), "amount": "1 tỷ", "voucher": " "}), "voucher"),
        (json!({"project": id, "paid_on": "31/02/2026", "amount": "1 tỷ", "voucher": "UNC-01"}), "paid_on"),
    ] {
        let (s, p) = post(&app, "/api/v1/budget/disbursements", &finance, body.clone()).await;
        assert_eq!((s, p["field"].clone()), (StatusCode::BAD_REQUEST, json!(field)), "{body}: {p}");
    }
    let (s, v) = post(&app, "/api/v1/budget/disbursements", &finance, json!({"project": id, "paid_on": today.format("%d/%m/%Y").to_string(), "amount": "1,2 tỷ", "voucher": "UNC-01"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, sum) = app.get_json(&format!("/api/v1/budget/summary?year={year}"), &leader).await;
    assert_eq!(
        (sum["allocated"].clone(), sum["disbursed"].clone(), sum["allocated_to_projects"].clone()),
        (json!(50_000_000_000i64), json!(1_200_000_000i64), json!(4_500_000_000i64))
    );
    assert!((sum["rate"].as_f64().unwrap() - 0.024).abs() < 1e-9);
    assert_eq!(sum["by_project"][0]["rate"].as_f64(), Some(0.2667));
    // An unapproved project cannot be paid.
    let mut second = doc.clone();
    second["code"] = json!("DA-YT-02");
    let p2 = post(&app, "/api/v1/projects", &owner, second).await.1["id"].as_i64().unwrap();
    assert_eq!(
        post(&app, "/api/v1/budget/allocations", &dx, json!({"project": p2, "year": year, "amount": "1 tỷ"})).await.0,
        StatusCode::CREATED
    );
    let (s, p) = post(
        &app,
        "/api/v1/budget/disbursements",
        &finance,
        json!({"project": p2, "paid_on": today.to_string(), "amount": "1 tỷ", "voucher": "UNC-02"}),
    )
    .await;
    assert_eq!((s, p["field"].clone()), (StatusCode::BAD_REQUEST, json!("project")));
    let (s, _) = app.get_json("/api/v1/projects?step=khong-co", &leader).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, at_step) = app.get_json(&format!("/api/v1/projects?year={year}&step=de-cuong"), &leader).await;
    assert_eq!(at_step["count"], 1);
}

#[tokio::test]
async fn deadlines_and_stalls_follow_the_clock() {
    let app = spawn().await;
    let owner = actor(&app, "health-admin").await;
    let dx = actor(&app, "dx-office").await;
    let t0 = chrono::TimeZone::with_ymd_and_hms(&tinhso_dx::review::vn(), 2026, 3, 2, 9, 0, 0).unwrap().timestamp();
    let day = 86_400;
    let doc: tinhso_dx::portfolio::ProjectDoc = serde_json::from_value(json!({
        "code": "DA-T", "name": "Dự án thử", "group": "Dữ liệu số", "kind": "dau-tu", "year": 2026, "requested": "2 tỷ"})).unwrap();
    let p = app.tracker.create_project(&owner, &doc, t0).await.unwrap();
    assert_eq!(p.step_due_on.as_deref(), Some("2026-04-01"), "30 days for the outline");
    let on = |t: i64| tinhso_dx::review::vn_day(t);
    assert!(
        app.tracker.attention(&dx, on(t0 + 30 * day)).await.unwrap().is_empty(),
        "on the deadline day: not stalled"
    );
    let a = app.tracker.attention(&dx, on(t0 + 31 * day)).await.unwrap();
    assert_eq!((a.len(), a[0].reason), (1, "stalled"));
    assert!(a[0].detail.contains("quá hạn 1 ngày"), "{}", a[0].detail);
    // The owner and the DX office are told once.
    let u = app.store.user_by_username("health-admin").await.unwrap().unwrap();
    let before = app.store.unread_notifications(u.id).await.unwrap();
    assert_eq!(app.tracker.notify_attention(t0 + 31 * day).await.unwrap(), 1);
    assert_eq!(app.tracker.notify_attention(t0 + 32 * day).await.unwrap(), 0, "once per stall");
    assert_eq!(app.store.unread_notifications(u.id).await.unwrap(), before + 1);
    // Submitted late: the next step gets its own deadline (10 days), so it is no longer stalled.
    for item in tinhso_dx::projects::checklist("dau-tu") {
        app.tracker.add_document(&owner, p.id, item.0, "a.pdf", &pdf(), t0).await.unwrap();
    }
    let t1 = t0 + 33 * day;
    let moved = app
        .tracker
        .transition(&owner, p.id, &serde_json::from_value(json!({"action": "advance"})).unwrap(), t1)
        .await
        .unwrap();
    assert_eq!(moved.step_due_on.as_deref(), Some("2026-04-14"));
    assert!(app.tracker.attention(&dx, on(t1 + 5 * day)).await.unwrap().is_empty());
    // Returned twice: flagged.
    for k in 0..2 {
        let back: tinhso_dx::projects::TransitionDoc =
            serde_json::from_value(json!({"action": "return", "missing": ["du-toan"]})).unwrap();
        let now = t1 + (6 + 4 * k) * day;
        if k == 1 {
            // Back with the DX office first: the owner revises, finance and the appraisal result follow.
            let fin = actor(&app, "finance-officer").await;
            app.tracker.transition(&fin, p.id, &back, now).await.unwrap();
        } else {
            app.tracker.transition(&dx, p.id, &back, now).await.unwrap();
            app.tracker
                .transition(&owner, p.id, &serde_json::from_value(json!({"action": "advance"})).unwrap(), now + day)
                .await
                .unwrap();
        }
    }
    let a = app.tracker.attention(&dx, on(t1 + 16 * day)).await.unwrap();
    assert!(a.iter().any(|x| x.reason == "returned_twice"), "{a:?}");
    // Step lead times reach the warehouse table the dashboards read.
    let r = app
        .warehouse
        .sql(
            &Actor::system(),
            "SELECT buoc, so_ngay FROM tham_dinh_buoc WHERE ma_du_an = 'DA-T' ORDER BY vao, thu_tu_buoc",
        )
        .await
        .unwrap();
    assert_eq!(r.rows[0], vec![json!("de-cuong"), json!(33)], "{:?}", r.rows);
}

#[tokio::test]
async fn the_budget_matches_the_seed_figures() {
    let app = spawn().await;
    assert!(tinhso_dx::demo::seed_projects(&app.tracker).await.unwrap());
    let leader = app.key("leader", ApiKeyAccess::Read).await;
    let (_, y21) = app.get_json("/api/v1/budget/summary?year=2021", &leader).await;
    assert_eq!(
        (y21["allocated"].clone(), y21["disbursed"].clone(), y21["rate"].clone()),
        (json!(50_000_000_000i64), json!(3_500_000_000i64), json!(0.07))
    );
    let (_, y22) = app.get_json("/api/v1/budget/summary?year=2022", &leader).await;
    assert_eq!(
        (y22["allocated"].clone(), y22["disbursed"].clone()),
        (json!(50_000_000_000i64), json!(4_120_000_000i64))
    );
    assert_eq!(y22["rate"], json!(0.0824));
    assert_eq!(y22["unallocated_requested"], json!(286_000_000_000i64));
    assert!(y22["allocated_to_projects"].as_i64().unwrap() <= 50_000_000_000);
    let (_, list) = app.get_json("/api/v1/projects?year=2022", &leader).await;
    assert_eq!(list["count"], 44);
    let steps = list["by_step"].as_object().unwrap();
    assert!(steps.len() >= 8, "spread across the steps: {steps:?}");
    let (_, at) = app.get_json("/api/v1/projects?year=2022&step=xem-xet", &leader).await;
    assert_eq!(at["count"], 7);
    assert!(
        at["projects"].as_array().unwrap().iter().all(|p| p["stalled"] == true),
        "2022 dossiers still waiting are stalled"
    );
    let (_, att) = app.get_json("/api/v1/projects/attention", &leader).await;
    let reasons: Vec<&str> = att["items"].as_array().unwrap().iter().map(|i| i["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"stalled") && reasons.contains(&"returned_twice"), "{reasons:?}");
    // The same figures through the warehouse tables, as a dashboard reads them.
    let q = |sql: &'static str| {
        let wh = app.warehouse.clone();
        async move { wh.sql(&Actor::system(), sql).await.unwrap().rows }
    };
    assert_eq!(q("SELECT count(*) FROM du_an_cntt WHERE nam = 2022").await[0][0], json!(44));
    assert_eq!(q("SELECT ty_le FROM giai_ngan_nam WHERE nam = 2021").await[0][0], json!(7.0));
    assert_eq!(q("SELECT sum(giai_ngan) FROM giai_ngan WHERE nam = 2022").await[0][0], json!(4_120_000_000i64));
    assert!(q("SELECT count(*) FROM tham_dinh_buoc").await[0][0].as_i64().unwrap() > 100);
    // The public may not read them.
    let e = app.warehouse.sql(&Actor::public("t"), "SELECT count(*) FROM du_an_cntt").await.unwrap_err();
    assert_eq!(e.kind, tinhso_domain::ErrorKind::Forbidden);
    // And the IOC dashboard of the pipeline answers every panel.
    let (s, d) = app.get_json("/api/v1/dashboards/du-an-cntt", &leader).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    for p in d["panels"].as_array().unwrap() {
        let (s, v) = app
            .get_json(
                &format!(
                    "/api/v1/dashboards/du-an-cntt/panels/{}/data?from=2021-01-01&to=2022-12-31",
                    p["id"].as_str().unwrap()
                ),
                &leader,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{}: {v}", p["id"]);
        assert!(!v["rows"].as_array().unwrap().is_empty(), "{}: no rows", p["id"]);
    }
}

#[tokio::test]
async fn the_pages_show_the_pipeline_and_move_a_dossier() {
    let app = spawn().await;
    tinhso_dx::demo::seed_projects(&app.tracker).await.unwrap();
    let l = app.login("leader").await;
    let html = l.get(app.url("/projects?year=2021")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("data-key=\"prj.plan\">50 tỷ<") && html.contains("data-key=\"prj.disbursed\">3,5 tỷ<"),
        "{html}"
    );
    assert!(html.contains("data-key=\"prj.rate\">7,0 %<"));
    let html = l.get(app.url("/projects?year=2022")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("data-key=\"prj.unallocated\">286 tỷ<") && html.contains("data-key=\"prj.disbursed\">4,12 tỷ<")
    );
    assert!(html.contains("data-step=\"xem-xet\"") && html.contains("data-reason=\"returned_twice\""));
    assert!(!html.contains("id=\"prj-budget-form\""), "the leader records no money");
    // The DX office returns a dossier from the project page, ticking what is missing.
    let p = app.store.dx_projects(Some(2022), Some("xem-xet")).await.unwrap().remove(0);
    let d = app.login("dx-office").await;
    let page = d.get(app.url(&format!("/projects/{}", p.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"move-return\"") && page.contains("id=\"move-advance\""), "{page}");
    let csrf = hidden(&page, "csrf");
    let item = tinhso_dx::projects::checklist(&p.kind)[1].0;
    let missing = format!("missing_{item}");
    let form = [
        ("csrf", csrf.as_str()),
        ("from", "xem-xet"),
        ("action", "return"),
        (missing.as_str(), "on"),
        ("comment", "Thiếu hồ sơ"),
    ];
    let r = d.post(app.url(&format!("/projects/{}/move", p.id))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = app.store.dx_project(p.id).await.unwrap().unwrap();
    assert_eq!((after.step.as_str(), after.returns), ("hoan-thien", p.returns + 1));
    // Returning without naming anything is refused on the page, in both languages' text.
    let q = app.store.dx_projects(Some(2022), Some("xem-xet")).await.unwrap().remove(0);
    let html = d
        .post(app.url(&format!("/projects/{}/move", q.id)))
        .form(&[("csrf", csrf.as_str()), ("from", "xem-xet"), ("action", "return")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"project-error\""), "{html}");
    // Without the CSRF token nothing moves.
    let r = d
        .post(app.url(&format!("/projects/{}/move", q.id)))
        .form(&[("csrf", "sai"), ("action", "advance")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.dx_project(q.id).await.unwrap().unwrap().step, "xem-xet");
    // Finance records a capital plan from the portfolio page; a bad amount is explained.
    let f = app.login("finance-officer").await;
    let csrf = page_csrf(&app, &f, "/projects?year=2023").await;
    let r = f
        .post(app.url("/projects/budget"))
        .form(&[("csrf", csrf.as_str()), ("what", "plan"), ("year", "2023"), ("amount", "45 tỷ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.store.dx_budget_plans().await.unwrap().iter().any(|p| p.year == 2023 && p.amount == 45_000_000_000));
    let html = f
        .post(app.url("/projects/budget"))
        .form(&[("csrf", csrf.as_str()), ("what", "plan"), ("year", "2023"), ("amount", "abc")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"prj-error\"") && html.contains("abc"), "{html}");
    // English.
    l.get(app.url("/lang/en?next=/projects")).send().await.unwrap();
    let html = l.get(app.url(&format!("/projects/{}", p.id))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Owner revises") && html.contains("History"), "{html}");
}
