//! A real browser (headless Chromium through chromedriver) logs in, defines a dataset, uploads a
//! CSV through the upload form with its script and progress, waits for the new version, and runs
//! SQL in the console. Skipped when chromedriver is absent, unless `TINHSO_REQUIRE_BROWSER=1`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use super::{spawn, PW};

const CSV: &str = "ma_truong,ten_truong,xa,ngay_thanh_lap,kinh_phi,cccd_hieu_truong\n\
T01,Trường TH Lê Lợi,21583,05/09/1975,\"1,2 tỷ\",052080001234\n\
T02,Trường THCS Nguyễn Huệ,21583,31/02/2024,350 triệu,\n\
T03,,21583,2001-08-15,1.234.567,\n\
T04,Trường THPT Quy Nhơn,21550,1/1/1990,1.234.567,\n";

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let candidates =
        [std::env::var_os("CHROMEDRIVER").map(PathBuf::from), Some(PathBuf::from("/usr/bin/chromedriver"))];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_driver(path: &PathBuf) -> (Driver, String) {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
    let driver = Driver(child);
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not listen on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, format!("http://127.0.0.1:{port}"))
}

async fn browser(webdriver: &str, profile: &std::path::Path) -> Client {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": binary,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    // Both rustls providers are in the dependency tree: choose one (a second install is a no-op error).
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(caps)
        .connect(webdriver)
        .await
        .unwrap_or_else(|e| panic!("cannot start a browser session: {e}"))
}

/// Waits until the element matching `css` exists and its text satisfies `ok`; returns the text.
async fn wait_text(c: &Client, css: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if ok(&t) {
                    return t;
                }
                last = t;
            }
        }
        if started.elapsed() > timeout {
            let page = c.source().await.unwrap_or_default();
            panic!("waited {timeout:?} for {css}; last text {last:?}; page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_browser_uploads_a_file_and_queries_it() {
    let Some(path) = chromedriver() else {
        if std::env::var("TINHSO_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromedriver not found (CHROMEDRIVER or /usr/bin/chromedriver) and TINHSO_REQUIRE_BROWSER=1");
        }
        println!("chromedriver not found: browser test skipped (.ci/run installs chromium)");
        return;
    };
    let app = spawn().await;
    let (_driver, webdriver) = start_driver(&path).await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&webdriver, profile.path()).await;
    let result = drive(&c, &app.base).await;
    let _ = c.close().await;
    result.unwrap();
}

async fn drive(c: &Client, base: &str) -> Result<(), fantoccini::error::CmdError> {
    let long = Duration::from_secs(60);

    // Log in through the form.
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Css("#username")).await?.send_keys("dx-office").await?;
    c.find(Locator::Css("#password")).await?.send_keys(PW).await?;
    c.find(Locator::Css("form button[type=submit]")).await?.click().await?;
    wait_text(c, "header .who span", long, |t| t.contains("dx-office")).await;

    // The catalogue, then a dataset from the prefilled example.
    c.goto(&format!("{base}/datasets")).await?;
    wait_text(c, "h1", long, |t| t == "Kho dữ liệu").await;
    c.find(Locator::Css("#new-dataset")).await?.click().await?;
    let example = c.find(Locator::Css("#definition")).await?.prop("value").await?.unwrap_or_default();
    assert!(example.contains("slug = \"truong-hoc\""), "{example}");
    c.find(Locator::Css("#definition-form button[type=submit]")).await?.click().await?;
    wait_text(c, "h1", long, |t| t.contains("Trường học")).await;
    c.goto(&format!("{base}/datasets")).await?;
    wait_text(c, "#datasets", long, |t| t.contains("truong-hoc")).await;

    // Upload through the form: the script sends it, the job reports the new version.
    c.goto(&format!("{base}/datasets/truong-hoc")).await?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("truong-hoc.csv");
    std::fs::write(&file, CSV).unwrap();
    let file = file.canonicalize().unwrap();
    c.find(Locator::Css("#file")).await?.send_keys(&file.display().to_string()).await?;
    c.find(Locator::Css("#upload-form button[type=submit]")).await?.click().await?;
    let done = wait_text(c, "#job-result", long, |t| t.contains("Phiên bản 1")).await;
    assert!(done.contains("Phiên bản 1"), "{done}");
    // The page did not navigate: the script handled the upload.
    assert!(c.current_url().await?.path().ends_with("/datasets/truong-hoc"));
    // The upload bar reached the end (`value` reflects the content attribute).
    let progress = c.find(Locator::Css(".upload-progress progress")).await?.attr("value").await?;
    assert_eq!(progress.as_deref(), Some("100"));
    c.find(Locator::Css("#job-version-link")).await?.click().await?;
    wait_text(c, "#version-title", long, |t| t == "Phiên bản 1").await;

    // The SQL console counts the accepted rows.
    c.goto(&format!("{base}/sql")).await?;
    let sql = c.find(Locator::Css("#sql")).await?;
    sql.clear().await?;
    sql.send_keys("SELECT COUNT(*) AS n FROM truong_hoc").await?;
    c.find(Locator::Css("#sql-run")).await?.click().await?;
    let count = wait_text(c, "#sql-table tbody td", long, |t| !t.is_empty()).await;
    assert_eq!(count, "2");

    // Data sharing: ask for two columns of the dataset, approve on the grants page.
    c.goto(&format!("{base}/grants/new?dataset=truong-hoc")).await?;
    wait_text(c, "h1", long, |t| t == "Gửi yêu cầu truy cập").await;
    c.find(Locator::Css("#grant-request input[value=ma_truong]")).await?.click().await?;
    c.find(Locator::Css("#grant-request input[value=ten_truong]")).await?.click().await?;
    c.find(Locator::Css("#purpose")).await?.send_keys("Thống kê trường học theo xã cho báo cáo chuyển đổi số").await?;
    c.find(Locator::Css("#grant-request button[type=submit]")).await?.click().await?;
    let pending = wait_text(c, "#pending", long, |t| t.contains("Thống kê trường học")).await;
    assert!(pending.contains("ma_truong, ten_truong"), "{pending}");
    c.find(Locator::Css("#pending button.approve")).await?.click().await?;
    let readers = wait_text(c, "#readers", long, |t| t.contains("Đang hiệu lực")).await;
    assert!(readers.contains("Thống kê trường học"), "{readers}");
    c.goto(&format!("{base}/audit?dataset=truong-hoc")).await?;
    wait_text(c, "#audit", long, |t| t.contains("grant.approve") && t.contains("dataset.ingest")).await;
    Ok(())
}

// ---------------------------------------------------------------- dashboards

/// Where screenshots go: `TINHSO_SCREENSHOTS`, else `target/screenshots` of the workspace
/// (CI keeps the folder it sets).
fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("TINHSO_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) -> Result<(), fantoccini::error::CmdError> {
    let png = c.screenshot().await?;
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
    Ok(())
}

/// Waits until every panel of the dashboard has finished loading; returns (panel, state, rows, query).
async fn dashboard_ready(c: &Client) -> Vec<(String, String, i64, String)> {
    let started = Instant::now();
    loop {
        let ready = c
            .execute("var d = document.getElementById('dashboard'); return d ? d.dataset.ready : null;", vec![])
            .await
            .unwrap_or_default();
        if ready == "true" {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let page = c.source().await.unwrap_or_default();
            panic!("the dashboard did not finish loading; page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll('section.panel')).map(function (p) { \
             return [p.dataset.panel, p.dataset.state, Number(p.dataset.rows || 0), p.dataset.query || '']; });",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap_or("").to_string(),
                p[2].as_i64().unwrap_or(0),
                p[3].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Clicks, with the real mouse, the region `code` of map panel `panel`.
async fn click_region(c: &Client, panel: &str, code: &str) -> Result<(), fantoccini::error::CmdError> {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let at = c
        .execute(
            "var d = window.tinhsoDashboard; var el = d.chartElement(arguments[0]); \
             el.scrollIntoView({block: 'center'}); var r = el.getBoundingClientRect(); \
             var p = d.pixelOf(arguments[0], arguments[1]); \
             return p ? [Math.round(r.left + p.x), Math.round(r.top + p.y)] : null;",
            vec![serde_json::json!(panel), serde_json::json!(code)],
        )
        .await?;
    let (x, y) = (at[0].as_f64().expect("a point on the map"), at[1].as_f64().unwrap());
    let a = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(50)), x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    c.perform_actions(a).await
}

#[tokio::test]
async fn a_browser_shows_every_dashboard_cross_filters_and_switches_language() {
    let Some(path) = chromedriver() else {
        if std::env::var("TINHSO_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromedriver not found (CHROMEDRIVER or /usr/bin/chromedriver) and TINHSO_REQUIRE_BROWSER=1");
        }
        println!("chromedriver not found: browser test skipped (.ci/run installs chromium)");
        return;
    };
    let app = spawn().await;
    super::dashboards::seed(&app, super::dashboards::ALL_DEMO).await;
    // The IT project pipeline for the projects dashboard.
    tinhso_dx::demo::seed_projects(&app.tracker).await.unwrap();
    // Some data-sharing traffic for the overview's sharing panels.
    let actor = tinhso_warehouse::Actor::system();
    app.warehouse.sql(&actor, "SELECT count(*) FROM co_so_y_te").await.unwrap();
    let (_driver, webdriver) = start_driver(&path).await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&webdriver, profile.path()).await;
    let result = drive_dashboards(&c, &app.base).await;
    let _ = c.close().await;
    result.unwrap();
}

async fn drive_dashboards(c: &Client, base: &str) -> Result<(), fantoccini::error::CmdError> {
    let long = Duration::from_secs(60);
    c.set_window_size(1600, 2400).await?;
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Css("#username")).await?.send_keys("leader").await?;
    c.find(Locator::Css("#password")).await?.send_keys(PW).await?;
    c.find(Locator::Css("form button[type=submit]")).await?.click().await?;
    wait_text(c, "header .who span", long, |t| t.contains("leader")).await;

    // Every built-in dashboard loads with data in every panel.
    c.goto(&format!("{base}/dashboards")).await?;
    let list = wait_text(c, "#dash-list", long, |t| !t.is_empty()).await;
    let slugs: Vec<String> = c
        .execute("return Array.from(document.querySelectorAll('#dash-list li')).map(function (l) { return l.dataset.slug; });", vec![])
        .await?
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert!(slugs.len() >= 4, "{list}");
    for slug in &slugs {
        c.goto(&format!("{base}/dashboards/{slug}")).await?;
        let panels = dashboard_ready(c).await;
        assert!(!panels.is_empty());
        for (id, state, rows, _) in &panels {
            assert_eq!(state, "ready", "{slug}/{id} is {state}");
            assert!(*rows > 0, "{slug}/{id} has no rows");
        }
        // Every chart was drawn on a canvas (KPI sparklines, bars, lines, pies, gauges, maps).
        let drawn = c
            .execute(
                "return Array.from(document.querySelectorAll('section.panel')).filter(function (p) { \
                 return p.dataset.kind !== 'table' && !p.querySelector('canvas'); }).map(function (p) { return p.dataset.panel; });",
                vec![],
            )
            .await?;
        assert_eq!(drawn, serde_json::json!([]), "{slug}: panels without a chart");
        shot(c, &format!("dashboard-{slug}")).await?;
    }

    // Cross-filter on the TTHC monitor: drill from the province into its communes, click one.
    c.goto(&format!("{base}/dashboards/giam-sat-tthc")).await?;
    dashboard_ready(c).await;
    let kpi = || async { c.find(Locator::Css("#panel-tiep-nhan .panel-body")).await?.text().await };
    let before = kpi().await?;
    let level = c.execute("return window.tinhsoDashboard.mapLevel('ban-do');", vec![]).await?;
    assert_eq!(level, "province");
    click_region(c, "ban-do", "52").await?;
    let started = Instant::now();
    while c.execute("return window.tinhsoDashboard.mapLevel('ban-do');", vec![]).await? != "commune" {
        assert!(started.elapsed() < long, "the map did not drill into the communes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    dashboard_ready(c).await;
    shot(c, "dashboard-giam-sat-tthc-communes").await?;
    let commune = "21637";
    click_region(c, "ban-do", commune).await?;
    let started = Instant::now();
    loop {
        let v = c.execute("return document.getElementById('dashboard').dataset.commune;", vec![]).await?;
        if v == commune {
            break;
        }
        assert!(started.elapsed() < long, "clicking commune {commune} did not filter (data-commune = {v})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after = dashboard_ready(c).await;
    for (id, state, rows, query) in &after {
        // A commune may have no overdue dossier: "empty" is an answer too, never an error.
        assert!(state == "ready" || state == "empty", "{id} after the click is {state}");
        if id != "ban-do" {
            assert!(query.contains(&format!("commune={commune}")), "{id} was not filtered: {query}");
        }
        if id == "tiep-nhan" {
            assert!(*rows > 0, "no dossiers for commune {commune}");
        }
    }
    // The province's dossier count became the commune's.
    assert_ne!(kpi().await?, before);
    shot(c, "dashboard-giam-sat-tthc-filtered").await?;
    // Exports: the PNG and the PDF are made in the browser.
    let pdf = c
        .execute_async(
            "var done = arguments[arguments.length - 1]; window.tinhsoDashboard.exportPdf().then(function (b) { \
             var s = ''; for (var i = 0; i < 5; i++) s += String.fromCharCode(b[i]); done([s, b.length]); });",
            vec![],
        )
        .await?;
    assert_eq!(pdf[0], "%PDF-");
    assert!(pdf[1].as_i64().unwrap() > 10_000);
    let png = c
        .execute_async(
            "var done = arguments[arguments.length - 1]; window.tinhsoDashboard.exportPng().then(function (u) { done(u.slice(0, 22)); });",
            vec![],
        )
        .await?;
    assert_eq!(png, "data:image/png;base64,");

    // The English switch: titles and labels in English, data still there.
    c.find(Locator::Css("header .who a[lang=en]")).await?.click().await?;
    wait_text(c, "h1", long, |t| t == "Administrative procedure processing monitor").await;
    let panels = dashboard_ready(c).await;
    assert!(panels.iter().all(|p| p.1 == "ready"));
    let h2 = c.find(Locator::Css("#panel-dung-han h2")).await?.text().await?;
    assert_eq!(h2, "On-time rate");
    shot(c, "dashboard-giam-sat-tthc-en").await?;

    // The operations-room wall view.
    c.goto(&format!("{base}/dashboards/giam-sat-tthc/wall")).await?;
    let panels = dashboard_ready(c).await;
    assert!(panels.iter().all(|p| p.1 == "ready"));
    let wall = c.execute("return document.body.classList.contains('dash-wall');", vec![]).await?;
    assert_eq!(wall, true);
    shot(c, "dashboard-giam-sat-tthc-wall").await?;
    Ok(())
}

// ---------------------------------------------------------------- DX programme

#[tokio::test]
async fn a_browser_runs_the_monthly_review_of_the_dx_programme() {
    let Some(path) = chromedriver() else {
        if std::env::var("TINHSO_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromedriver not found (CHROMEDRIVER or /usr/bin/chromedriver) and TINHSO_REQUIRE_BROWSER=1");
        }
        println!("chromedriver not found: browser test skipped (.ci/run installs chromium)");
        return;
    };
    let app = spawn().await;
    super::dashboards::seed(&app, &["ho-so-tthc", "to-cong-nghe-so"]).await;
    let today = tinhso_dx::review::vn_day(tinhso_store::now());
    tinhso_dx::demo::seed(&app.tracker, today).await.unwrap();
    assert!(app.store.dx_projects(Some(2022), None).await.unwrap().len() == 44);
    let (_driver, webdriver) = start_driver(&path).await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&webdriver, profile.path()).await;
    let result = drive_dx(&c, &app.base).await;
    let _ = c.close().await;
    result.unwrap();
}

async fn login_as(c: &Client, base: &str, user: &str) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Css("#username")).await?.send_keys(user).await?;
    c.find(Locator::Css("#password")).await?.send_keys(PW).await?;
    c.find(Locator::Css("form button[type=submit]")).await?.click().await?;
    wait_text(c, "header .who span", Duration::from_secs(60), |t| t.contains(user)).await;
    Ok(())
}

async fn drive_dx(c: &Client, base: &str) -> Result<(), fantoccini::error::CmdError> {
    let long = Duration::from_secs(60);
    c.set_window_size(1400, 2000).await?;
    // The DX office opens this month's review from the overview.
    login_as(c, base, "dx-office").await?;
    c.goto(&format!("{base}/dx")).await?;
    let kpis = wait_text(c, "#dx-kpis", long, |t| !t.is_empty()).await;
    assert!(kpis.contains("80") && kpis.contains("35"), "{kpis}");
    shot(c, "dx-overview").await?;
    c.find(Locator::Css("#dx-open-review button[type=submit]")).await?.click().await?;
    let reports = wait_text(c, "#dx-reports", long, |t| t.contains("Sở Y tế")).await;
    assert!(reports.contains("Đang chờ") || reports.contains("Chưa nộp"), "{reports}");
    c.find(Locator::Css("header .who form button[type=submit]")).await?.click().await?;

    // Health starts from its list, opens the report and submits it.
    login_as(c, base, "health-admin").await?;
    c.goto(&format!("{base}/dx/start")).await?;
    let tasks = wait_text(c, "#start-tasks", long, |t| t.contains("CĐS-01")).await;
    assert!(tasks.contains("Quá hạn"), "an overdue task is flagged: {tasks}");
    c.find(Locator::Css("#start-reports a")).await?.click().await?;
    wait_text(c, "#report-form", long, |t| t.contains("CĐS-01")).await;
    let progress = c.find(Locator::Css("#report-form fieldset[data-task='CĐS-01'] input[type=number]")).await?;
    progress.clear().await?;
    progress.send_keys("75").await?;
    c.find(Locator::Css("#report-form fieldset[data-task='CĐS-01'] textarea"))
        .await?
        .send_keys("Đã cập nhật quý III")
        .await?;
    c.find(Locator::Css("#report-submit")).await?.click().await?;
    let msg = wait_text(c, "#review-message", long, |t| !t.is_empty()).await;
    assert!(msg.contains("Nộp báo cáo"), "{msg}");
    let state = c.find(Locator::Css("#dx-reports tr[data-agency='SYT']")).await?.attr("data-state").await?;
    assert!(matches!(state.as_deref(), Some("on_time") | Some("late")), "{state:?}");
    shot(c, "dx-review").await?;

    // DTI with its rank chart, and the community teams.
    c.goto(&format!("{base}/dx/dti?year=2022")).await?;
    wait_text(c, "#dti-ranking", long, |t| t.contains("TP. Đà Nẵng")).await;
    assert!(c.find(Locator::Css("#dti-rank-chart polyline")).await.is_ok());
    shot(c, "dx-dti").await?;
    // The teams' statistics read a shared dataset: the leader may, a department without a grant may not.
    c.goto(&format!("{base}/dx/teams")).await?;
    wait_text(c, "h1", long, |t| !t.is_empty()).await;
    assert!(c.find(Locator::Css("#teams-total")).await.is_err(), "health has no grant on the teams' dataset");
    c.find(Locator::Css("header .who form button[type=submit]")).await?.click().await?;
    login_as(c, base, "leader").await?;
    c.goto(&format!("{base}/dx/teams")).await?;
    let total = wait_text(c, "#teams-total", long, |t| !t.is_empty()).await;
    assert!(total.contains("876"), "843 + 31 + 2 teams: {total}");
    shot(c, "dx-teams").await?;

    // The IT project pipeline of 2022 and one dossier.
    c.goto(&format!("{base}/projects?year=2022")).await?;
    let budget = wait_text(c, "#prj-budget", long, |t| !t.is_empty()).await;
    assert!(budget.contains("4,12 tỷ") && budget.contains("286 tỷ"), "{budget}");
    shot(c, "projects").await?;
    c.find(Locator::Css("#prj-steps li[data-step='xem-xet'] a")).await?.click().await?;
    wait_text(c, "#prj-list", long, |t| t.contains("DA-2022")).await;
    c.find(Locator::Css("#prj-list tbody tr a")).await?.click().await?;
    let step = wait_text(c, "#project-step", long, |t| !t.is_empty()).await;
    assert!(step.contains("Sở KH&CN xem xét"), "{step}");
    shot(c, "project").await?;
    Ok(())
}
