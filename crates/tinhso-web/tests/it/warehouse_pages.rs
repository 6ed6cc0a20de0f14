//! The warehouse pages over HTTP: catalogue, definition forms, uploads (with and without the
//! script), upload jobs, version reports, the SQL console and the quality board.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use tinhso_store::ApiKeyAccess;

use super::{hidden, page_csrf, spawn, App};

const DEF: &str = r#"{"slug": "truong-hoc", "name": "Trường học", "name_en": "Schools", "zone": "shared",
  "sector": "Giáo dục", "frequency": "monthly", "key": ["ma_truong"],
  "fields": [{"name": "ma_truong", "type": "text", "required": true}, {"name": "ten_truong", "type": "text", "required": true},
  {"name": "xa", "type": "admin_unit"}, {"name": "ngay_thanh_lap", "type": "date"}, {"name": "kinh_phi", "type": "money"},
  {"name": "cccd_hieu_truong", "label": "CCCD hiệu trưởng", "type": "cccd", "personal": "basic"}]}"#;

const CSV: &str = "ma_truong,ten_truong,xa,ngay_thanh_lap,kinh_phi,cccd_hieu_truong\n\
T01,Trường TH Lê Lợi,21583,05/09/1975,\"1,2 tỷ\",052080001234\n\
T02,Trường THCS Nguyễn Huệ,21583,31/02/2024,350 triệu,\n\
T03,,21583,2001-08-15,1.234.567,\n\
T04,Trường THPT Quy Nhơn,21550,1/1/1990,1.234.567,\n";

const OPEN_DEF: &str = r#"{"slug": "diem-wifi", "name": "Điểm wifi công cộng", "name_en": "Public wifi spots",
  "zone": "open", "sector": "Thông tin", "frequency": "yearly", "fields": [{"name": "ten", "type": "text"}]}"#;

/// Creates a dataset through the definition form (JSON), as `client` (logged in).
async fn create_by_form(app: &App, c: &reqwest::Client, def: &str) -> reqwest::Response {
    let csrf = page_csrf(app, c, "/datasets/new").await;
    c.post(app.url("/datasets/new"))
        .form(&[("csrf", csrf.as_str()), ("format", "json"), ("definition", def)])
        .send()
        .await
        .unwrap()
}

fn upload_form(csrf: &str, mode: &str, name: &str, body: &str) -> Form {
    Form::new()
        .text("csrf", csrf.to_string())
        .text("mode", mode.to_string())
        .text("sheet", "")
        .part("file", Part::bytes(body.as_bytes().to_vec()).file_name(name.to_string()).mime_str("text/csv").unwrap())
}

async fn text(r: reqwest::Response) -> String {
    r.text().await.unwrap()
}

async fn get(app: &App, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), text(r).await)
}

#[tokio::test]
async fn catalogue_lists_filters_and_speaks_english() {
    let app = spawn().await;
    let dx = app.login("dx-office").await;
    assert_eq!(create_by_form(&app, &dx, DEF).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(create_by_form(&app, &dx, OPEN_DEF).await.status(), StatusCode::SEE_OTHER);

    let (s, page) = get(&app, &dx, "/datasets").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("<h1>Kho dữ liệu</h1>"), "{page}");
    assert!(
        page.contains("href=\"/datasets\"") && page.contains("href=\"/sql\"") && page.contains("href=\"/quality\"")
    );
    assert!(page.contains("id=\"new-dataset\"") && page.contains("Tạo bộ dữ liệu"));
    assert!(page.contains("data-slug=\"truong-hoc\"") && page.contains("data-slug=\"diem-wifi\""));
    assert!(page.contains("Dùng chung") && page.contains("Hằng tháng") && page.contains("Chưa có dữ liệu."));

    // Search ignores diacritics; filters narrow by zone and owner.
    let (_, page) = get(&app, &dx, "/datasets?q=TRUONG+hoc&zone=&sector=&owner=&max_score=").await;
    assert!(page.contains("data-slug=\"truong-hoc\"") && !page.contains("data-slug=\"diem-wifi\""), "{page}");
    let (_, page) = get(&app, &dx, "/datasets?q=tr%C6%B0%E1%BB%9Dng").await;
    assert!(page.contains("data-slug=\"truong-hoc\""));
    let (_, page) = get(&app, &dx, "/datasets?zone=open").await;
    assert!(!page.contains("data-slug=\"truong-hoc\"") && page.contains("data-slug=\"diem-wifi\""));
    let (_, page) = get(&app, &dx, "/datasets?owner=SYT").await;
    assert!(page.contains("id=\"no-datasets\""), "the DX office's datasets are owned by SKHCN");
    let (_, page) = get(&app, &dx, "/datasets?sector=gi%C3%A1o+d%E1%BB%A5c").await;
    assert!(page.contains("data-slug=\"truong-hoc\"") && !page.contains("data-slug=\"diem-wifi\""));

    // A leader reads but does not define; a data officer defines.
    let leader = app.login("leader").await;
    let (_, page) = get(&app, &leader, "/datasets").await;
    assert!(page.contains("data-slug=\"truong-hoc\"") && !page.contains("id=\"new-dataset\""));
    let officer = app.login("health-officer").await;
    let (_, page) = get(&app, &officer, "/datasets").await;
    assert!(page.contains("id=\"new-dataset\"") && !page.contains("href=\"/sql\""));
    let (s, _) = get(&app, &leader, "/datasets/new").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The English switch changes the words and the dataset names.
    let r = dx.get(app.url("/lang/en?next=/datasets")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&app, &dx, "/datasets").await;
    assert!(page.contains("<h1>Data warehouse</h1>") && page.contains("New dataset"), "{page}");
    assert!(page.contains("Schools") && page.contains("Shared") && page.contains("Monthly"));
    assert!(!page.contains("Tạo bộ dữ liệu"));
}

#[tokio::test]
async fn definition_form_needs_csrf_keeps_text_on_error_and_edits() {
    let app = spawn().await;
    let dx = app.login("dx-office").await;
    let (s, page) = get(&app, &dx, "/datasets/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("slug = &#34;truong-hoc&#34;") || page.contains("slug = &quot;truong-hoc&quot;"), "{page}");
    assert!(page.contains("Định nghĩa bộ dữ liệu (TOML)"));

    // No CSRF token: refused, nothing created.
    let r = dx.post(app.url("/datasets/new")).form(&[("format", "json"), ("definition", DEF)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(text(r).await.contains("CSRF"));
    let (s, _) = get(&app, &dx, "/datasets/truong-hoc").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A broken definition: the form comes back with the message and the text as typed.
    let broken = "{\"slug\": \"truong-hoc\", \"name\": \"Trường học ZZZ\"";
    let r = create_by_form(&app, &dx, broken).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = text(r).await;
    assert!(page.contains("id=\"form-error\"") && page.contains("Định nghĩa JSON không hợp lệ"), "{page}");
    assert!(page.contains("Trường học ZZZ"));
    // TOML is parsed as TOML.
    let csrf = page_csrf(&app, &dx, "/datasets/new").await;
    let toml = "slug = \"kho-bai\"\nname = \"Kho bãi\"\nzone = \"shared\"\nfrequency = \"weekly\"\n[[fields]]\nname = \"ten\"\ntype = \"text\"\n";
    let r = dx
        .post(app.url("/datasets/new"))
        .form(&[("csrf", csrf.as_str()), ("format", "toml"), ("definition", toml)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/datasets/kho-bai");

    // Edit: the current definition as JSON; an added field is saved.
    assert_eq!(create_by_form(&app, &dx, DEF).await.status(), StatusCode::SEE_OTHER);
    let (s, page) = get(&app, &dx, "/datasets/truong-hoc/edit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("cccd_hieu_truong") && page.contains("<option value=\"json\" selected>"));
    let csrf = hidden(&page, "csrf");
    let edited = DEF
        .replace("\"personal\": \"basic\"}]", "\"personal\": \"basic\"}, {\"name\": \"ghi_chu\", \"type\": \"text\"}]");
    let r = dx
        .post(app.url("/datasets/truong-hoc/edit"))
        .form(&[("csrf", csrf.as_str()), ("format", "json"), ("definition", edited.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&app, &dx, "/datasets/truong-hoc").await;
    assert!(page.contains("<code>ghi_chu</code>"));
    // Changing the slug is refused with the reason.
    let r = dx
        .post(app.url("/datasets/truong-hoc/edit"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("format", "json"),
            ("definition", DEF.replace("truong-hoc", "truong-hoc-2").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(text(r).await.contains("truong-hoc-2"));
}

#[tokio::test]
async fn upload_without_script_makes_a_version_and_the_pages_show_its_quality() {
    let app = spawn().await;
    let dx = app.login("dx-office").await;
    assert_eq!(create_by_form(&app, &dx, DEF).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&app, &dx, "/datasets/truong-hoc").await;
    assert!(
        page.contains("id=\"upload-form\"") && page.contains("Thay thế toàn bộ") && page.contains("Cập nhật theo khoá")
    );
    assert!(page.contains("id=\"no-versions\""));
    let csrf = hidden(&page, "csrf");

    // Without the CSRF field: refused before anything is stored.
    let form = Form::new()
        .text("mode", "replace")
        .part("file", Part::bytes(CSV.as_bytes().to_vec()).file_name("truong.csv").mime_str("text/csv").unwrap());
    let r = dx.post(app.url("/datasets/truong-hoc/upload")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(text(r).await.contains("CSRF"));

    let r = dx
        .post(app.url("/datasets/truong-hoc/upload"))
        .multipart(upload_form(&csrf, "replace", "truong.csv", CSV))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/datasets/truong-hoc/versions/1");

    // The version page: the full report with examples in Vietnamese.
    let (s, page) = get(&app, &dx, "/datasets/truong-hoc/versions/1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Phiên bản 1"), "{page}");
    assert!(page.contains("class=\"rows-read\">4<") && page.contains("class=\"rows-rejected\">2<"), "{page}");
    assert!(page.contains("31/02/2024") && page.contains("Số dòng theo quy tắc"));
    assert!(page.contains("/api/v1/datasets/truong-hoc/versions/1/rejects?format=csv"));
    assert!(page.contains("/api/v1/datasets/truong-hoc/versions/1/rejects?format=xlsx"));

    // The dataset page: schema, quality examples, history, preview and downloads.
    let (_, page) = get(&app, &dx, "/datasets/truong-hoc").await;
    assert!(page.contains("<code>cccd_hieu_truong</code>") && page.contains("DLCN cơ bản") && page.contains("Số CCCD"));
    assert!(page.contains("id=\"quality-report\"") && page.contains("31/02/2024"));
    assert!(page.contains("Đúng") && page.contains("Sống <strong>100</strong>"), "{page}");
    assert!(page.contains("href=\"/datasets/truong-hoc/versions/1\""));
    assert!(page.contains("id=\"preview\"") && page.contains("Trường TH Lê Lợi"));
    assert!(page.contains("/api/v1/datasets/truong-hoc/preview?format=csv&amp;limit=100000"));
    // The download link answers with the session cookie.
    let r = dx.get(app.url("/api/v1/datasets/truong-hoc/preview?format=csv&limit=100000")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(text(r).await.contains("Trường TH Lê Lợi"));

    // In English the reasons are English.
    dx.get(app.url("/lang/en?next=/")).send().await.unwrap();
    let (_, page) = get(&app, &dx, "/datasets/truong-hoc/versions/1").await;
    assert!(page.contains("Version 1") && page.contains("Rows by rule") && !page.contains("Số dòng theo quy tắc"));
    dx.get(app.url("/lang/vi?next=/")).send().await.unwrap();

    // A file whose rows are all bad is refused: no new version, the reason on the page.
    let bad = "ma_truong,ten_truong\nT09,\nT10,\n";
    let r = dx
        .post(app.url("/datasets/truong-hoc/upload"))
        .multipart(upload_form(&csrf, "append", "xau.csv", bad))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(r).await;
    assert!(page.contains("id=\"upload-error\"") && page.contains("Tất cả 2 dòng đều bị loại"), "{page}");
    assert!(page.contains("Bị từ chối"));
    // No file chosen: a plain message.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("mode", "replace")
        .part("file", Part::bytes(Vec::new()).file_name(""));
    let r = dx.post(app.url("/datasets/truong-hoc/upload")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(text(r).await.contains("Hãy chọn một tệp để tải lên."));

    // A commune officer sees the entry but not the rows, and has no upload form.
    let commune = app.login("commune-officer").await;
    let (s, page) = get(&app, &commune, "/datasets/truong-hoc").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"no-read\"") && !page.contains("id=\"preview\"") && !page.contains("id=\"upload-form\"")
    );
    let csrf = hidden(&page, "csrf");
    let r = commune
        .post(app.url("/datasets/truong-hoc/upload"))
        .multipart(upload_form(&csrf, "replace", "truong.csv", CSV))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn scripted_upload_runs_as_a_job_that_reports_completion() {
    let app = spawn().await;
    let dx = app.login("dx-office").await;
    assert_eq!(create_by_form(&app, &dx, DEF).await.status(), StatusCode::SEE_OTHER);
    let csrf = page_csrf(&app, &dx, "/datasets/truong-hoc").await;

    // The script sends the token in the header and the form.
    let r = dx
        .post(app.url("/datasets/truong-hoc/upload"))
        .header("x-requested-with", "XMLHttpRequest")
        .header("x-csrf-token", &csrf)
        .multipart(upload_form(&csrf, "replace", "truong.csv", CSV))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let fragment = text(r).await;
    let marker = "hx-get=\"/datasets/truong-hoc/jobs/";
    let start = fragment.find(marker).unwrap_or_else(|| panic!("no job poll in {fragment}")) + marker.len();
    let id = fragment[start..].split('"').next().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert!(fragment.contains("hx-trigger=\"every 1s\""));

    let job = format!("/datasets/truong-hoc/jobs/{id}");
    let mut done = String::new();
    for _ in 0..300 {
        let (s, f) = get(&app, &dx, &job).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        if !f.contains("data-state=\"running\"") {
            done = f;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(done.contains("data-state=\"done\""), "{done}");
    assert!(done.contains("Phiên bản 1") && !done.contains("hx-trigger"), "{done}");
    assert!(done.contains("href=\"/datasets/truong-hoc/versions/1\""));
    assert!(done.contains("/api/v1/datasets/truong-hoc/versions/1/rejects?format=csv"));

    // Only the person who uploaded follows the job.
    let admin = app.login("admin").await;
    let (s, _) = get(&app, &admin, &job).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&app, &dx, "/datasets/truong-hoc/jobs/0123456789abcdef0123456789abcdef").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A scripted upload that fails before starting answers with the message as a fragment.
    let r = dx
        .post(app.url("/datasets/truong-hoc/upload"))
        .header("x-requested-with", "XMLHttpRequest")
        .multipart(upload_form("wrong", "replace", "truong.csv", CSV))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let f = text(r).await;
    assert!(f.contains("id=\"job-error\"") && f.contains("CSRF") && !f.contains("<html"), "{f}");
    let r = dx
        .post(app.url("/datasets/truong-hoc/upload"))
        .header("x-requested-with", "XMLHttpRequest")
        .header("x-csrf-token", &csrf)
        .multipart(upload_form(&csrf, "sideways", "truong.csv", CSV))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(text(r).await.contains("sideways"));
}

async fn upload_by_api(app: &App, key: &str, slug: &str, csv: &str) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/datasets/{slug}/versions")))
        .bearer_auth(key)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn create_by_api(app: &App, key: &str, def: &str) {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/datasets"))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(def.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn sql_console_runs_queries_exports_and_explains_errors() {
    let app = spawn().await;
    let key = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    create_by_api(&app, &key, DEF).await;
    upload_by_api(&app, &key, "truong-hoc", CSV).await;
    let dx = app.login("dx-office").await;

    let (s, page) = get(&app, &dx, "/sql").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"sql-tables\"") && page.contains("truong_hoc") && page.contains("@N"), "{page}");
    let csrf = hidden(&page, "csrf");

    let sql = "SELECT COUNT(*) AS so_truong FROM truong_hoc";
    let r = dx.post(app.url("/sql")).form(&[("csrf", csrf.as_str()), ("sql", sql)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = text(r).await;
    assert!(page.contains("<th>so_truong</th>") && page.contains("<td class=\"num\">2</td>"), "{page}");
    assert!(page.contains("id=\"sql-count\">1<"));
    // A past version by name.
    let r = dx
        .post(app.url("/sql"))
        .form(&[("csrf", csrf.as_str()), ("sql", "SELECT ma_truong FROM \"truong-hoc@1\" ORDER BY ma_truong")])
        .send()
        .await
        .unwrap();
    let page = text(r).await;
    assert!(page.contains("<td>T01</td>") && page.contains("<td>T04</td>"), "{page}");

    // A bad query: a visible box quoting the error, in the caller's language.
    let bad = "SELECT khong_co FROM truong_hoc";
    let r = dx.post(app.url("/sql")).form(&[("csrf", csrf.as_str()), ("sql", bad)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = text(r).await;
    assert!(page.contains("id=\"sql-error\"") && page.contains("Lỗi SQL") && page.contains("khong_co"), "{page}");
    assert!(page.contains(">SELECT khong_co FROM truong_hoc</textarea>"), "the statement is kept");
    dx.get(app.url("/lang/en?next=/")).send().await.unwrap();
    let r = dx.post(app.url("/sql")).form(&[("csrf", csrf.as_str()), ("sql", bad)]).send().await.unwrap();
    let page = text(r).await;
    assert!(page.contains("SQL error") && !page.contains("Lỗi SQL"), "{page}");

    // The same query as CSV and XLSX.
    let r =
        dx.post(app.url("/sql/export?format=csv")).form(&[("csrf", csrf.as_str()), ("sql", sql)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(text(r).await, "\u{feff}so_truong\n2\n");
    let r = dx
        .post(app.url("/sql/export?format=xlsx"))
        .form(&[("csrf", csrf.as_str()), ("sql", sql)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    // CSRF is required, for runs and exports.
    let r = dx.post(app.url("/sql")).form(&[("sql", sql)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = dx.post(app.url("/sql/export?format=csv")).form(&[("csrf", "nope"), ("sql", sql)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Data officers and leaders have no console.
    for who in ["health-officer", "leader"] {
        let c = app.login(who).await;
        let (s, page) = get(&app, &c, "/sql").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        assert!(!page.contains("id=\"sql-form\""));
        let csrf = page_csrf(&app, &c, "/datasets").await;
        let r = c.post(app.url("/sql")).form(&[("csrf", csrf.as_str()), ("sql", sql)]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn quality_board_puts_stale_datasets_first_and_names_those_never_updated() {
    let app = spawn().await;
    let key = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    create_by_api(&app, &key, DEF).await;
    upload_by_api(&app, &key, "truong-hoc", CSV).await;
    create_by_api(&app, &key, &DEF.replace("truong-hoc", "truong-cu")).await;
    create_by_api(&app, &key, OPEN_DEF).await;
    // An upload dated 100 days ago: a monthly dataset that old is stale ("sống" 0).
    let wh = tinhso_warehouse::Warehouse::open(app.store.clone(), app._dir.path(), "52").await.unwrap();
    let path = app._dir.path().join("cu.csv");
    std::fs::write(&path, CSV).unwrap();
    let input = tinhso_warehouse::IngestInput {
        path,
        file_name: "cu.csv".into(),
        content_type: None,
        sheet: None,
        mode: tinhso_warehouse::WriteMode::Replace,
        at: Some(tinhso_store::now() - 100 * 86_400),
    };
    let out = wh.ingest(&tinhso_warehouse::Actor::system(), "truong-cu", input, Default::default()).await.unwrap();
    assert_eq!(out.version, Some(1));

    let dx = app.login("dx-office").await;
    let (s, page) = get(&app, &dx, "/quality").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"quality-agencies\"") && page.contains("SKHCN"), "{page}");
    let stale = page.find("data-slug=\"truong-cu\"").expect("stale dataset listed");
    let fresh = page.find("data-slug=\"truong-hoc\"").expect("fresh dataset listed");
    assert!(stale < fresh, "stale datasets come first");
    assert!(page.contains("id=\"stale-count\">1<"));
    let missing = page.find("id=\"quality-missing\"").expect("never-updated table");
    assert!(page[missing..].contains("diem-wifi"));
    // The catalogue's quality filter finds the stale one, whose score is below 90.
    let (_, page) = get(&app, &dx, "/datasets?max_score=90").await;
    assert!(page.contains("data-slug=\"truong-cu\""), "{page}");

    let public_like = app.login("leader").await;
    let (s, _) = get(&app, &public_like, "/quality").await;
    assert_eq!(s, StatusCode::OK);
}
