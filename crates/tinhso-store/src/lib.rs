//! The metadata store: agencies, users, sessions and API keys in SQLite
//! (embedded, WAL) or PostgreSQL, behind one API.
//!
//! Every query is written once and runs on both backends through sqlx's
//! `Any` driver: `$n` placeholders, 64-bit integers for ids, times (Unix
//! seconds) and flags. Each backend has its own migrations folder with the
//! same schema. Methods that change agencies or users take the caller's
//! [`Scope`](tinhso_domain::Scope) and refuse anything outside it.

pub mod agencies;
pub mod audit;
pub mod credentials;
pub mod datasets;
pub mod demo;
pub mod dx;
pub mod gateway;
pub mod ioc;
pub mod projects;
pub mod sessions;
pub mod sso;
pub mod users;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use tinhso_domain::{Error, Result};

pub use agencies::{Agency, AgencyInput, ImportReport, ImportRow, RejectedRow};
pub use audit::{AuditEntry, AuditLog, AuditQuery, AuditRecord, AuditVerification, UsageRow};
pub use datasets::{DatasetInput, DatasetRecord, IngestRecord};
pub use dx::{
    AssessmentRecord, AttachmentMeta, FrameworkRecord, IndexResult, IndexTarget, KpiInput, KpiRecord, KpiValue,
    PlanInput, PlanRecord, RankingRow, ReviewRecord, ReviewReport, TaskInput, TaskRecord,
};
pub use gateway::{GrantApproval, GrantFilter, GrantRecord, GrantRequestInput, System};
pub use ioc::{AlertEvent, AlertRule, AlertRuleInput, DashboardRecord, DashboardVersion, Notification};
pub use projects::{BudgetPlan, Money, Move, ProjectDocument, ProjectEvent, ProjectInput, ProjectRecord, Stamp};
pub use sessions::{ApiKey, ApiKeyAccess, KeyCaller, Session};
pub use sso::{CodeGrant, OidcClient, OidcClientInput, Redeem, SigningKey, TokenRecord};
pub use users::{User, UserInput, UserUpdate};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A checked key: the generation it was checked at, its secret's hash, the caller.
type CachedKey = (u64, String, sessions::KeyCaller);

/// The metadata store. Cheap to clone: it holds a connection pool.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Bumped by every change to keys, users, systems, grants and datasets:
    /// in-memory caches built at an older generation are stale.
    generation: Arc<AtomicU64>,
    key_cache: Arc<Mutex<HashMap<String, CachedKey>>>,
    key_seen: Arc<Mutex<HashMap<i64, i64>>>,
}

/// The SQLite URL for the embedded database in `data_dir`.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("tinhso.db").display())
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies the
    /// migrations. SQLite runs in WAL mode with foreign keys on.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::invalid(
                "database_url",
                format!("database_url phải bắt đầu bằng sqlite: hoặc postgres: (nhận được «{}»).", redact(url)),
                format!("database_url must start with sqlite: or postgres: (got «{}»).", redact(url)),
            ));
        };
        let options = AnyConnectOptions::from_str(url).map_err(|e| {
            Error::invalid(
                "database_url",
                format!("database_url không hợp lệ: {e}"),
                format!("Invalid database_url: {e}"),
            )
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| {
                Error::new(
                    tinhso_domain::ErrorKind::Internal,
                    format!("Không kết nối được cơ sở dữ liệu {}: {e}", redact(url)),
                    format!("Cannot connect to the database {}: {e}", redact(url)),
                )
                .at("database_url")
            })?;
        let store = Store::new(pool, backend);
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating (for administrative connections in tests and tools).
    pub async fn open_raw(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let pool = AnyPoolOptions::new().max_connections(2).connect(url).await.map_err(db_err)?;
        Ok(Store::new(pool, backend))
    }

    /// Runs one statement that returns nothing (administrative use).
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sql).execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(|e| Error::internal(format!("migration failed: {e}")))
    }

    fn new(pool: AnyPool, backend: Backend) -> Store {
        Store {
            pool,
            backend,
            generation: Default::default(),
            key_cache: Default::default(),
            key_seen: Default::default(),
        }
    }

    /// The change counter caches compare against (see the field).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks cached keys, grants and catalogue entries stale.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    /// The SQLite journal mode (`wal` expected); `None` on PostgreSQL.
    pub async fn journal_mode(&self) -> Result<Option<String>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&self.pool).await.map_err(db_err)?;
        Ok(Some(mode))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hides the password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Turns a database error into a domain error; details go to the log only.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    tracing::error!(error = %e, "database error");
    Error::internal(e)
}

/// The SQL condition selecting rows whose agency path (`column`) lies in
/// `scope`, with the value to bind for it; `None` when the scope covers nothing.
pub(crate) fn scope_condition(scope: &tinhso_domain::Scope, column: &str) -> Option<(String, Option<String>)> {
    match scope {
        tinhso_domain::Scope::Province => Some(("1 = 1".to_string(), None)),
        tinhso_domain::Scope::Subtree { path, .. } => Some((format!("{column} LIKE $1"), Some(format!("{path}%")))),
        tinhso_domain::Scope::Nothing => None,
    }
}

/// Runs `SELECT COUNT(*) FROM {from} WHERE <scope on column>`.
pub(crate) async fn count_in_scope(
    pool: &AnyPool,
    from: &str,
    scope: &tinhso_domain::Scope,
    column: &str,
) -> Result<i64> {
    let Some((cond, bind)) = scope_condition(scope, column) else { return Ok(0) };
    let sql = format!("SELECT COUNT(*) FROM {from} WHERE {cond}");
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    q.fetch_one(pool).await.map_err(db_err)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Current time in Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("sqlite:///x.db"), "sqlite:///x.db");
    }
}
