//! The shared data warehouse: catalogue, ingest, quality, versioned Delta tables and SQL.
//!
//! A dataset's definition lives in the metadata store; its data lives in a
//! Delta table under `data_dir/warehouse/<slug>`. An ingest streams the file
//! (bounded memory), validates every row, writes good rows to a staging
//! Parquet file and rejected rows to a rejects CSV, then commits the staged
//! rows as one new table version whose commit carries the quality report.

pub mod definition;
pub mod demo;
pub mod gateway;
pub mod grants;
pub mod quality;
pub mod rejects;
pub mod rows;
pub mod source;
pub mod sql;
pub mod table;
pub mod validate;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use deltalake::arrow::array::{Array, RecordBatch, StringArray};
use deltalake::parquet::arrow::ArrowWriter;
use deltalake::parquet::file::properties::WriterProperties;
use tinhso_domain::{AdminUnits, Error, Result, Role, Scope};
use tinhso_store::{DatasetInput, DatasetRecord, IngestRecord, Store};

pub use definition::{Definition, Field, FieldType, Frequency, Personal, Zone};
pub use gateway::{Access, Audit, Basis, ColumnAccess};
pub use grants::{GrantDecision, GrantRequest};
pub use quality::{Report, Scores};
pub use rows::{Filter, Op, RowPage, RowQuery, MAX_PAGE_FILE, MAX_PAGE_JSON};
pub use sql::{QueryLimits, QueryResult, TableRead};
pub use table::WriteMode;

pub use deltalake;

/// Who is acting: what the web layer or CLI knows of the caller.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub role: Role,
    pub scope: Scope,
    /// The caller's own agency (the default owner of new datasets; the
    /// consumer for grants). For a system's API key, the system's agency.
    pub agency_id: Option<i64>,
    /// The information system calling, when the API key belongs to one.
    pub system_id: Option<i64>,
    /// Names for the audit log.
    pub who: Who,
}

/// Who is acting, as the audit log records it.
#[derive(Debug, Clone, Default)]
pub struct Who {
    pub username: String,
    pub system_code: String,
    pub agency_code: String,
    pub request_id: String,
}

impl Actor {
    /// The command line acts as the operator: the system administrator with
    /// access to the data directory, who reads everything in clear.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            role: Role::SystemAdmin,
            scope: Scope::Province,
            agency_id: None,
            system_id: None,
            who: Who { username: "cli".into(), ..Default::default() },
        }
    }

    /// An anonymous caller: the public, who read the open zone.
    pub fn public(request_id: &str) -> Actor {
        Actor {
            user_id: None,
            role: Role::Public,
            scope: Scope::Nothing,
            agency_id: None,
            system_id: None,
            who: Who { username: "anonymous".into(), request_id: request_id.to_string(), ..Default::default() },
        }
    }

    /// The command line (no user behind it).
    pub fn is_operator(&self) -> bool {
        self.user_id.is_none() && self.role == Role::SystemAdmin && self.system_id.is_none()
    }
}

/// A catalogued dataset with its parsed definition and latest quality.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub record: DatasetRecord,
    pub def: Definition,
    /// The newest committed ingest, if any.
    pub latest: Option<IngestRecord>,
    /// Scores of the newest version (liveness recomputed now); `None` before the first upload.
    pub scores: Option<Scores>,
}

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestInput {
    /// The file on disk (uploads are spooled to disk first).
    pub path: PathBuf,
    /// The name the user gave it, for messages.
    pub file_name: String,
    pub content_type: Option<String>,
    pub sheet: Option<String>,
    pub mode: WriteMode,
    /// Backdate the version (demo data); `None` means now.
    pub at: Option<i64>,
}

/// The answer to an ingest.
#[derive(Debug, Clone)]
pub struct IngestOutcome {
    pub ingest_id: i64,
    /// The new table version; `None` when the upload was refused.
    pub version: Option<i64>,
    pub report: Report,
    pub scores: Scores,
}

/// Progress of a running ingest: bytes of the source consumed out of the total, rows so far.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes: AtomicU64,
    pub total: AtomicU64,
    pub rows: AtomicU64,
}

/// The warehouse.
#[derive(Clone)]
pub struct Warehouse {
    store: Store,
    root: PathBuf,
    province: String,
    units: &'static AdminUnits,
    locks: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    pub limits: QueryLimits,
    audit: Option<tinhso_store::AuditLog>,
    caches: Arc<gateway::Caches>,
    /// Live tables other crates provide (e.g. the IT project pipeline), by name.
    system: Arc<std::sync::RwLock<HashMap<String, Arc<dyn SystemTable>>>>,
}

/// A live table computed at query time by another crate (not a dataset: no
/// version, no grants); the provider decides who may read it and what rows.
pub trait SystemTable: Send + Sync {
    /// The rows `actor` may see, as one Arrow batch.
    fn batch<'a>(
        &'a self,
        actor: &'a Actor,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<RecordBatch>> + Send + 'a>>;
}

const BATCH_ROWS: usize = 32 * 1024;

fn io_err(e: impl std::fmt::Display) -> Error {
    Error::internal(e)
}

impl Warehouse {
    /// Opens the warehouse under `data_dir/warehouse`, clears stale staging
    /// files and recovers catalogue records of versions committed just before a crash.
    pub async fn open(store: Store, data_dir: &Path, province: &str) -> Result<Warehouse> {
        let root = data_dir.join("warehouse");
        std::fs::create_dir_all(root.join("_staging")).map_err(io_err)?;
        if let Ok(rd) = std::fs::read_dir(root.join("_staging")) {
            for e in rd.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let store_for_audit = store.clone();
        let wh = Warehouse {
            store,
            root,
            province: province.to_string(),
            units: AdminUnits::embedded(),
            locks: Default::default(),
            limits: QueryLimits::default(),
            audit: Some(tinhso_store::AuditLog::start(store_for_audit, Some(data_dir.join("audit.head")))),
            caches: Default::default(),
            system: Default::default(),
        };
        for d in wh.store.datasets().await? {
            wh.reconcile(&d).await?;
        }
        Ok(wh)
    }

    /// Registers a live system table under `name` (and each alias), readable by SQL.
    pub fn register_system_table(&self, names: &[&str], table: Arc<dyn SystemTable>) {
        let mut m = self.system.write().unwrap_or_else(|e| e.into_inner());
        for n in names {
            m.insert((*n).to_string(), table.clone());
        }
    }

    pub(crate) fn system_table(&self, name: &str) -> Option<Arc<dyn SystemTable>> {
        self.system.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// The province's code (e.g. "52").
    pub fn province(&self) -> &str {
        &self.province
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock(&self, slug: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.lock().expect("lock map").entry(slug.to_string()).or_default().clone()
    }

    /// Records versions that the table has but the catalogue lacks (a crash
    /// between the Delta commit and the catalogue insert), from the report
    /// stored in each commit.
    async fn reconcile(&self, d: &DatasetRecord) -> Result<()> {
        let dir = table::table_dir(&self.root, &d.slug);
        if !dir.join("_delta_log").exists() {
            return Ok(());
        }
        let known = self.store.ingests(d.id).await?.iter().filter_map(|i| i.version).max().unwrap_or(0);
        for (version, _ts, meta) in table::commits_after(&dir, known).await? {
            let Ok(report) = serde_json::from_value::<Report>(meta.get("report").cloned().unwrap_or_default()) else {
                continue;
            };
            let rec = ingest_record(d.id, Some(version), "committed", &report, None, None);
            self.store.insert_ingest(&rec).await?;
            tracing::warn!(slug = %d.slug, version, "recovered a committed version missing from the catalogue");
        }
        Ok(())
    }

    // ---- permissions ----

    /// May the actor define and feed datasets owned by the agency at `owner_path`?
    pub fn may_manage(&self, actor: &Actor, owner_path: &str) -> bool {
        match actor.role {
            Role::SystemAdmin | Role::DxOffice => true,
            Role::AgencyAdmin | Role::DataOfficer => actor.scope.contains(owner_path),
            Role::Leader | Role::Public => false,
        }
    }

    /// May the actor read some of the dataset's rows (see `gateway` for which)?
    pub async fn may_read(&self, actor: &Actor, d: &DatasetRecord) -> bool {
        self.access(actor, &d.slug).await.is_ok()
    }

    /// May the actor see the catalogue entry (staff see every entry; the public the open zone)?
    pub fn may_see(&self, actor: &Actor, d: &DatasetRecord) -> bool {
        actor.role.is_staff() || d.zone == "open"
    }

    // ---- catalogue ----

    pub(crate) fn dataset_from(
        &self,
        record: DatasetRecord,
        latest: Option<IngestRecord>,
        now: i64,
    ) -> Result<Dataset> {
        let def: Definition = serde_json::from_str(&record.definition).map_err(io_err)?;
        let scores = latest.as_ref().map(|l| quality::ingest_scores(l, def.frequency, now));
        Ok(Dataset { record, def, latest, scores })
    }

    /// Every dataset the actor may see, with latest quality.
    pub async fn datasets(&self, actor: &Actor) -> Result<Vec<Dataset>> {
        let latest: HashMap<i64, IngestRecord> =
            self.store.latest_committed_ingests().await?.into_iter().map(|i| (i.dataset_id, i)).collect();
        let now = tinhso_store::now();
        let mut out = Vec::new();
        for r in self.store.datasets().await? {
            if self.may_see(actor, &r) {
                let l = latest.get(&r.id).cloned();
                out.push(self.dataset_from(r, l, now)?);
            }
        }
        Ok(out)
    }

    pub(crate) fn not_found(slug: &str) -> Error {
        Error::not_found(format!("Không có bộ dữ liệu «{slug}»."), format!("There is no dataset «{slug}»."))
    }

    /// One dataset the actor may see.
    pub async fn dataset(&self, actor: &Actor, slug: &str) -> Result<Dataset> {
        let r = self.store.dataset_by_slug(slug).await?.ok_or_else(|| Self::not_found(slug))?;
        if !self.may_see(actor, &r) {
            return Err(Self::not_found(slug));
        }
        let latest = self.store.ingests(r.id).await?.into_iter().find(|i| i.status == "committed");
        self.dataset_from(r, latest, tinhso_store::now())
    }

    /// A dataset's ingests, newest first.
    pub async fn ingests(&self, actor: &Actor, slug: &str) -> Result<Vec<IngestRecord>> {
        let d = self.dataset(actor, slug).await?;
        self.store.ingests(d.record.id).await
    }

    async fn owner_for(&self, actor: &Actor, def: &Definition) -> Result<(i64, String)> {
        let agency = match &def.owner {
            Some(code) => self.store.agency_by_code(code).await?.ok_or_else(|| {
                Error::invalid(
                    "owner",
                    format!("Không có cơ quan mã «{code}»."),
                    format!("There is no agency with code «{code}»."),
                )
            })?,
            None => match actor.agency_id {
                Some(id) => self.store.agency(id).await?,
                None => {
                    return Err(Error::invalid(
                        "owner",
                        "Cần nêu cơ quan chủ quản (owner) của bộ dữ liệu.",
                        "Name the owner agency of the dataset (owner).",
                    ))
                }
            },
        };
        if !self.may_manage(actor, &agency.path) {
            return Err(Error::new(
                tinhso_domain::ErrorKind::Forbidden,
                format!("Bạn không được định nghĩa bộ dữ liệu cho cơ quan «{}».", agency.name_vi),
                format!("You may not define datasets for agency «{}».", agency.name_vi),
            ));
        }
        Ok((agency.id, agency.code))
    }

    async fn check_references(&self, def: &Definition) -> Result<()> {
        for f in def.fields.iter().filter(|f| f.kind == FieldType::Reference) {
            let target = f.references.as_deref().unwrap_or_default();
            if target == def.slug {
                continue;
            }
            let Some(t) = self.store.dataset_by_slug(target).await? else {
                return Err(Error::invalid(
                    "fields",
                    format!("Trường «{}» tham chiếu bộ dữ liệu «{target}» không tồn tại.", f.name),
                    format!("Field «{}» references dataset «{target}», which does not exist.", f.name),
                ));
            };
            let tdef: Definition = serde_json::from_str(&t.definition).map_err(io_err)?;
            if tdef.key.len() != 1 {
                return Err(Error::invalid(
                    "fields",
                    format!("Bộ dữ liệu «{target}» cần khoá một trường để được tham chiếu."),
                    format!("Dataset «{target}» needs a single-field key to be referenced."),
                ));
            }
        }
        Ok(())
    }

    /// Creates a dataset and its empty table (version 0). Audited.
    pub async fn create_dataset(&self, actor: &Actor, def: Definition) -> Result<Dataset> {
        let slug = def.slug.clone();
        let out = self.create_dataset_inner(actor, def).await;
        self.audit_definition(actor, "dataset.create", &slug, out).await
    }

    async fn audit_definition(
        &self,
        actor: &Actor,
        action: &'static str,
        slug: &str,
        out: Result<Dataset>,
    ) -> Result<Dataset> {
        match out {
            Ok(d) => {
                let a = Audit {
                    action,
                    dataset: d.record.slug.clone(),
                    columns: d.def.columns(),
                    detail: format!("zone={}; owner={}", d.record.zone, d.record.owner_code),
                    ..Default::default()
                };
                self.audit(actor, a, "ok", None).await?;
                Ok(d)
            }
            Err(e) => Err(self.audit_failure(actor, action, slug, e).await),
        }
    }

    async fn create_dataset_inner(&self, actor: &Actor, def: Definition) -> Result<Dataset> {
        let def = def.normalised()?;
        let (owner_id, owner_code) = self.owner_for(actor, &def).await?;
        self.check_references(&def).await?;
        let mut def = def;
        def.owner = Some(owner_code);
        if self.store.dataset_by_slug(&def.slug).await?.is_some() {
            return Err(Error::conflict(
                format!("Đã có bộ dữ liệu «{}».", def.slug),
                format!("A dataset «{}» already exists.", def.slug),
            )
            .at("slug"));
        }
        let dir = table::table_dir(&self.root, &def.slug);
        if dir.exists() {
            // Left by a dataset whose catalogue entry was never written: start afresh.
            std::fs::remove_dir_all(&dir).map_err(io_err)?;
        }
        table::create(&dir, &def).await?;
        let rec = self.store.create_dataset(&input_of(&def, owner_id), actor.user_id).await?;
        self.dataset_from(rec, None, tinhso_store::now())
    }

    /// Replaces a dataset's definition. Added optional fields extend the table;
    /// removed fields or changed types are refused while the table has data.
    pub async fn update_dataset(&self, actor: &Actor, slug: &str, def: Definition) -> Result<Dataset> {
        let out = self.update_dataset_inner(actor, slug, def).await;
        self.audit_definition(actor, "dataset.update", slug, out).await
    }

    async fn update_dataset_inner(&self, actor: &Actor, slug: &str, def: Definition) -> Result<Dataset> {
        let def = def.normalised()?;
        let current = self.dataset(actor, slug).await?;
        if !self.may_manage(actor, &current.record.owner_path) {
            return Err(Error::forbidden());
        }
        if def.slug != slug {
            return Err(Error::invalid(
                "slug",
                "Không đổi được mã (slug) của bộ dữ liệu.",
                "A dataset's slug cannot change.",
            ));
        }
        let (owner_id, owner_code) = self.owner_for(actor, &def).await?;
        self.check_references(&def).await?;
        let mut def = def;
        def.owner = Some(owner_code);
        if let definition::SchemaChange::Incompatible(why) = current.def.schema_change(&def) {
            if current.latest.is_some() {
                return Err(Error::conflict(
                    format!("Thay đổi lược đồ không tương thích với dữ liệu đã có ({why}). Hãy tạo bộ dữ liệu mới hoặc chỉ thêm trường."),
                    format!("The schema change is incompatible with the stored data ({why}). Create a new dataset or only add fields."),
                )
                .at("fields"));
            }
            // No data yet: recreate the empty table with the new schema.
            let dir = table::table_dir(&self.root, slug);
            std::fs::remove_dir_all(&dir).map_err(io_err)?;
            table::create(&dir, &def).await?;
        }
        let rec = self.store.update_dataset(current.record.id, &input_of(&def, owner_id)).await?;
        self.dataset_from(rec, current.latest, tinhso_store::now())
    }

    // ---- ingest ----

    /// Validates and writes a file as a new version of the dataset. Audited.
    pub async fn ingest(
        &self,
        actor: &Actor,
        slug: &str,
        input: IngestInput,
        progress: Arc<Progress>,
    ) -> Result<IngestOutcome> {
        let started = std::time::Instant::now();
        let file = gateway::scrub(&input.file_name);
        let mode = input.mode;
        match self.ingest_inner(actor, slug, input, progress).await {
            Ok(o) => {
                let a = Audit {
                    action: "dataset.ingest",
                    dataset: slug.to_string(),
                    version: o.version,
                    row_count: Some(o.report.rows_accepted as i64),
                    detail: format!(
                        "file={file}; mode={}; rejected={}{}",
                        mode.as_str(),
                        o.report.rows_rejected,
                        if o.version.is_none() { "; refused" } else { "" }
                    ),
                    ..Default::default()
                };
                self.audit(actor, a, if o.version.is_some() { "ok" } else { "refused" }, Some(started)).await?;
                Ok(o)
            }
            Err(e) => Err(self.audit_failure(actor, "dataset.ingest", slug, e).await),
        }
    }

    async fn ingest_inner(
        &self,
        actor: &Actor,
        slug: &str,
        input: IngestInput,
        progress: Arc<Progress>,
    ) -> Result<IngestOutcome> {
        let d = self.dataset(actor, slug).await?;
        if !self.may_manage(actor, &d.record.owner_path) {
            return Err(Error::new(
                tinhso_domain::ErrorKind::Forbidden,
                format!("Bạn không được cập nhật dữ liệu của «{}».", d.record.owner_name),
                format!("You may not update the data of «{}».", d.record.owner_name),
            ));
        }
        let lock = self.lock(slug);
        let _guard = lock.lock().await;
        self.reconcile(&d.record).await?;
        let format = source::Format::guess(input.content_type.as_deref(), &input.file_name).ok_or_else(|| {
            Error::invalid(
                "file",
                format!(
                    "Tệp «{}»: không nhận dạng được loại tệp; hỗ trợ CSV, Excel .xlsx, JSON và JSONL.",
                    input.file_name
                ),
                format!(
                    "File «{}»: unknown file type; CSV, Excel .xlsx, JSON and JSONL are supported.",
                    input.file_name
                ),
            )
        })?;
        let mode = input.mode;
        if mode == WriteMode::Upsert && d.def.key.is_empty() {
            return Err(Error::invalid(
                "mode",
                "Chế độ upsert cần bộ dữ liệu có khoá.",
                "Upsert needs a dataset with a key.",
            ));
        }
        let dir = table::table_dir(&self.root, slug);
        let refs = self.reference_keys(&d.def).await?;
        let at = input.at.unwrap_or_else(tinhso_store::now);
        let today = chrono::DateTime::from_timestamp(at, 0)
            .map(|t| (t + chrono::Duration::hours(7)).date_naive())
            .unwrap_or_default();
        let token = tinhso_store::credentials::random_hex(8);
        let staged = self.root.join("_staging").join(format!("{slug}-{token}.parquet"));
        let rejects_rel = format!("_rejects/{slug}/{token}.csv");
        let rejects_path = self.root.join(&rejects_rel);
        std::fs::create_dir_all(rejects_path.parent().expect("has parent")).map_err(io_err)?;

        let def = d.def.clone();
        let province = self.province.clone();
        let units = self.units;
        let staged2 = staged.clone();
        let rejects2 = rejects_path.clone();
        let prog = progress.clone();
        let input2 = input.clone();
        let scan = tokio::task::spawn_blocking(move || {
            scan_file(&def, &input2, format, units, &province, today, refs, &staged2, &rejects2, &prog)
        })
        .await
        .map_err(io_err)?;
        let scan = match scan {
            Ok(s) => s,
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                let _ = std::fs::remove_file(&rejects_path);
                return Err(e);
            }
        };
        let accepted = scan.stats.rows_read - scan.stats.rows_rejected;

        // Coverage over the whole new version: this file plus what stays from before.
        let coverage = match &d.def.coverage {
            Some(c) => {
                let mut seen = scan.stats.coverage_seen.clone();
                if mode != WriteMode::Replace && d.latest.is_some() {
                    seen.extend(self.distinct_strings(&dir, &c.field).await?);
                }
                let v = validate::Validator::new(&d.def, &[], units, &self.province, today, false, HashMap::new());
                v.coverage_missing(&seen).map(|(expected, missing)| quality::CoverageReport {
                    field: c.field.clone(),
                    expected,
                    present: expected - missing.len(),
                    missing: missing.into_iter().map(|(code, name)| quality::MissingUnit { code, name }).collect(),
                })
            }
            None => None,
        };
        let mut report = Report::build(
            &input.file_name,
            &scan.info,
            mode.as_str(),
            &scan.columns,
            &scan.stats,
            accepted,
            coverage,
            at,
        );
        if scan.stats.rows_read == 0 {
            report.refused = Some(quality::Message {
                vi: format!("Tệp «{}» không có dòng dữ liệu nào dưới dòng tiêu đề.", input.file_name),
                en: format!("File «{}» has no data rows under the header.", input.file_name),
            });
        } else if accepted == 0 {
            report.refused = Some(quality::Message {
                vi: format!("Tất cả {} dòng đều bị loại: không tạo phiên bản mới.", scan.stats.rows_read),
                en: format!("All {} rows were rejected: no new version was made.", scan.stats.rows_read),
            });
        } else if let Some(max) = d.def.policy.max_reject_share {
            let share = scan.stats.rows_rejected as f64 / scan.stats.rows_read as f64;
            if share > max {
                report.refused = Some(quality::Message {
                    vi: format!(
                        "Tỷ lệ dòng lỗi {:.1}% vượt ngưỡng {:.1}% của bộ dữ liệu: cả tệp bị từ chối.",
                        share * 100.0,
                        max * 100.0
                    ),
                    en: format!(
                        "The bad-row share {:.1}% is above the dataset's limit of {:.1}%: the whole upload is refused.",
                        share * 100.0,
                        max * 100.0
                    ),
                });
            }
        }
        let rejects_file = (scan.stats.rows_rejected > 0).then(|| rejects_rel.clone());
        if scan.stats.rows_rejected == 0 {
            let _ = std::fs::remove_file(&rejects_path);
        }
        let version = if report.refused.is_some() {
            None
        } else {
            let schema_added = d.latest.is_some() && self.table_lacks_columns(&dir, &d.def).await?;
            let meta = serde_json::json!({"report": report, "user": actor.user_id, "rejects_file": rejects_file});
            if std::env::var_os("TINHSO_FAILPOINT_BEFORE_COMMIT").is_some() {
                tracing::error!("failpoint: aborting before the Delta commit");
                std::process::abort();
            }
            Some(table::commit_staged(&dir, &d.def, &staged, mode, schema_added, meta).await)
        };
        let _ = std::fs::remove_file(&staged);
        let version = version.transpose()?;
        let status = if version.is_some() { "committed" } else { "refused" };
        let rec = ingest_record(d.record.id, version, status, &report, rejects_file, actor.user_id);
        let ingest_id = self.store.insert_ingest(&rec).await?;
        let scores = report.scores(tinhso_store::now(), d.def.frequency);
        Ok(IngestOutcome { ingest_id, version, report, scores })
    }

    async fn table_lacks_columns(&self, dir: &Path, def: &Definition) -> Result<bool> {
        let t = table::open(dir, None).await?;
        let have: HashSet<String> =
            t.snapshot().map(|s| s.schema().fields().map(|f| f.name().to_string()).collect()).unwrap_or_default();
        Ok(def.columns().iter().any(|c| !have.contains(c)))
    }

    /// A query session with the table in `dir` (at `version`, or the latest) registered as `t`.
    async fn table_session(
        &self,
        dir: &Path,
        version: Option<i64>,
    ) -> Result<deltalake::datafusion::prelude::SessionContext> {
        let ctx = sql::session(&self.limits);
        let p = table::provider(&ctx, dir, version).await?;
        ctx.register_table("t", p).map_err(table::delta_err)?;
        Ok(ctx)
    }

    /// Distinct non-null text values of a column in the latest version.
    async fn distinct_strings(&self, dir: &Path, column: &str) -> Result<HashSet<String>> {
        let ctx = self.table_session(dir, None).await?;
        let df = ctx
            .sql(&format!("SELECT DISTINCT CAST(\"{column}\" AS VARCHAR) FROM t WHERE \"{column}\" IS NOT NULL"))
            .await
            .map_err(table::delta_err)?;
        let batches = df.collect().await.map_err(table::delta_err)?;
        let mut out = HashSet::new();
        for b in batches {
            let col = deltalake::arrow::compute::cast(b.column(0), &deltalake::arrow::datatypes::DataType::Utf8)
                .map_err(table::delta_err)?;
            let a = col.as_any().downcast_ref::<StringArray>().expect("utf8");
            for i in 0..a.len() {
                if a.is_valid(i) {
                    out.insert(a.value(i).to_string());
                }
            }
        }
        Ok(out)
    }

    /// For each reference field, the key values of the referenced dataset's latest version.
    async fn reference_keys(&self, def: &Definition) -> Result<HashMap<String, HashSet<String>>> {
        let mut out = HashMap::new();
        for f in def.fields.iter().filter(|f| f.kind == FieldType::Reference) {
            let target = f.references.clone().unwrap_or_default();
            let mut set = HashSet::new();
            if let Some(t) = self.store.dataset_by_slug(&target).await? {
                let tdef: Definition = serde_json::from_str(&t.definition).map_err(io_err)?;
                if let Some(k) = tdef.key.first() {
                    set = self.distinct_strings(&table::table_dir(&self.root, &target), k).await?;
                }
            }
            out.insert(f.name.clone(), set);
        }
        Ok(out)
    }

    /// The rejects CSV of an ingest (by version, or by ingest id when refused).
    pub async fn rejects_path(
        &self,
        actor: &Actor,
        slug: &str,
        version: Option<i64>,
        ingest_id: Option<i64>,
    ) -> Result<Option<PathBuf>> {
        let d = self.dataset(actor, slug).await?;
        if !self.may_manage(actor, &d.record.owner_path) && !actor.role.province_wide() {
            return Err(Error::forbidden());
        }
        let rec = match (version, ingest_id) {
            (Some(v), _) => self.store.ingest_by_version(d.record.id, v).await?,
            (None, Some(id)) => self.store.ingest(d.record.id, id).await?,
            _ => None,
        };
        let rec = rec.ok_or_else(|| {
            Error::not_found(
                format!("Bộ dữ liệu «{slug}» không có phiên bản/lượt tải này."),
                format!("Dataset «{slug}» has no such version or upload."),
            )
        })?;
        Ok(rec.rejects_file.map(|f| self.root.join(f)).filter(|p| p.exists()))
    }

    /// The actor's readable tables for SQL, with versions, and runs `sql`.
    /// Refused and failed queries are audited too (without the statement, which may hold personal data).
    pub async fn sql(&self, actor: &Actor, text: &str) -> Result<QueryResult> {
        match sql::run(self, actor, text, &self.limits).await {
            Ok(r) => Ok(r),
            Err(e) => Err(self.audit_failure(actor, "sql.read", "", e).await),
        }
    }

    /// Runs `text` like [`Warehouse::sql`], auditing each dataset read as
    /// `action` with `why` (e.g. "dashboard giam-sat-tthc, panel dung-han").
    pub async fn sql_as(&self, actor: &Actor, text: &str, action: &'static str, why: &str) -> Result<QueryResult> {
        match sql::run_as(self, actor, text, &self.limits, action, why).await {
            Ok(r) => Ok(r),
            Err(e) => Err(self.audit_failure(actor, action, "", e).await),
        }
    }

    /// Rows of one version (latest when `None`) for preview and download, as
    /// the actor may see them (columns, rows and masks of the gateway). Audited.
    pub async fn rows(
        &self,
        actor: &Actor,
        slug: &str,
        version: Option<i64>,
        limit: usize,
    ) -> Result<(Vec<String>, Vec<RecordBatch>)> {
        let started = std::time::Instant::now();
        let out = async {
            let access = self.access(actor, slug).await?;
            let ctx = sql::session(&self.limits);
            gateway::register_functions(&ctx);
            self.register_view(&ctx, "t".into(), &access, version).await?;
            let df = ctx.sql(&format!("SELECT * FROM t LIMIT {limit}")).await.map_err(table::delta_err)?;
            let batches = df.collect().await.map_err(table::delta_err)?;
            Ok::<_, Error>((access, batches))
        }
        .await;
        match out {
            Ok((access, batches)) => {
                let mut a = Audit::of("preview.read", &access);
                if version.is_some() {
                    a.version = version;
                }
                a.row_count = Some(batches.iter().map(|b| b.num_rows() as i64).sum());
                self.audit(actor, a, "ok", Some(started)).await?;
                Ok((access.columns.iter().map(|c| c.name.clone()).collect(), batches))
            }
            Err(e) => Err(self.audit_failure(actor, "preview.read", slug, e).await),
        }
    }

    /// Quality roll-up per owner agency: (agency code, name, datasets, mean scores).
    pub async fn agency_quality(&self, actor: &Actor) -> Result<Vec<(String, String, usize, Scores)>> {
        let mut by: std::collections::BTreeMap<(String, String), Vec<Scores>> = Default::default();
        for d in self.datasets(actor).await? {
            let e = by.entry((d.record.owner_code.clone(), d.record.owner_name.clone())).or_default();
            e.push(d.scores.unwrap_or(Scores::new(0, 0, 0, 0)));
        }
        Ok(by
            .into_iter()
            .map(|((code, name), s)| {
                let n = s.len() as f64;
                let avg = |f: fn(&Scores) -> i64| (s.iter().map(f).sum::<i64>() as f64 / n).round() as i64;
                (
                    code,
                    name,
                    s.len(),
                    Scores::new(avg(|x| x.correct), avg(|x| x.complete), avg(|x| x.clean), avg(|x| x.live)),
                )
            })
            .collect())
    }
}

fn input_of(def: &Definition, owner_id: i64) -> DatasetInput {
    DatasetInput {
        slug: def.slug.clone(),
        name_vi: def.name.clone(),
        name_en: def.name_en.clone(),
        zone: def.zone.as_str().to_string(),
        owner_agency_id: owner_id,
        sector: def.sector.clone(),
        frequency: def.frequency.as_str().to_string(),
        definition: def.to_json(),
        demo: def.demo,
    }
}

fn ingest_record(
    dataset_id: i64,
    version: Option<i64>,
    status: &str,
    report: &Report,
    rejects_file: Option<String>,
    user: Option<i64>,
) -> IngestRecord {
    IngestRecord {
        id: 0,
        dataset_id,
        version,
        status: status.to_string(),
        mode: report.mode.clone(),
        file_name: report.file.clone(),
        encoding: report.encoding.clone().unwrap_or_else(|| report.format.clone()),
        rows_read: report.rows_read as i64,
        rows_accepted: if version.is_some() { report.rows_accepted as i64 } else { 0 },
        rows_rejected: report.rows_rejected as i64,
        correct: report.correct,
        complete: report.complete,
        clean: report.clean,
        report: serde_json::to_string(report).unwrap_or_default(),
        rejects_file,
        created_by: user,
        created_at: report.at,
    }
}

struct Scan {
    info: source::SourceInfo,
    columns: validate::ColumnMap,
    stats: validate::Stats,
}

/// Reads, validates and stages a file. Runs on a blocking thread; Parquet
/// encoding runs on a second thread so both cores work.
#[allow(clippy::too_many_arguments)]
fn scan_file(
    def: &Definition,
    input: &IngestInput,
    format: source::Format,
    units: &'static AdminUnits,
    province: &str,
    today: chrono::NaiveDate,
    refs: HashMap<String, HashSet<String>>,
    staged: &Path,
    rejects: &Path,
    progress: &Progress,
) -> Result<Scan> {
    let total = std::fs::metadata(&input.path).map(|m| m.len()).unwrap_or(0);
    let mut stream =
        source::open(&input.path, &input.file_name, format, input.sheet.as_deref(), &|cells: &[String]| {
            validate::header_score(def, cells)
        })?;
    let info = stream.info().clone();
    progress.total.store(if format == source::Format::Xlsx { 0 } else { total }, Ordering::Relaxed);
    let legacy_file = matches!(
        info.encoding,
        Some(tinhso_domain::legacy::SourceEncoding::Tcvn3 | tinhso_domain::legacy::SourceEncoding::Vni)
    );
    let mut validator = validate::Validator::new(def, &info.headers, units, province, today, legacy_file, refs);
    if validator.columns().matched.is_empty() {
        return Err(Error::invalid(
            "file",
            format!("Tệp «{}»: không cột nào khớp với các trường của bộ dữ liệu.", input.file_name),
            format!("File «{}»: no column matches the dataset's fields.", input.file_name),
        ));
    }
    let schema = table::arrow_schema(def);
    let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBatch>(4);
    let staged_path = staged.to_path_buf();
    let writer_schema = schema.clone();
    let writer = std::thread::spawn(move || -> Result<()> {
        let file = std::fs::File::create(&staged_path).map_err(io_err)?;
        let props = WriterProperties::builder()
            .set_compression(deltalake::parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(128 * 1024))
            .build();
        let mut w = ArrowWriter::try_new(file, writer_schema, Some(props)).map_err(io_err)?;
        for batch in rx {
            w.write(&batch).map_err(io_err)?;
            // Keep the in-memory row group bounded.
            if w.in_progress_size() > 64 << 20 {
                w.flush().map_err(io_err)?;
            }
        }
        w.close().map_err(io_err)?;
        Ok(())
    });
    let mut rejects_w = rejects::RejectsWriter::create(rejects, &info.headers)?;
    let mut builder = table::BatchBuilder::new(schema);
    let mut result: Result<()> = Ok(());
    loop {
        let row = match stream.next_row() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        match validator.check(&row) {
            validate::Outcome::Accepted(vals) => {
                builder.push(vals);
                if builder.len() >= BATCH_ROWS {
                    let batch = builder.finish()?;
                    if tx.send(batch).is_err() {
                        break;
                    }
                }
            }
            validate::Outcome::Rejected(issues) => rejects_w.write(&row, &issues)?,
        }
        let n = validator.stats.rows_read;
        if n.is_multiple_of(4096) {
            progress.rows.store(n, Ordering::Relaxed);
            progress.bytes.store(stream.bytes_read(), Ordering::Relaxed);
        }
    }
    if result.is_ok() && !builder.is_empty() {
        let batch = builder.finish()?;
        let _ = tx.send(batch);
    }
    drop(tx);
    let written = writer.join().map_err(|_| Error::internal("parquet writer panicked"))?;
    result?;
    written?;
    rejects_w.finish()?;
    progress.rows.store(validator.stats.rows_read, Ordering::Relaxed);
    progress.bytes.store(total, Ordering::Relaxed);
    let columns = validator.columns().clone();
    Ok(Scan { info, columns, stats: validator.stats })
}
