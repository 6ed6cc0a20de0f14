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
