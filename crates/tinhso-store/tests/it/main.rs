//! The store test-suite. It runs on SQLite always and, when
//! `TINHSO_TEST_DATABASE_URL` names a PostgreSQL server, on a fresh database
//! there too (`.ci/run` does this), so both backends keep the same behaviour.

use tinhso_domain::{ErrorKind, Role, Scope};
use tinhso_store::{demo, AgencyInput, ApiKeyAccess, Backend, ImportRow, Store, UserInput, UserUpdate};

/// A fresh store: a temporary SQLite file, or a new PostgreSQL database.
struct TestStore {
    store: Store,
    _dir: tempfile::TempDir,
}

async fn fresh() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = match std::env::var("TINHSO_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("tinhso_test_{}", tinhso_store::credentials::random_hex(6));
            let admin = Store::open_raw(&admin_url).await.expect("connect to PostgreSQL");
            admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
            let s = Store::open(&format!("{base}/{name}")).await.unwrap();
            assert_eq!(s.backend(), Backend::Postgres);
            s
        }
        _ => {
            let s = Store::open(&tinhso_store::sqlite_url(dir.path())).await.unwrap();
            assert_eq!(s.backend(), Backend::Sqlite);
            s
        }
    };
    TestStore { store, _dir: dir }
}

async fn seeded() -> TestStore {
    let t = fresh().await;
    demo::seed(&t.store, Some("mat-khau-demo")).await.unwrap();
    t
}

fn agency(code: &str, name: &str, parent: Option<&str>) -> AgencyInput {
    AgencyInput {
        code: code.into(),
        name_vi: name.into(),
        name_en: String::new(),
        kind: "department".into(),
        parent_code: parent.map(Into::into),
        admin_unit_code: Some("52".into()),
        active: true,
    }
}

async fn scope_of(store: &Store, username: &str) -> (tinhso_store::User, Scope) {
    let u = store.user_by_username(username).await.unwrap().unwrap();
    let s = u.scope();
    (u, s)
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode() {
    let t = fresh().await;
    match t.store.backend() {
        Backend::Sqlite => assert_eq!(t.store.journal_mode().await.unwrap().as_deref(), Some("wal")),
        Backend::Postgres => assert_eq!(t.store.journal_mode().await.unwrap(), None),
    }
    t.store.ping().await.unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent_and_demo_seed_keeps_data() {
    let t = seeded().await;
    t.store.migrate().await.unwrap();
    let before = t.store.agencies(&Scope::Province).await.unwrap();
    assert_eq!(before.len(), 1 + 12 + 135);
    let again = demo::seed(&t.store, Some("another-password")).await.unwrap();
    assert_eq!(again.agencies_created, 0);
    assert!(again.users.iter().all(|u| u.password.is_none()));
    assert_eq!(t.store.agencies(&Scope::Province).await.unwrap(), before);
    // The first password still works: the second run changed nothing.
    t.store.authenticate("admin", "mat-khau-demo", "127.0.0.1").await.unwrap();
}

#[tokio::test]
async fn agency_scope_is_the_subtree() {
    let t = seeded().await;
    let (_, officer) = scope_of(&t.store, "commune-officer").await;
    let seen = t.store.agencies(&officer).await.unwrap();
    assert_eq!(seen.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), vec!["XA-21583"]);
    let (_, leader) = scope_of(&t.store, "leader").await;
    assert_eq!(t.store.agencies(&leader).await.unwrap().len(), 148);
    let other = t.store.agency_by_code("XA-21601").await.unwrap().unwrap();
    assert_eq!(t.store.agency_in_scope(&officer, other.id).await.unwrap_err().kind, ErrorKind::Forbidden);
}

#[tokio::test]
async fn commune_officer_cannot_see_another_communes_users() {
    let t = seeded().await;
    let input = UserInput {
        username: "nhon-officer".into(),
        full_name: "Cán bộ Quy Nhơn Đông".into(),
        role: "data_officer".into(),
        agency_code: Some("XA-21601".into()),
        password: "mat-khau-dai".into(),
        ..Default::default()
    };
    let other = t.store.create_user(Role::SystemAdmin, &Scope::Province, &input).await.unwrap();
    let (_, officer) = scope_of(&t.store, "commune-officer").await;
    let names: Vec<String> = t.store.users(&officer).await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, vec!["commune-officer"]);
    assert_eq!(t.store.user_in_scope(&officer, other.id).await.unwrap_err().kind, ErrorKind::Forbidden);
}

#[tokio::test]
async fn duplicate_codes_conflict_and_change_nothing() {
    let t = seeded().await;
    let before = t.store.agencies(&Scope::Province).await.unwrap();
    let e = t.store.create_agency(&Scope::Province, &agency("syt", "Sở Y tế 2", Some("UBND")), "52").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.field.as_deref(), Some("code"));
    assert!(e.vi.contains("SYT") && e.en.contains("SYT"));
    assert_eq!(t.store.agencies(&Scope::Province).await.unwrap(), before);
}

#[tokio::test]
async fn agency_admin_creates_only_inside_the_subtree() {
    let t = seeded().await;
    let (_, admin) = scope_of(&t.store, "health-admin").await;
    let a = t.store.create_agency(&admin, &agency("BV-DK", "Bệnh viện Đa khoa tỉnh", Some("SYT")), "52").await.unwrap();
    let syt = t.store.agency_by_code("SYT").await.unwrap().unwrap();
    assert_eq!(a.parent_id, Some(syt.id));
    assert_eq!(a.path, format!("{}{}/", syt.path, a.id));
    let e = t.store.create_agency(&admin, &agency("X1", "Ngoài phạm vi", Some("STC")), "52").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = t.store.create_agency(&admin, &agency("X2", "Gốc mới", None), "52").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    // Nor may it move its own agency out of its scope.
    let mut moved = agency("SYT", "Sở Y tế", Some("STC"));
    moved.parent_code = Some("STC".into());
    let e = t.store.update_agency(&admin, syt.id, &moved, "52").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
}

#[tokio::test]
async fn moving_an_agency_moves_its_subtree_and_cycles_are_refused() {
    let t = seeded().await;
    let p = Scope::Province;
    let bv = t.store.create_agency(&p, &agency("BV", "Bệnh viện", Some("SYT")), "52").await.unwrap();
    let khoa = t.store.create_agency(&p, &agency("KHOA", "Khoa Nội", Some("BV")), "52").await.unwrap();
    let moved = t.store.update_agency(&p, bv.id, &agency("BV", "Bệnh viện", Some("SGDDT")), "52").await.unwrap();
    let sgd = t.store.agency_by_code("SGDDT").await.unwrap().unwrap();
    assert_eq!(moved.path, format!("{}{}/", sgd.path, bv.id));
    assert_eq!(t.store.agency(khoa.id).await.unwrap().path, format!("{}{}/", moved.path, khoa.id));
    let e = t.store.update_agency(&p, bv.id, &agency("BV", "Bệnh viện", Some("KHOA")), "52").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.field.as_deref(), Some("parent_code"));
}

#[tokio::test]
async fn admin_unit_must_exist_and_be_in_the_province() {
    let t = seeded().await;
    let mut a = agency("HN", "Hà Nội", Some("UBND"));
    a.admin_unit_code = Some("00004".into());
    let e = t.store.create_agency(&Scope::Province, &a, "52").await.unwrap_err();
    assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Invalid, Some("admin_unit_code")));
    a.admin_unit_code = Some("99999".into());
    let e = t.store.create_agency(&Scope::Province, &a, "52").await.unwrap_err();
    assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::NotFound, Some("admin_unit_code")));
    // A legacy district of former Bình Định is accepted (legacy data).
    a.admin_unit_code = Some("540".into());
    a.kind = "district".into();
    t.store.create_agency(&Scope::Province, &a, "52").await.unwrap();
}

#[tokio::test]
async fn import_keeps_good_rows_and_records_rejected_ones() {
    let t = seeded().await;
    let row = |n: usize, code: &str, name: &str, parent: &str| ImportRow {
        row_no: n,
        input: AgencyInput {
            code: code.into(),
            name_vi: name.into(),
            kind: "other".into(),
            parent_code: Some(parent.into()),
            active: true,
            ..Default::default()
        },
        raw: format!("{code},{name},{parent}"),
    };
    let rows = vec![
        row(2, "TT-CDS", "Trung tâm Chuyển đổi số", "SKHCN"),
        row(3, "PHONG-1", "Phòng Dữ liệu", "TT-CDS-CON"), // parent defined later in the file
        row(4, "TT-CDS-CON", "Trung tâm con", "TT-CDS"),
        row(5, "SYT", "Trùng mã", "UBND"),
        row(6, "BAD CODE", "Mã sai", "UBND"),
        row(7, "MO-COI", "Không cha", "KHONG-CO"),
        row(8, "TT-CDS", "Trùng trong tệp", "UBND"),
    ];
    let r = t.store.import_agencies(&Scope::Province, "don-vi.csv", rows, &Default::default(), "52").await.unwrap();
    assert_eq!(r.imported, vec!["TT-CDS", "TT-CDS-CON", "PHONG-1"]);
    let rejected: Vec<(usize, &str)> = r.rejected.iter().map(|x| (x.row_no, x.field.as_str())).collect();
    assert_eq!(rejected, vec![(5, "code"), (6, "code"), (7, "parent_code"), (8, "code")]);
    let kept = t.store.import_rejects(&r.import_id).await.unwrap();
    assert_eq!(kept.len(), 4);
    assert_eq!(kept[0].0, "don-vi.csv");
    assert_eq!(kept[2].1.raw, "MO-COI,Không cha,KHONG-CO");
    let phong = t.store.agency_by_code("PHONG-1").await.unwrap().unwrap();
    assert_eq!(phong.depth(), 4);
}

#[tokio::test]
async fn login_checks_password_and_throttles() {
    let t = seeded().await;
    let u = t.store.authenticate("Admin", "mat-khau-demo", "10.0.0.1").await.unwrap();
    assert_eq!(u.role, Role::SystemAdmin);
    for _ in 0..5 {
        let e = t.store.authenticate("leader", "wrong-password", "10.0.0.2").await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unauthenticated);
    }
    let e = t.store.authenticate("leader", "mat-khau-demo", "10.0.0.3").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooMany);
    let e = t.store.authenticate("nobody", "whatever-pass", "10.0.0.4").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthenticated);
}

#[tokio::test]
async fn disabled_users_lose_sessions_and_cannot_log_in() {
    let t = seeded().await;
    let u = t.store.user_by_username("health-officer").await.unwrap().unwrap();
    let token = t.store.create_session(u.id, 3600).await.unwrap();
    assert_eq!(t.store.session(&token).await.unwrap().unwrap().user.id, u.id);
    let (_, admin) = scope_of(&t.store, "health-admin").await;
    let up = UserUpdate {
        full_name: u.full_name.clone(),
        email: u.email.clone(),
        role: "data_officer".into(),
        agency_code: Some("SYT".into()),
        active: false,
        password: None,
    };
    t.store.update_user(Role::AgencyAdmin, &admin, u.id, &up).await.unwrap();
    assert!(t.store.session(&token).await.unwrap().is_none());
    let e = t.store.authenticate("health-officer", "mat-khau-demo", "10.0.0.5").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthenticated);
}

#[tokio::test]
async fn expired_sessions_say_so() {
    let t = seeded().await;
    let u = t.store.user_by_username("leader").await.unwrap().unwrap();
    let token = t.store.create_session(u.id, 3600).await.unwrap();
    t.store.expire_session(&token).await.unwrap();
    let e = t.store.session(&token).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthenticated);
    assert!(e.en.contains("expired"));
    assert!(t.store.session("unknown").await.unwrap().is_none());
}

#[tokio::test]
async fn role_grants_are_bounded() {
    let t = seeded().await;
    let (_, admin) = scope_of(&t.store, "health-admin").await;
    let mut input = UserInput {
        username: "bs-an".into(),
        full_name: "Bác sĩ An".into(),
        role: "leader".into(),
        agency_code: Some("SYT".into()),
        password: "mat-khau-dai".into(),
        ..Default::default()
    };
    let e = t.store.create_user(Role::AgencyAdmin, &admin, &input).await.unwrap_err();
    assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Forbidden, Some("role")));
    input.role = "data_officer".into();
    input.agency_code = Some("STC".into());
    let e = t.store.create_user(Role::AgencyAdmin, &admin, &input).await.unwrap_err();
    assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Forbidden, Some("agency_code")));
    input.agency_code = Some("SYT".into());
    t.store.create_user(Role::AgencyAdmin, &admin, &input).await.unwrap();
    let e = t.store.create_user(Role::AgencyAdmin, &admin, &input).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    input.username = "bs-binh".into();
    input.password = "short".into();
    assert_eq!(
        t.store.create_user(Role::AgencyAdmin, &admin, &input).await.unwrap_err().field.as_deref(),
        Some("password")
    );
}

#[tokio::test]
async fn api_keys_are_hashed_scoped_and_revocable() {
    let t = seeded().await;
    let owner = t.store.user_by_username("health-admin").await.unwrap().unwrap();
    let (key, secret) = t.store.create_api_key(&owner, "Hệ thống HIS", None, ApiKeyAccess::Read).await.unwrap();
    assert!(secret.starts_with("tsk_"));
    let caller = t.store.authenticate_key(&secret).await.unwrap();
    assert_eq!(caller.user.id, owner.id);
    assert!(caller.scope.contains(&t.store.agency_by_code("SYT").await.unwrap().unwrap().path));
    assert!(!caller.scope.contains(&t.store.agency_by_code("STC").await.unwrap().unwrap().path));
    // A key cannot be narrowed to an agency outside the owner's scope.
    let e = t.store.create_api_key(&owner, "x", Some("STC"), ApiKeyAccess::Read).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    // Tampered secrets fail.
    // Change the last hex digit (to one it is not: a fixed '0' failed one run in sixteen).
    let last = if secret.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &secret[..secret.len() - 1]);
    assert_ne!(tampered, secret);
    assert_eq!(t.store.authenticate_key(&tampered).await.unwrap_err().kind, ErrorKind::Unauthenticated);
    // Only the owner (or a system admin) revokes; revocation is immediate.
    let other = t.store.user_by_username("leader").await.unwrap().unwrap();
    assert_eq!(t.store.revoke_api_key(&other, key.id).await.unwrap_err().kind, ErrorKind::Forbidden);
    t.store.revoke_api_key(&owner, key.id).await.unwrap();
    assert_eq!(t.store.authenticate_key(&secret).await.unwrap_err().kind, ErrorKind::Unauthenticated);
    assert!(t.store.api_keys(owner.id).await.unwrap()[0].revoked_at.is_some());
}

/// Many concurrent writers: the group-commit writer batches them (several
/// INSERT chunks in one transaction) and the chain stays whole, on both backends.
#[tokio::test]
async fn audit_group_commit_keeps_the_chain_whole() {
    let t = fresh().await;
    let head = t._dir.path().join("audit.head");
    let log = tinhso_store::AuditLog::start(t.store.clone(), Some(head.clone()));
    let mut tasks = Vec::new();
    for i in 0..600 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let e = tinhso_store::AuditEntry {
                at: i,
                request_id: format!("r{i}"),
                username: "kiem-thu".into(),
                action: "rows.read".into(),
                outcome: "ok".into(),
                dataset: "ho-tich".into(),
                row_count: Some(i),
                ..Default::default()
            };
            log.record(e).await.unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=600).collect::<Vec<i64>>());
    // One more entry so that the head file has caught up with the last batch.
    log.record(tinhso_store::AuditEntry { action: "x".into(), ..Default::default() }).await.unwrap();
    let v = t.store.verify_audit(Some(&head)).await.unwrap();
    assert_eq!((v.entries, v.broken), (601, None));
    let (seq, _) = tinhso_store::audit::read_head(&head).unwrap();
    assert!(seq >= 600, "head at {seq}");
}
