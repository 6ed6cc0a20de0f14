//! Seeds the demo warehouse: the province's inter-agency datasets with their
//! deliberate real-world problems, each upload ingested as a real version.

use std::sync::Arc;

use anyhow::anyhow;
use tinhso_domain::AdminUnits;
use tinhso_warehouse::{Actor, Definition, IngestInput, Progress, Warehouse, WriteMode};

/// Creates and fills every demo dataset that does not exist yet; returns how many were created.
pub async fn seed(wh: &Warehouse, today: chrono::NaiveDate) -> anyhow::Result<usize> {
    let actor = Actor::system();
    let mut created = 0;
    let dir = tempfile::tempdir()?;
    for d in tinhso_warehouse::demo::demo_datasets(AdminUnits::embedded(), tinhso_store::demo::DEMO_PROVINCE, today) {
        let def = Definition::parse(&d.definition.to_string(), false).map_err(|e| anyhow!("demo definition: {e}"))?;
        let slug = def.slug.clone();
        if wh.store().dataset_by_slug(&slug).await.map_err(|e| anyhow!("{e}"))?.is_some() {
            continue;
        }
        wh.create_dataset(&actor, def).await.map_err(|e| anyhow!("{slug}: {e}"))?;
        created += 1;
        for u in d.uploads {
            let path = dir.path().join(&u.file_name);
            std::fs::write(&path, &u.bytes)?;
            let at = chrono::Utc::now().timestamp() - u.age_days * 86_400;
            let input = IngestInput {
                path,
                file_name: u.file_name.clone(),
                content_type: None,
                sheet: None,
                mode: WriteMode::parse(u.mode).map_err(|e| anyhow!("{e}"))?,
                at: Some(at),
            };
            let out = wh.ingest(&actor, &slug, input, Arc::new(Progress::default())).await;
            match out {
                Ok(o) => {
                    tracing::info!(%slug, file = %u.file_name, version = ?o.version, rows = o.report.rows_read, rejected = o.report.rows_rejected, "demo upload")
                }
                Err(e) => tracing::warn!(%slug, file = %u.file_name, error = %e, "demo upload failed"),
            }
        }
    }
    Ok(created)
}
