//! Integration tests: the real server on a free port, a real database
//! (SQLite, or PostgreSQL when `TINHSO_TEST_DATABASE_URL` is set), spoken to over HTTP.

mod browser;
mod ckan;
mod dashboards;
mod dx;
mod gateway;
mod oidc;
mod openapi;
mod projects;
mod warehouse_api;
mod warehouse_pages;

use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::Value;
use tinhso_store::{demo, Store};
use tinhso_web::{AppState, WebConfig};

const PW: &str = "mat-khau-demo";

struct App {
    base: String,
    store: Store,
    warehouse: tinhso_warehouse::Warehouse,
    tracker: tinhso_dx::Tracker,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn spawn() -> App {
    spawn_with(None).await
}

/// The server with alert e-mail going to `mail` (an SMTP server of the test).
async fn spawn_with(mail: Option<tinhso_ioc::MailConfig>) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = match std::env::var("TINHSO_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("tinhso_web_{}", tinhso_store::credentials::random_hex(6));
            let admin = Store::open_raw(&admin_url).await.unwrap();
            admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            let base = admin_url.rsplit_once('/').unwrap().0;
            Store::open(&format!("{base}/{name}")).await.unwrap()
        }
        _ => Store::open(&tinhso_store::sqlite_url(dir.path())).await.unwrap(),
    };
    demo::seed(&store, Some(PW)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let warehouse = tinhso_warehouse::Warehouse::open(store.clone(), dir.path(), "52").await.unwrap();
    let ioc = tinhso_ioc::Ioc::new(warehouse.clone(), mail.clone(), &base);
    ioc.install_builtins().await.unwrap();
    let tracker = tinhso_dx::Tracker::new(store.clone(), warehouse.clone(), tinhso_dx::Schedule::default());
    tracker.install_builtins().await.unwrap();
    let state = AppState {
        store: store.clone(),
        warehouse: warehouse.clone(),
        ioc,
        tracker: tracker.clone(),
        sso: tinhso_sso::Provider::new(store.clone(), &base),
        config: WebConfig {
            province_code: "52".into(),
            session_ttl_secs: 3600,
            secure_cookies: false,
            rate_limit_per_minute: 100_000,
        },
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tinhso_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    App { base, store, warehouse, tracker, _dir: dir, _shutdown: tx }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Logs in through the real form; returns the client holding the session.
    async fn login(&self, username: &str) -> reqwest::Client {
        let c = client();
        let (status, _) = self.try_login(&c, username, PW).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "login of {username}");
        c
    }

    async fn try_login(&self, c: &reqwest::Client, username: &str, password: &str) -> (StatusCode, String) {
        let page = c.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&page, "csrf");
        let r = c
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password), ("csrf", &csrf), ("next", "/")])
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    async fn key(&self, username: &str, access: tinhso_store::ApiKeyAccess) -> String {
        let u = self.store.user_by_username(username).await.unwrap().unwrap();
        self.store.create_api_key(&u, "test", None, access).await.unwrap().1
    }

    async fn get_json(&self, path: &str, key: &str) -> (StatusCode, Value) {
        let r = client().get(self.url(path)).bearer_auth(key).send().await.unwrap();
        let s = r.status();
        (s, r.json().await.unwrap())
    }
}

/// The value of a hidden input in an HTML page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn page_csrf(app: &App, c: &reqwest::Client, path: &str) -> String {
    hidden(&c.get(app.url(path)).send().await.unwrap().text().await.unwrap(), "csrf")
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = spawn().await;
    let r = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
}

#[tokio::test]
async fn crosswalk_over_http() {
    let app = spawn().await;
    let c = client();
    let v: Value =
        c.get(app.url("/api/v1/admin-units/21550?as_of=2025-06-30")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["name"], "Nhơn Bình");
    assert_eq!(v["level"], "commune");
    assert_eq!(v["valid_to"], "2025-06-30");
    assert_eq!(v["successors"][0]["code"], "21601");
    assert_eq!(v["successors"][0]["name"], "Phường Quy Nhơn Đông");
    assert_eq!(v["successors"][0]["whole"], true);
    let v: Value = c.get(app.url("/api/v1/admin-units/21634")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["name"], "An Nghĩa");
    let s = v["successors"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert!(s.iter().all(|x| x["whole"] == false));
    // The reused code: the same number, two units.
    let old: Value =
        c.get(app.url("/api/v1/admin-units/21553?as_of=2025-06-30")).send().await.unwrap().json().await.unwrap();
    let new: Value = c.get(app.url("/api/v1/admin-units/21553")).send().await.unwrap().json().await.unwrap();
    assert_eq!(old["full_name"], "Phường Nhơn Phú");
    assert_eq!(new["full_name"], "Phường Quy Nhơn Bắc");
    assert!(new.get("successors").is_none());
    assert!(new["predecessors"].as_array().unwrap().iter().any(|p| p["code"] == "21553"));
}

#[tokio::test]
async fn unit_search_ignores_diacritics_and_bad_input_is_400_or_404() {
    let app = spawn().await;
    let c = client();
    let v: Value = c.get(app.url("/api/v1/admin-units?q=quy%20nhon")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["units"][0]["full_name"], "Phường Quy Nhơn");
    let v: Value = c
        .get(app.url("/api/v1/admin-units?province=52&level=commune&limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["count"], 135);
    for (path, status, field) in [
        ("/api/v1/admin-units/99999", 404, "code"),
        ("/api/v1/admin-units/abc", 400, "code"),
        ("/api/v1/admin-units/21550?as_of=30-06-2025", 400, "as_of"),
        ("/api/v1/admin-units?q=", 400, "q"),
        ("/api/v1/admin-units?q=x&level=hamlet", 400, "level"),
        ("/api/v1/admin-units?q=x&limit=0", 400, "limit"),
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["field"], field, "{path}");
        assert!(!p["message"]["vi"].as_str().unwrap().is_empty() && !p["message"]["en"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn agencies_need_a_key_and_follow_its_scope() {
    let app = spawn().await;
    let r = client().get(app.url("/api/v1/agencies")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = client().get(app.url("/api/v1/agencies")).bearer_auth("tsk_nope_nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let admin = app.key("admin", tinhso_store::ApiKeyAccess::Read).await;
    let (s, v) = app.get_json("/api/v1/agencies", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["count"], 148);
    let health = app.key("health-officer", tinhso_store::ApiKeyAccess::Read).await;
    let (_, v) = app.get_json("/api/v1/agencies", &health).await;
    assert_eq!(v["count"], 1);
    assert_eq!(v["agencies"][0]["code"], "SYT");
    let stc = app.store.agency_by_code("STC").await.unwrap().unwrap();
    let (s, _) = app.get_json(&format!("/api/v1/agencies/{}", stc.id), &health).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get_json("/api/v1/agencies/999999", &admin).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get_json("/api/v1/agencies/abc", &admin).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn commune_officer_cannot_see_another_communes_users() {
    let app = spawn().await;
    let admin = app.key("admin", tinhso_store::ApiKeyAccess::ReadWrite).await;
    let r = client()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"username": "dong-officer", "full_name": "Cán bộ Quy Nhơn Đông", "role": "data_officer", "agency_code": "XA-21601", "password": "mat-khau-dai"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let other: Value = r.json().await.unwrap();
    let officer = app.key("commune-officer", tinhso_store::ApiKeyAccess::Read).await;
    let (_, v) = app.get_json("/api/v1/users", &officer).await;
    let names: Vec<&str> = v["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["commune-officer"]);
    let (s, p) = app.get_json(&format!("/api/v1/users/{}", other["id"]), &officer).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(p["message"]["vi"].as_str().unwrap().contains("phạm vi"));
    // In the browser too: the users page lists only their own commune's users.
    let c = app.login("commune-officer").await;
    let html = c.get(app.url("/users")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("commune-officer") && !html.contains("dong-officer"));
    let r = c.get(app.url(&format!("/users/{}", other["id"]))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_writes_check_role_key_access_and_input() {
    let app = spawn().await;
    let read = app.key("admin", tinhso_store::ApiKeyAccess::Read).await;
    let write = app.key("admin", tinhso_store::ApiKeyAccess::ReadWrite).await;
    let body = serde_json::json!({"code": "TT-CDS", "name_vi": "Trung tâm Chuyển đổi số", "kind": "other", "parent_code": "SKHCN", "admin_unit_code": "52"});
    let post = |key: &str, body: &Value| client().post(app.url("/api/v1/agencies")).bearer_auth(key).json(body).send();
    assert_eq!(post(&read, &body).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(post(&write, &body).await.unwrap().status(), StatusCode::CREATED);
    let r = post(&write, &body).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["field"], "code");
    assert!(p["message"]["vi"].as_str().unwrap().contains("TT-CDS"));
    let bad = serde_json::json!({"code": "X", "name_vi": "", "parent_code": "UBND"});
    let p: Value = post(&write, &bad).await.unwrap().json().await.unwrap();
    assert_eq!((p["status"].as_u64(), p["field"].as_str()), (Some(400), Some("name_vi")));
    let r = client()
        .post(app.url("/api/v1/agencies"))
        .bearer_auth(&write)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "body");
    let leader = app.key("leader", tinhso_store::ApiKeyAccess::ReadWrite).await;
    assert_eq!(
        post(&leader, &serde_json::json!({"code": "Y", "name_vi": "Y", "parent_code": "UBND"})).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    // Nothing already stored changed.
    let (_, v) = app.get_json("/api/v1/agencies", &read).await;
    assert_eq!(v["count"], 149);
}

#[tokio::test]
async fn login_logout_csrf_expiry_and_throttle() {
    let app = spawn().await;
    let c = client();
    let (s, html) = app.try_login(&c, "admin", "wrong-password").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Sai tên đăng nhập hoặc mật khẩu"));
    // A login post without the CSRF cookie's token is refused.
    let r = client()
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PW), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let c = app.login("admin").await;
    let home = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Quản trị hệ thống") && home.contains("Tỉnh Gia Lai"));
    // The session cookie is HttpOnly and SameSite.
    let c2 = client();
    let page = c2.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = c2
        .post(app.url("/login"))
        .form(&[("username", "leader"), ("password", PW), ("csrf", &hidden(&page, "csrf"))])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("tinhso_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    // A session-authenticated API write needs the CSRF header.
    let r = c
        .post(app.url("/api/v1/agencies"))
        .json(&serde_json::json!({"code": "Z", "name_vi": "Z", "parent_code": "UBND"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Logging out ends the session.
    let csrf = page_csrf(&app, &c, "/account/api-keys").await;
    let r = c.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.get(app.url("/agencies")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next=/agencies"));
    // An expired session sends the person to the login page with a message.
    let c3 = client();
    let page = c3.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = c3
        .post(app.url("/login"))
        .form(&[("username", "dx-office"), ("password", PW), ("csrf", &hidden(&page, "csrf"))])
        .send()
        .await
        .unwrap();
    let token = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|v| v.strip_prefix("tinhso_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    app.store.expire_session(&token).await.unwrap();
    let r = c3.get(app.url("/users")).send().await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().contains("expired=1"));
    let html = c3.get(app.url("/login?expired=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Phiên đăng nhập đã hết hạn"));
    let r = c3.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Five wrong passwords lock the name for a while: 429.
    let c4 = client();
    for _ in 0..5 {
        app.try_login(&c4, "health-admin", "sai-mat-khau").await;
    }
    let (s, html) = app.try_login(&c4, "health-admin", PW).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("15 phút"));
}

#[tokio::test]
async fn pages_switch_to_english() {
    let app = spawn().await;
    let c = app.login("dx-office").await;
    let vi = c.get(app.url("/agencies")).send().await.unwrap().text().await.unwrap();
    assert!(vi.contains("Cơ quan, đơn vị") && vi.contains("Sở Y tế"));
    let r = c.get(app.url("/lang/en?next=/agencies")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let en = c.get(app.url("/agencies")).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Agencies") && en.contains("Department of Health"));
    // Agency names are data: the Vietnamese name stays when no English one is stored.
    let units = c.get(app.url("/admin-units?q=nhon%20binh&legacy=1")).send().await.unwrap().text().await.unwrap();
    assert!(units.contains("Nhon Binh Ward") && units.contains("No longer in force"));
}

#[tokio::test]
async fn unit_browser_shows_successors_and_predecessors() {
    let app = spawn().await;
    let c = client();
    let html = c.get(app.url("/admin-units/21634?as_of=2025-06-30")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Xã An Nghĩa")
            && html.contains("Xã An Hòa")
            && html.contains("Xã An Toàn")
            && html.contains("một phần")
    );
    let html = c.get(app.url("/admin-units/21583")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Phường Thị Nại") && html.contains("Hình thành từ"));
    let html = c.get(app.url("/admin-units?q=quy%20nhon")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Phường Quy Nhơn Đông"));
    let r = c.get(app.url("/admin-units/99999")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn agency_forms_create_edit_and_refuse_bad_input() {
    let app = spawn().await;
    let c = app.login("health-admin").await;
    let csrf = page_csrf(&app, &c, "/agencies/new").await;
    let form = |code: &'static str, parent: &'static str, csrf: String| {
        vec![
            ("csrf", csrf),
            ("code", code.into()),
            ("name_vi", "Bệnh viện Đa khoa tỉnh".into()),
            ("kind", "other".into()),
            ("parent_code", parent.into()),
            ("admin_unit_code", "52".into()),
            ("active", "on".into()),
        ]
    };
    let r = c.post(app.url("/agencies")).form(&form("BVDK", "SYT", csrf.clone())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.post(app.url("/agencies")).form(&form("BVDK", "SYT", csrf.clone())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Mã cơ quan BVDK đã tồn tại"));
    let r = c.post(app.url("/agencies")).form(&form("BV2", "STC", csrf.clone())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c.post(app.url("/agencies")).form(&form("BV3", "SYT", "forged".into())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let bv = app.store.agency_by_code("BVDK").await.unwrap().unwrap();
    let html = c.get(app.url(&format!("/agencies/{}", bv.id))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Bệnh viện Đa khoa tỉnh"));
}

#[tokio::test]
async fn import_keeps_good_rows_and_lists_rejected_ones() {
    let app = spawn().await;
    let c = app.login("dx-office").await;
    let csrf = page_csrf(&app, &c, "/agencies").await;
    let csv = "Mã;Tên;Loại;Mã cấp trên;Mã ĐVHC\nTTDL;Trung tâm Dữ liệu;khác;SKHCN;52\nSYT;Trùng;sở;UBND;52\nX1;Sai ĐVHC;khác;UBND;00004\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("don-vi.csv"));
    let r = c.post(app.url("/agencies/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"imported-count\">1<"), "{html}");
    assert!(html.contains("id=\"rejected-count\">2<"));
    assert!(html.contains("Mã ĐVHC") && html.contains("Mã cơ quan SYT đã tồn tại"));
    let link = html.split("href=\"/agencies/imports/").nth(1).unwrap().split('"').next().unwrap();
    let rejects = c.get(app.url(&format!("/agencies/imports/{link}"))).send().await.unwrap().text().await.unwrap();
    assert!(rejects.contains("don-vi.csv") && rejects.contains("00004"));
    // By API, an XLSX file with a title block above the header.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "DANH SÁCH CƠ QUAN").unwrap();
    for (i, h) in ["Mã cơ quan", "Tên cơ quan", "Loại", "Mã cơ quan cấp trên", "Mã ĐVHC"].iter().enumerate()
    {
        ws.write(2, i as u16, *h).unwrap();
    }
    for (i, v) in ["BQL-KKT", "Ban Quản lý Khu kinh tế", "ban", "UBND"].iter().enumerate() {
        ws.write(3, i as u16, *v).unwrap();
    }
    ws.write(3, 4, 52).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let key = app.key("dx-office", tinhso_store::ApiKeyAccess::ReadWrite).await;
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("co-quan.xlsx"));
    let v: Value = client()
        .post(app.url("/api/v1/agencies/import"))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["imported"], serde_json::json!(["BQL-KKT"]), "{v}");
    // A file that cannot be read is refused whole, naming the file.
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"garbage".to_vec()).file_name("x.xlsx"));
    let r = client().post(app.url("/api/v1/agencies/import")).bearer_auth(&key).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<Value>().await.unwrap()["message"]["en"].as_str().unwrap().contains("x.xlsx"));
}

#[tokio::test]
async fn api_keys_page_shows_a_key_once_and_revokes_it() {
    let app = spawn().await;
    let c = app.login("health-officer").await;
    let csrf = page_csrf(&app, &c, "/account/api-keys").await;
    let html = c
        .post(app.url("/account/api-keys"))
        .form(&[("csrf", csrf.as_str()), ("name", "HIS"), ("access", "read")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = html.split("id=\"new-key\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let (s, _) = app.get_json("/api/v1/agencies", &key).await;
    assert_eq!(s, StatusCode::OK);
    let again = c.get(app.url("/account/api-keys")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(&key));
    let id = again.split("/account/api-keys/").nth(1).unwrap().split('/').next().unwrap();
    let r = c
        .post(app.url(&format!("/account/api-keys/{id}/revoke")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = app.get_json("/api/v1/agencies", &key).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_routes_are_404_not_500() {
    let app = spawn().await;
    let r = client().get(app.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = client().get(app.url("/nothing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
