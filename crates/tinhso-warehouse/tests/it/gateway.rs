//! The gateway's rules through the warehouse API: deny by default, grants
//! with columns, row filters and expiry, masking inside SQL, attacks on the
//! SQL surface, and the audit chain with its tamper detection.

use tinhso_domain::{ErrorKind, Role, Scope};
use tinhso_store::{Store, User};
use tinhso_warehouse::{Actor, Basis, Filter, GrantDecision, GrantRequest, RowQuery, Who, WriteMode};

use crate::{env, ingest_bytes, schools, Env, GOOD_CSV};

async fn actor_of(store: &Store, username: &str) -> (Actor, User) {
    let u = store.user_by_username(username).await.unwrap().unwrap();
    let scope = match u.agency_id {
        Some(id) => {
            let a = store.agency(id).await.unwrap();
            Scope::of(u.role, Some((a.id, &a.path)))
        }
        None => Scope::of(u.role, None),
    };
    let actor = Actor {
        user_id: Some(u.id),
        role: u.role,
        scope,
        agency_id: u.agency_id,
        system_id: None,
        who: Who {
            username: username.into(),
            agency_code: u.agency_code.clone().unwrap_or_default(),
            request_id: format!("test-{username}"),
            ..Default::default()
        },
    };
    (actor, u)
}

fn page(limit: usize) -> RowQuery {
    RowQuery { limit, max_limit: 10_000, ..Default::default() }
}

async fn with_schools(e: &Env) {
    schools(e).await;
    ingest_bytes(e, "truong-hoc", "v1.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
}

async fn granted(e: &Env, legal_basis: &str, unmasked: Option<Vec<String>>) -> (Actor, i64) {
    let (health, _) = actor_of(&e.store, "health-officer").await;
    let (dx, _) = actor_of(&e.store, "dx-office").await;
    let g =
        e.wh.request_grant(
            &health,
            &GrantRequest {
                dataset: "truong-hoc".into(),
                purpose: "Theo dõi y tế học đường tại phường".into(),
                legal_basis: legal_basis.into(),
                columns: vec!["ma_truong".into(), "ten_truong".into(), "xa".into(), "cccd_hieu_truong".into()],
                row_filter: serde_json::json!({"xa": "21583"}),
                days: 30,
            },
        )
        .await
        .unwrap();
    assert_eq!(g.status, "pending");
    // Pending is not granted.
    assert_eq!(e.wh.read_rows(&health, "truong-hoc", &page(10)).await.unwrap_err().kind, ErrorKind::Forbidden);
    let dec = GrantDecision { unmasked, ..Default::default() };
    let g = e.wh.approve_grant(&dx, g.id, &dec).await.unwrap();
    assert_eq!(g.status, "approved");
    (health, g.id)
}

#[tokio::test]
async fn no_grant_no_rows_and_the_attempt_is_audited() {
    let e = env().await;
    with_schools(&e).await;
    let (health, _) = actor_of(&e.store, "health-officer").await;
    let err = e.wh.read_rows(&health, "truong-hoc", &page(10)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Forbidden);
    assert!(err.vi.contains("yêu cầu truy cập") && err.en.contains("access request"), "{err:?}");
    assert_eq!(e.wh.read_row(&health, "truong-hoc", "T01").await.unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(e.wh.sql(&health, "SELECT * FROM truong_hoc").await.unwrap_err().kind, ErrorKind::Forbidden);
    let log = e.store.audit_entries(&tinhso_store::AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
    let denied: Vec<_> = log.iter().filter(|r| r.entry.outcome == "denied").collect();
    assert!(denied.len() >= 3, "{log:?}");
    assert!(denied.iter().all(|r| r.entry.username == "health-officer" && r.entry.request_id == "test-health-officer"));
}

#[tokio::test]
async fn a_grant_gives_its_columns_and_rows_masked_inside_the_query() {
    let e = env().await;
    with_schools(&e).await;
    let (health, grant_id) = granted(&e, "", None).await;
    let p = e.wh.read_rows(&health, "truong-hoc", &page(10)).await.unwrap();
    assert_eq!(p.basis, format!("grant:{grant_id}"));
    let cols: Vec<String> = p.schema.fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(cols, vec!["ma_truong", "ten_truong", "xa", "cccd_hieu_truong", "xa__goc"]);
    let rows = tinhso_warehouse::sql::to_json_rows(&p.batches);
    // Only the granted commune (T03 is in 21601 after the 2025 mapping).
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "T01");
    assert_eq!(rows[0][3], "052******234", "no legal basis: masked");
    assert_eq!(p.masked, vec!["cccd_hieu_truong"]);
    // SQL sees the same view: other columns do not exist, other rows are not there.
    let r = e.wh.sql(&health, "SELECT * FROM truong_hoc ORDER BY ma_truong").await.unwrap();
    assert_eq!(r.rows.len(), 2);
    assert_eq!(r.rows[0][3], "052******234");
    assert!(e.wh.sql(&health, "SELECT kinh_phi FROM truong_hoc").await.is_err());
    let n = e.wh.sql(&health, "SELECT count(*) FROM truong_hoc WHERE xa = '21601'").await.unwrap();
    assert_eq!(n.rows[0][0], 0);
    // Filtering on the clear value finds nothing: the filter runs on the mask.
    let n = e.wh.sql(&health, "SELECT count(*) FROM truong_hoc WHERE cccd_hieu_truong = '052080001234'").await.unwrap();
    assert_eq!(n.rows[0][0], 0);
    // A join with itself or a subquery cannot widen the view either.
    let n =
        e.wh.sql(&health, "SELECT count(*) FROM truong_hoc a JOIN \"truong-hoc@1\" b ON a.ma_truong = b.ma_truong")
            .await
            .unwrap();
    assert_eq!(n.rows[0][0], 2);
    // Keyed reads respect the row filter.
    let (_, cells, _) = e.wh.read_row(&health, "truong-hoc", "T01").await.unwrap();
    assert_eq!(cells.iter().find(|(c, _)| c == "cccd_hieu_truong").unwrap().1, "052******234");
    assert!(cells.iter().all(|(c, _)| c != "kinh_phi"));
    assert_eq!(e.wh.read_row(&health, "truong-hoc", "T03").await.unwrap_err().kind, ErrorKind::NotFound);
    // Filters on columns outside the grant are refused.
    let mut q = page(10);
    q.filters.push(Filter::parse("kinh_phi", "gt.1").unwrap());
    assert_eq!(e.wh.read_rows(&health, "truong-hoc", &q).await.unwrap_err().kind, ErrorKind::Forbidden);
    // Reads are audited with the grant, columns and row count.
    let log = e.store.audit_entries(&tinhso_store::AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
    let read = log.iter().find(|r| r.entry.action == "rows.read" && r.entry.outcome == "ok").unwrap();
    assert_eq!(read.entry.grant_id, Some(grant_id));
    assert_eq!(read.entry.row_count, Some(2));
    assert_eq!(read.entry.purpose, "Theo dõi y tế học đường tại phường");
    assert!(read.entry.columns.contains("cccd_hieu_truong"));
    assert_eq!(read.entry.version, Some(1));
}

#[tokio::test]
async fn a_legal_basis_unmasks_and_revocation_and_expiry_end_access() {
    let e = env().await;
    with_schools(&e).await;
    let (health, id) = granted(&e, "Điều 17 Nghị định 13/2023/NĐ-CP", None).await;
    let (_, cells, masked) = e.wh.read_row(&health, "truong-hoc", "T01").await.unwrap();
    assert!(masked.is_empty());
    assert_eq!(cells.iter().find(|(c, _)| c == "cccd_hieu_truong").unwrap().1, "052080001234");
    // Expired: refused at the next request.
    e.store.set_grant_expiry(id, tinhso_store::now() - 1).await.unwrap();
    assert_eq!(e.wh.read_row(&health, "truong-hoc", "T01").await.unwrap_err().kind, ErrorKind::Forbidden);
    e.store.set_grant_expiry(id, tinhso_store::now() + 3600).await.unwrap();
    assert!(e.wh.read_row(&health, "truong-hoc", "T01").await.is_ok());
    let (dx, _) = actor_of(&e.store, "dx-office").await;
    // The consumer cannot revoke or approve; the owner side can.
    assert_eq!(e.wh.revoke_grant(&health, id, "không cần nữa").await.unwrap_err().kind, ErrorKind::Forbidden);
    e.wh.revoke_grant(&dx, id, "Hết nhu cầu sử dụng").await.unwrap();
    assert_eq!(e.wh.read_row(&health, "truong-hoc", "T01").await.unwrap_err().kind, ErrorKind::Forbidden);
    // A revoked grant cannot be approved again.
    assert_eq!(e.wh.approve_grant(&dx, id, &GrantDecision::default()).await.unwrap_err().kind, ErrorKind::Conflict);
}

#[tokio::test]
async fn decisions_only_narrow_and_requests_are_checked() {
    let e = env().await;
    with_schools(&e).await;
    let (health, _) = actor_of(&e.store, "health-officer").await;
    let (dx, _) = actor_of(&e.store, "dx-office").await;
    let base = GrantRequest {
        dataset: "truong-hoc".into(),
        purpose: "Theo dõi y tế học đường".into(),
        columns: vec!["ma_truong".into()],
        days: 30,
        ..Default::default()
    };
    for (bad, field) in [
        (GrantRequest { columns: vec!["khong_co".into()], ..base.clone() }, "columns"),
        (GrantRequest { columns: vec![], ..base.clone() }, "columns"),
        (GrantRequest { days: 0, ..base.clone() }, "days"),
        (GrantRequest { days: 5000, ..base.clone() }, "days"),
        (GrantRequest { purpose: "ngắn".into(), ..base.clone() }, "purpose"),
        (GrantRequest { row_filter: serde_json::json!({"khong_co": "1"}), ..base.clone() }, "row_filter"),
        (GrantRequest { row_filter: serde_json::json!([1]), ..base.clone() }, "row_filter"),
    ] {
        let err = e.wh.request_grant(&health, &bad).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{bad:?}");
        assert_eq!(err.field.as_deref(), Some(field), "{err:?}");
    }
    let err =
        e.wh.request_grant(&health, &GrantRequest { dataset: "khong-co".into(), ..base.clone() }).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let g = e.wh.request_grant(&health, &base).await.unwrap();
    let widen = GrantDecision { columns: Some(vec!["ma_truong".into(), "kinh_phi".into()]), ..Default::default() };
    assert_eq!(e.wh.approve_grant(&dx, g.id, &widen).await.unwrap_err().kind, ErrorKind::Invalid);
    let longer = GrantDecision { days: Some(31), ..Default::default() };
    assert_eq!(e.wh.approve_grant(&dx, g.id, &longer).await.unwrap_err().kind, ErrorKind::Invalid);
    let unmask = GrantDecision { unmasked: Some(vec!["ma_truong".into()]), ..Default::default() };
    assert_eq!(e.wh.approve_grant(&dx, g.id, &unmask).await.unwrap_err().kind, ErrorKind::Invalid);
    // The consumer cannot approve its own request; a refusal needs a reason.
    assert_eq!(
        e.wh.approve_grant(&health, g.id, &GrantDecision::default()).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );
    assert_eq!(e.wh.refuse_grant(&dx, g.id, "").await.unwrap_err().kind, ErrorKind::Invalid);
    let g = e.wh.refuse_grant(&dx, g.id, "Không đủ căn cứ").await.unwrap();
    assert_eq!((g.status.as_str(), g.reason.as_str()), ("refused", "Không đủ căn cứ"));
}

#[tokio::test]
async fn province_roles_see_masked_data_and_the_public_only_open_columns() {
    let e = env().await;
    with_schools(&e).await;
    let (dx, _) = actor_of(&e.store, "dx-office").await;
    let a = e.wh.access(&dx, "truong-hoc").await.unwrap();
    assert_eq!(a.basis, Basis::Province);
    let r = e.wh.sql(&dx, "SELECT cccd_hieu_truong FROM truong_hoc WHERE ma_truong = 'T01'").await.unwrap();
    assert_eq!(r.rows[0][0], "052******234");
    // The operator (command line) reads in clear.
    let r =
        e.wh.sql(&Actor::system(), "SELECT cccd_hieu_truong FROM truong_hoc WHERE ma_truong = 'T01'").await.unwrap();
    assert_eq!(r.rows[0][0], "052080001234");
    // An open dataset: the public reads it without a grant, never its personal columns.
    let open = crate::SCHOOLS.replace("\"truong-hoc\"", "\"truong-mo\"").replace("\"shared\"", "\"open\"");
    e.wh.create_dataset(&Actor::system(), tinhso_warehouse::Definition::parse(&open, false).unwrap()).await.unwrap();
    ingest_bytes(&e, "truong-mo", "v1.csv", GOOD_CSV.as_bytes(), WriteMode::Replace).await.unwrap();
    let public = Actor {
        user_id: None,
        role: Role::Public,
        scope: Scope::Nothing,
        agency_id: None,
        system_id: None,
        who: Who::default(),
    };
    let p = e.wh.read_rows(&public, "truong-mo", &page(10)).await.unwrap();
    assert_eq!(p.rows, 3);
    assert!(p.schema.field_with_name("cccd_hieu_truong").is_err());
    assert!(e.wh.sql(&public, "SELECT cccd_hieu_truong FROM truong_mo").await.is_err());
    assert_eq!(e.wh.read_rows(&public, "truong-hoc", &page(10)).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn sql_cannot_reach_outside_the_grant() {
    let e = env().await;
    with_schools(&e).await;
    let (health, _) = granted(&e, "", None).await;
    for attack in [
        "SELECT * FROM read_parquet('warehouse/truong-hoc')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'warehouse/truong-hoc/'",
        "CREATE VIEW v AS SELECT * FROM truong_hoc",
        "COPY truong_hoc TO '/tmp/x.csv'",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM public.truong_hoc__goc",
        "INSERT INTO truong_hoc VALUES ('x')",
        "SELECT kinh_phi FROM (SELECT * FROM truong_hoc) t",
        "WITH x AS (SELECT * FROM truong_hoc) SELECT kinh_phi FROM x",
        "SELECT * FROM ho_so_thu_tuc",
    ] {
        let err = e.wh.sql(&health, attack).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Invalid | ErrorKind::Forbidden), "{attack}: {err:?}");
        assert!(!err.en.contains("052080001234"), "{attack}: {err:?}");
    }
}

#[tokio::test]
async fn audit_chain_detects_edits_deletions_reordering_and_truncation() {
    let e = env().await;
    with_schools(&e).await;
    let (dx, _) = actor_of(&e.store, "dx-office").await;
    for _ in 0..5 {
        e.wh.read_rows(&dx, "truong-hoc", &page(2)).await.unwrap();
    }
    let head = e.dir.path().join("audit.head");
    let v = e.store.verify_audit(Some(&head)).await.unwrap();
    assert!(v.broken.is_none(), "{v:?}");
    assert!(v.entries >= 7, "{v:?}");
    // The head file follows the committed entries (written after they are answered):
    // wait until it names the last one, or truncation could not be seen.
    for _ in 0..200 {
        if tinhso_store::audit::read_head(&head).is_some_and(|(seq, _)| seq == v.entries) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The table refuses changes outright.
    assert!(e.store.execute_raw("UPDATE audit_log SET row_count = 99 WHERE seq = 3").await.is_err());
    assert!(e.store.execute_raw("DELETE FROM audit_log WHERE seq = 3").await.is_err());
    // Someone with the database file drops the guards and tampers.
    e.store.execute_raw("DROP TRIGGER audit_log_no_update").await.unwrap();
    e.store.execute_raw("DROP TRIGGER audit_log_no_delete").await.unwrap();
    let backup = "CREATE TABLE audit_backup AS SELECT * FROM audit_log";
    e.store.execute_raw(backup).await.unwrap();
    let restore = "DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM audit_backup";
    let broken_at = |v: tinhso_store::AuditVerification| v.broken.map(|b| b.0);

    e.store.execute_raw("UPDATE audit_log SET row_count = 99 WHERE seq = 4").await.unwrap();
    assert_eq!(broken_at(e.store.verify_audit(Some(&head)).await.unwrap()), Some(4), "edit");
    e.store.execute_raw(restore).await.unwrap();
    assert!(e.store.verify_audit(Some(&head)).await.unwrap().broken.is_none());

    e.store.execute_raw("DELETE FROM audit_log WHERE seq = 3").await.unwrap();
    assert_eq!(broken_at(e.store.verify_audit(Some(&head)).await.unwrap()), Some(4), "deletion");
    e.store.execute_raw(restore).await.unwrap();

    // Swap the contents of entries 3 and 4 (hashes travel with them).
    e.store
        .execute_raw(
            "UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; \
             UPDATE audit_log SET seq = 4 WHERE seq = -3",
        )
        .await
        .unwrap();
    assert_eq!(broken_at(e.store.verify_audit(Some(&head)).await.unwrap()), Some(3), "reorder");
    e.store.execute_raw(restore).await.unwrap();

    let last = v.entries;
    e.store.execute_raw(&format!("DELETE FROM audit_log WHERE seq = {last}")).await.unwrap();
    assert_eq!(broken_at(e.store.verify_audit(Some(&head)).await.unwrap()), Some(last), "truncation");
    e.store.execute_raw(restore).await.unwrap();
    assert!(e.store.verify_audit(Some(&head)).await.unwrap().broken.is_none());
}

#[tokio::test]
async fn gateway_usage_is_a_table_dashboards_can_chart() {
    let e = env().await;
    with_schools(&e).await;
    let (health, _) = granted(&e, "", None).await;
    for _ in 0..3 {
        e.wh.read_rows(&health, "truong-hoc", &page(10)).await.unwrap();
    }
    let (dx, _) = actor_of(&e.store, "dx-office").await;
    let r =
        e.wh.sql(
            &dx,
            "SELECT bo_du_lieu, co_quan, sum(so_yeu_cau), sum(so_dong), sum(bi_tu_choi) FROM gateway_usage \
             WHERE nguoi_dung = 'health-officer' GROUP BY 1, 2",
        )
        .await
        .unwrap();
    assert_eq!(r.rows.len(), 1, "{:?}", r.rows);
    assert_eq!(r.rows[0][0], "truong-hoc");
    assert_eq!(r.rows[0][1], "SYT");
    assert_eq!(r.rows[0][2], 4, "three reads and one refused while pending");
    assert_eq!(r.rows[0][3], 6);
    assert_eq!(r.rows[0][4], 1);
    // A consumer does not see the traffic of datasets it does not own.
    let r = e.wh.sql(&health, "SELECT count(*) FROM thong_ke_chia_se").await.unwrap();
    assert_eq!(r.rows[0][0], 0);
}
