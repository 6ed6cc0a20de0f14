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

/// Seeds the gateway's demo: the provincial public-service portal registered
/// as an information system of the provincial office, granted the health
/// facilities (no personal data) by the health department, and a pending
/// request from the education department for the civil-servant register.
pub async fn seed_gateway(wh: &Warehouse) -> anyhow::Result<()> {
    let store = wh.store();
    let e = |e: tinhso_domain::Error| anyhow!("{e}");
    if store.system_by_code("cong-dvc").await.map_err(e)?.is_some() {
        return Ok(());
    }
    let Some(dx) = store.user_by_username("dx-office").await.map_err(e)? else { return Ok(()) };
    let Some(owner) = store.user_by_username("health-admin").await.map_err(e)? else { return Ok(()) };
    let system = store
        .create_system(&dx, "cong-dvc", "Cổng dịch vụ công tỉnh", "VP-UBND", "Tra cứu cơ sở y tế cho người dân")
        .await
        .map_err(e)?;
    let as_user = |u: &tinhso_store::User, system: Option<&tinhso_store::System>| {
        let scope = match (system, u.agency_id, &u.agency_path) {
            (Some(s), _, _) => tinhso_domain::Scope::of(u.role, Some((s.agency_id, &s.agency_path))),
            (None, Some(id), Some(path)) => tinhso_domain::Scope::of(u.role, Some((id, path))),
            _ => u.scope(),
        };
        Actor {
            user_id: Some(u.id),
            role: u.role,
            scope,
            agency_id: system.map(|s| s.agency_id).or(u.agency_id),
            system_id: system.map(|s| s.id),
            who: tinhso_warehouse::Who {
                username: u.username.clone(),
                system_code: system.map(|s| s.code.clone()).unwrap_or_default(),
                agency_code: system.map(|s| s.agency_code.clone()).or(u.agency_code.clone()).unwrap_or_default(),
                request_id: "demo".into(),
            },
        }
    };
    let portal = as_user(&dx, Some(&system));
    let request = tinhso_warehouse::GrantRequest {
        dataset: "co-so-y-te".into(),
        purpose: "Cho người dân tra cứu cơ sở khám chữa bệnh gần nhất trên Cổng dịch vụ công".into(),
        columns: ["ma_co_so", "ten_co_so", "loai_hinh", "xa", "dia_chi", "dien_thoai", "toa_do"]
            .map(String::from)
            .to_vec(),
        days: 365,
        ..Default::default()
    };
    let g = wh.request_grant(&portal, &request).await.map_err(e)?;
    wh.approve_grant(&as_user(&owner, None), g.id, &Default::default()).await.map_err(e)?;
    let pending = tinhso_warehouse::GrantRequest {
        dataset: "can-bo-cong-chuc".into(),
        purpose: "Đối chiếu danh sách cán bộ quản lý các cơ sở y tế công lập".into(),
        legal_basis: "Luật Cán bộ, công chức; Nghị định 13/2023/NĐ-CP".into(),
        columns: ["ma_can_bo", "ho_ten", "co_quan", "chuc_vu"].map(String::from).to_vec(),
        days: 180,
        ..Default::default()
    };
    wh.request_grant(&as_user(&owner, None), &pending).await.map_err(e)?;
    // The portal's first look-ups through the gateway (real reads, audited), so that the
    // sharing statistics (`thong_ke_chia_se`) and the overview dashboard have traffic to show.
    for commune in ["21583", "21553", "21637"] {
        let q = format!("SELECT ma_co_so, ten_co_so, dien_thoai FROM co_so_y_te WHERE xa = '{commune}'");
        wh.sql(&portal, &q).await.map_err(e)?;
    }
    // And one refused attempt: the portal has no grant on the civil-servant register.
    let _ = wh.sql(&portal, "SELECT count(*) FROM can_bo_cong_chuc").await;
    Ok(())
}
