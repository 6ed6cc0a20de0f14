//! `tinhso dataset create` and `tinhso ingest` as a user runs them, and what a
//! crash in the middle of an ingest leaves behind.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tinhso");

const DEF: &str = r#"
slug = "ho-so"
name = "Hồ sơ thủ tục hành chính"
name_en = "Administrative dossiers"
zone = "shared"
owner = "VP-UBND"
frequency = "daily"
key = ["ma_ho_so"]

[[fields]]
name = "ma_ho_so"
label = "Mã hồ sơ"
type = "text"

[[fields]]
name = "xa"
label = "Xã/phường"
type = "admin_unit"

[[fields]]
name = "ngay_nhan"
label = "Ngày nhận"
type = "date"
required = true

[[fields]]
name = "le_phi"
label = "Lệ phí"
type = "money"
"#;

fn tinhso(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TINHSO_DATABASE_URL")
        .env_remove("TINHSO_FAILPOINT_BEFORE_COMMIT")
        .output()
        .unwrap()
}

fn last_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("last line is not JSON ({e}): {text}"))
}

fn write_csv(path: &Path, rows: usize) {
    let mut s = String::from("Mã hồ sơ;Xã/phường;Ngày nhận;Lệ phí\n");
    for i in 0..rows {
        s.push_str(&format!("HS{i:07};21583;{:02}/01/2026;{}.000\n", i % 28 + 1, i % 900 + 10));
    }
    std::fs::write(path, s).unwrap();
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // The owner agency comes from the demo seed; `migrate` alone would have none.
    let seed = Command::new(BIN)
        .args(["demo", "--data-dir", dir.path().to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("TINHSO_DEMO_PASSWORD", "mat-khau-demo")
        .env("TINHSO_DEMO_SKIP_WAREHOUSE", "1")
        .env_remove("TINHSO_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the seed to finish (the server prints its address), then stop it.
    let mut child = seed;
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(std::io::BufRead::read_line(&mut reader, &mut line).unwrap() > 0, "demo exited early");
        if line.contains("http://") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let def = dir.path().join("ho-so.toml");
    std::fs::write(&def, DEF).unwrap();
    let out = tinhso(dir.path(), &["dataset", "create", "--file", def.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

#[test]
fn ingest_prints_a_json_summary_and_bad_input_fails_clearly() {
    let dir = setup();
    let csv = dir.path().join("ho-so.csv");
    write_csv(&csv, 500);
    let out = tinhso(dir.path(), &["ingest", "ho-so", csv.to_str().unwrap(), "--no-progress"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = last_json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["rows_read"], 500);
    assert_eq!(v["rows_accepted"], 500);
    assert_eq!(v["quality"]["correct"], 100);
    let out = tinhso(dir.path(), &["sql", "SELECT COUNT(*) AS n, SUM(le_phi) AS s FROM ho_so"]);
    assert_eq!(last_json(&out)["rows"][0][0], 500);

    let out = tinhso(dir.path(), &["ingest", "khong-co", csv.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Không có bộ dữ liệu") && err.contains("There is no dataset"), "{err}");
    let out = tinhso(dir.path(), &["ingest", "ho-so", "/khong/co/tep.csv"]);
    assert!(!out.status.success());
    let bad = dir.path().join("lac.csv");
    std::fs::write(&bad, "foo,bar\n1,2\n").unwrap();
    let out = tinhso(dir.path(), &["ingest", "ho-so", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("lac.csv") && err.contains("header"), "{err}");
}

fn count(dir: &Path) -> i64 {
    let out = tinhso(dir, &["sql", "SELECT COUNT(*) FROM ho_so"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    last_json(&out)["rows"][0][0].as_i64().unwrap()
}

#[test]
fn a_crash_during_ingest_leaves_the_previous_version_intact() {
    let dir = setup();
    let small = dir.path().join("nho.csv");
    write_csv(&small, 100);
    assert!(tinhso(dir.path(), &["ingest", "ho-so", small.to_str().unwrap(), "--no-progress"]).status.success());
    assert_eq!(count(dir.path()), 100);

    // 1. Killed (SIGKILL) while reading and staging a large file.
    let big = dir.path().join("lon.csv");
    write_csv(&big, 400_000);
    let staging = dir.path().join("warehouse/_staging");
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["ingest", "ho-so", big.to_str().unwrap(), "--no-progress"])
        .env_remove("TINHSO_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let staged = std::fs::read_dir(&staging)
            .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("ho-so-")))
            .unwrap_or(false);
        if staged {
            std::thread::sleep(Duration::from_millis(300));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "ingest never started staging");
        assert!(child.try_wait().unwrap().is_none(), "ingest finished before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(count(dir.path()), 100, "the killed ingest must not be visible");

    // 2. Aborted after staging, just before the table commit.
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["ingest", "ho-so", small.to_str().unwrap(), "--no-progress", "--mode", "append"])
        .env_remove("TINHSO_DATABASE_URL")
        .env("TINHSO_FAILPOINT_BEFORE_COMMIT", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(count(dir.path()), 100);

    // Restarted: the next ingest becomes version 2 and the old version stays readable.
    let out = tinhso(dir.path(), &["ingest", "ho-so", small.to_str().unwrap(), "--no-progress", "--mode", "append"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(last_json(&out)["version"], 2);
    // Appending the same keys again duplicates nothing in the file itself; the table now has both copies.
    assert_eq!(count(dir.path()), 200);
    let out = tinhso(dir.path(), &["sql", "SELECT COUNT(*) FROM \"ho-so@1\""]);
    assert_eq!(last_json(&out)["rows"][0][0], 100);
    // Staging files of the dead runs were cleared at the next start.
    let left: Vec<_> = std::fs::read_dir(&staging).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `tinhso audit verify`: exit 0 on an intact chain; non-zero, naming the
/// entry, after someone edits the database behind tinhso's back.
#[tokio::test]
async fn audit_verify_passes_then_names_the_tampered_entry() {
    let dir = setup();
    let csv = dir.path().join("ho-so.csv");
    write_csv(&csv, 20);
    assert!(tinhso(dir.path(), &["ingest", "ho-so", csv.to_str().unwrap(), "--no-progress"]).status.success());
    for _ in 0..3 {
        count(dir.path());
    }
    let out = tinhso(dir.path(), &["audit", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("nguyên vẹn") && text.contains("intact"), "{text}");
    let store = tinhso_store::Store::open_raw(&tinhso_store::sqlite_url(dir.path())).await.unwrap();
    store.execute_raw("DROP TRIGGER audit_log_no_update").await.unwrap();
    store.execute_raw("UPDATE audit_log SET row_count = 0 WHERE seq = 3").await.unwrap();
    store.close().await;
    let out = tinhso(dir.path(), &["audit", "verify"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("mục 3") && err.contains("entry 3") && err.contains("edited"), "{err}");
}
