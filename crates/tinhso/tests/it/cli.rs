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
