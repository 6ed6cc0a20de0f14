//! The acceptance interface: `tinhso demo`, `tinhso apikey create`, config errors.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_tinhso");

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo(dir: &std::path::Path) -> (Running, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["demo", "--data-dir", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("TINHSO_DEMO_PASSWORD", "mat-khau-demo")
        .env_remove("TINHSO_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let base = loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "demo exited early: {lines:?}");
        if let Some(url) = line.trim().rsplit(' ').next().filter(|u| u.starts_with("http://")) {
            break url.to_string();
        }
        lines.push(line);
    };
    (Running { child, base }, lines)
}

#[tokio::test]
async fn demo_then_apikey_then_agencies() {
    let dir = tempfile::tempdir().unwrap();
    let (app, printed) = demo(dir.path());
    for user in ["admin", "dx-office", "leader", "health-admin", "health-officer", "commune-officer"] {
        assert!(printed.iter().any(|l| l.contains(user) && l.contains("mat-khau-demo")), "{user} in {printed:?}");
    }
    let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    let out = Command::new(BIN)
        .args(["apikey", "create", "--data-dir", dir.path().to_str().unwrap(), "--user", "admin", "--name", "ci"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_string();
    let client = reqwest::Client::new();
    let v: serde_json::Value = client
        .get(format!("{}/api/v1/agencies", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["count"], 148);
    let r = client.get(format!("{}/api/v1/agencies", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // The DX programme of the seed scenario, through the acceptance interface.
    let get = |path: &str| {
        let req = client.get(format!("{}{path}", app.base)).bearer_auth(&key);
        async move { req.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let kpis = get("/api/v1/kpis?as_of=2023-12-31").await;
    let mut targets: Vec<f64> = kpis["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["target_on"] == "2023-12-31")
        .map(|k| k["target"].as_f64().unwrap())
        .collect();
    targets.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(targets, [35.0, 50.0, 80.0, 100.0], "{kpis}");
    assert!(kpis["kpis"].as_array().unwrap().iter().all(|k| k["status"].is_string() && k.get("actual").is_some()));
    let plans = get("/api/v1/plans").await;
    assert!(plans["plans"].as_array().unwrap().iter().any(|p| p["code"] == "1282/KH-UBND"));
    let dti = get("/api/v1/dti/results?year=2022").await;
    assert_eq!(
        (dti["province"]["rank"].clone(), dti["ranking"].as_array().unwrap().len()),
        (serde_json::json!(47), 63)
    );
    let teams = get("/api/v1/community-teams/stats").await;
    assert_eq!(teams["teams"], 843 + 31 + 2, "{teams}");
    assert!(teams["members"].as_i64().unwrap() > 3600);
    // The IT project portfolio and budget of the seed scenario.
    let projects = get("/api/v1/projects?year=2022").await;
    assert_eq!(projects["count"], 44);
    let budget = get("/api/v1/budget/summary?year=2021").await;
    assert_eq!(
        (budget["allocated"].clone(), budget["disbursed"].clone()),
        (serde_json::json!(50_000_000_000i64), serde_json::json!(3_500_000_000i64))
    );
    let budget = get("/api/v1/budget/summary?year=2022").await;
    assert_eq!(budget["unallocated_requested"], 286_000_000_000i64);
    // The monthly report from the command line, while the server runs.
    let out_file = dir.path().join("bao-cao-2023-06.docx");
    let out = Command::new(BIN)
        .args(["report", "monthly", "--data-dir", dir.path().to_str().unwrap(), "--month", "2023-06", "--out"])
        .arg(&out_file)
        .env_remove("TINHSO_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out_file).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    for part in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "tháng 6 năm 2023",
        "Nơi nhận:",
    ] {
        assert!(xml.contains(part), "no «{part}» in the report");
    }
    for (args, says) in
        [(["--month", "2023-13", "--out", "x.docx"], "2023-13"), (["--month", "2023-06", "--out", "x.pdf"], ".docx")]
    {
        let out = Command::new(BIN)
            .args(["report", "monthly", "--data-dir", dir.path().to_str().unwrap()])
            .args(args)
            .env_remove("TINHSO_DATABASE_URL")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{}", String::from_utf8_lossy(&out.stderr));
    }
    drop(app);
    // Running the demo again keeps what is there.
    let (_again, printed) = demo(dir.path());
    assert!(printed.iter().any(|l| l.contains("0 cơ quan mới")), "{printed:?}");
}

#[test]
fn apikey_for_an_unknown_user_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["apikey", "create", "--data-dir", dir.path().to_str().unwrap(), "--user", "ghost", "--name", "x"])
        .env_remove("TINHSO_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ghost") && err.contains("no such user"), "{err}");
}

#[test]
fn bad_configuration_names_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tinhso.toml"), "province_code = \"99\"\n").unwrap();
    let out = Command::new(BIN).args(["migrate", "--data-dir", dir.path().to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`province_code`") && err.contains("tinhso.toml"), "{err}");
    let clean = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--data-dir", clean.path().to_str().unwrap(), "--listen", "localhost-ish"])
        .env_remove("TINHSO_LISTEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--listen") && err.contains("`listen`"), "{err}");
}

#[test]
fn oidc_client_create_prints_the_id_and_secret_last() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["oidc", "client", "create", "--data-dir", dir.path().to_str().unwrap()])
            .args(args)
            .env_remove("TINHSO_DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&["--name", "Ứng dụng công khai", "--redirect-uri", "http://127.0.0.1:8765/cb", "--public"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().last().unwrap().starts_with("tsc_"), "{text}");
    let out = run(&["--name", "Máy chủ", "--redirect-uri", "https://app.gialai.gov.vn/cb"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[lines.len() - 2].starts_with("tsc_") && lines[lines.len() - 1].len() == 64, "{text}");
    let out = run(&["--name", "Xấu", "--redirect-uri", "http://evil.example/cb"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("không hợp lệ") && err.contains("invalid"), "{err}");
}
