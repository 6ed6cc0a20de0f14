//! Warehouse commands: `dataset create|list`, `ingest` (with a progress bar) and `sql`.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use tinhso_warehouse::{Actor, Definition, IngestInput, Progress, Warehouse, WriteMode};

pub async fn create(wh: &Warehouse, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("Không đọc được / cannot read {}", file.display()))?;
    let toml = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let def = Definition::parse(&text, toml).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let d = wh.create_dataset(&Actor::system(), def).await.map_err(|e| anyhow!("{e}"))?;
    println!(
        "Đã tạo bộ dữ liệu / created dataset {} ({}), chủ quản / owner {}",
        d.record.slug, d.record.name_vi, d.record.owner_code
    );
    Ok(())
}

pub async fn list(wh: &Warehouse) -> anyhow::Result<()> {
    for d in wh.datasets(&Actor::system()).await.map_err(|e| anyhow!("{e}"))? {
        let v = d.latest.as_ref().and_then(|l| l.version).map(|v| format!("v{v}")).unwrap_or_else(|| "-".into());
        let q = d.scores.map(|s| s.score.to_string()).unwrap_or_else(|| "-".into());
        println!("{:<28} {:<8} {:<5} {:>4}  {}", d.record.slug, d.record.owner_code, v, q, d.record.name_vi);
    }
    Ok(())
}

pub async fn ingest(
    wh: &Warehouse,
    slug: &str,
    file: &Path,
    mode: &str,
    sheet: Option<String>,
    bar: bool,
) -> anyhow::Result<()> {
    let mode = WriteMode::parse(mode).map_err(|e| anyhow!("{e}"))?;
    if !file.exists() {
        return Err(anyhow!("Không có tệp / no such file: {}", file.display()));
    }
    let input = IngestInput {
        path: file.to_path_buf(),
        file_name: file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        content_type: None,
        sheet,
        mode,
        at: None,
    };
    let progress = Arc::new(Progress::default());
    let pb = if bar {
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} · {msg}",
            )
            .expect("template"),
        );
        Some(pb)
    } else {
        None
    };
    let ticker = pb.clone().map(|pb| {
        let p = progress.clone();
        tokio::spawn(async move {
            loop {
                pb.set_length(p.total.load(Ordering::Relaxed));
                pb.set_position(p.bytes.load(Ordering::Relaxed));
                pb.set_message(format!("{} dòng / rows", p.rows.load(Ordering::Relaxed)));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    });
    let started = std::time::Instant::now();
    let out = wh.ingest(&Actor::system(), slug, input, progress.clone()).await;
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let out = out.map_err(|e| anyhow!("{e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let r = &out.report;
    match out.version {
        Some(v) => println!(
            "Phiên bản / version {v}: {} dòng đọc / read, {} nhận / accepted, {} loại / rejected ({:.1} s)",
            r.rows_read, r.rows_accepted, r.rows_rejected, secs
        ),
        None => println!(
            "Từ chối / refused: {} / {}",
            r.refused.as_ref().map(|m| m.vi.as_str()).unwrap_or(""),
            r.refused.as_ref().map(|m| m.en.as_str()).unwrap_or("")
        ),
    }
    println!(
        "Chất lượng / quality: {} (đúng {}, đủ {}, sạch {}, sống {})",
        out.scores.score, out.scores.correct, out.scores.complete, out.scores.clean, out.scores.live
    );
    if let Some(f) = wh.rejects_path(&Actor::system(), slug, out.version, Some(out.ingest_id)).await.ok().flatten() {
        println!("Dòng bị loại / rejected rows: {}", f.display());
    }
    let json = serde_json::json!({
        "version": out.version,
        "ingest_id": out.ingest_id,
        "rows_read": r.rows_read,
        "rows_accepted": if out.version.is_some() { r.rows_accepted } else { 0 },
        "rows_rejected": r.rows_rejected,
        "seconds": secs,
        "quality": {"score": out.scores.score, "correct": out.scores.correct, "complete": out.scores.complete, "clean": out.scores.clean, "live": out.scores.live},
    });
    println!("{json}");
    if out.version.is_none() {
        return Err(anyhow!("tải lên bị từ chối / upload refused"));
    }
    Ok(())
}

pub async fn sql(wh: &Warehouse, text: &str) -> anyhow::Result<()> {
    let r = wh.sql(&Actor::system(), text).await.map_err(|e| anyhow!("{e}"))?;
    let columns: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
    println!("{}", serde_json::json!({"columns": columns, "rows": r.rows}));
    Ok(())
}
