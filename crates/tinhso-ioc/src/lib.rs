//! IOC dashboards: stored, versioned definitions (`definition.rs`), panel
//! parameters as SQL literals (`params.rs`), panel queries through the
//! warehouse's SQL (the caller's access and masks apply, every read is
//! audited) with a result cache that a new dataset version invalidates, the
//! built-in dashboards (`builtin.rs`), and alerts on panel values
//! (`alerts.rs`: in-app, e-mail over SMTP, webhook).

pub mod alerts;
pub mod builtin;
pub mod definition;
pub mod params;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;
use tinhso_domain::{AdminUnits, Error, ErrorKind, Result};
use tinhso_store::{DashboardRecord, Store, User};
use tinhso_warehouse::{Actor, Audit, TableRead, Warehouse};

pub use alerts::{AlertInput, MailConfig};
pub use definition::{Dashboard, FilterKind, Format, Kind, Panel};
pub use params::{Filters, RawFilters};

/// A panel's rows, ready for JSON, CSV or XLSX.
#[derive(Debug, Clone, Serialize)]
pub struct PanelData {
    pub panel: String,
    pub columns: Vec<String>,
    pub types: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub truncated: bool,
    pub filters: Filters,
    pub cached: bool,
    pub elapsed_ms: u64,
    /// The version of each dataset read.
    pub versions: BTreeMap<String, i64>,
    /// The SQL that ran (parameters substituted).
    pub sql: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    dashboard: String,
    version: i64,
    panel: String,
    filters: Filters,
    caller: String,
}

struct Cached {
    data: PanelData,
    tables: Vec<TableRead>,
}

/// Panel results kept at most; beyond, the cache starts again empty.
const CACHE_MAX: usize = 4_096;

struct Inner {
    wh: Warehouse,
    cache: Mutex<HashMap<CacheKey, Arc<Cached>>>,
    mail: Option<MailConfig>,
    public_url: String,
    http: reqwest::Client,
}

/// The dashboards service (cheap to clone).
#[derive(Clone)]
pub struct Ioc {
    inner: Arc<Inner>,
}

fn caller_key(a: &Actor) -> String {
    format!("{:?}/{:?}/{:?}/{:?}", a.user_id, a.system_id, a.role, a.scope)
}

impl Ioc {
    /// `public_url` is used for links in e-mails and webhooks.
    pub fn new(wh: Warehouse, mail: Option<MailConfig>, public_url: &str) -> Ioc {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Ioc {
            inner: Arc::new(Inner {
                wh,
                cache: Mutex::new(HashMap::new()),
                mail,
                public_url: public_url.trim_end_matches('/').to_string(),
                http,
            }),
        }
    }

    pub fn warehouse(&self) -> &Warehouse {
        &self.inner.wh
    }

    fn store(&self) -> &Store {
        self.inner.wh.store()
    }

    /// Installs the built-in dashboards that are not there yet (an edited one is kept).
    pub async fn install_builtins(&self) -> Result<usize> {
        let mut n = 0;
        for text in builtin::DASHBOARDS {
            let d = Dashboard::parse(text)?;
            if self.store().dashboard(&d.slug).await?.is_none() {
                let json = d.to_json().to_string();
                match self.store().create_dashboard(None, &d.slug, &d.title, &d.title_en, &json).await {
                    Ok(_) => n += 1,
                    // Another process installed it first.
                    Err(e) if e.kind == ErrorKind::Conflict => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(n)
    }

    /// Every dashboard with its definition.
    pub async fn list(&self) -> Result<Vec<(DashboardRecord, Dashboard)>> {
        let mut out = Vec::new();
        for r in self.store().dashboards().await? {
            let d = stored(&r)?;
            out.push((r, d));
        }
        Ok(out)
    }

    pub async fn get(&self, slug: &str) -> Result<(DashboardRecord, Dashboard)> {
        let r = self.store().dashboard(slug).await?.ok_or_else(|| {
            Error::not_found(format!("Không có bảng điều khiển «{slug}»."), format!("There is no dashboard «{slug}»."))
        })?;
        let d = stored(&r)?;
        Ok((r, d))
    }

    /// Creates a dashboard from a YAML or JSON definition.
    pub async fn create(&self, caller: &User, text: &str) -> Result<(DashboardRecord, Dashboard)> {
        let d = Dashboard::parse(text)?;
        let r = self
            .store()
            .create_dashboard(Some(caller), &d.slug, &d.title, &d.title_en, &d.to_json().to_string())
            .await?;
        Ok((r, d))
    }

    /// Saves a new version of `slug`; the definition's slug must be the same.
    pub async fn save(
        &self,
        caller: &User,
        slug: &str,
        text: &str,
        expected: Option<i64>,
    ) -> Result<(DashboardRecord, Dashboard)> {
        let d = Dashboard::parse(text)?;
        if d.slug != slug {
            return Err(Error::invalid(
                "slug",
                format!("Định nghĩa có mã «{}», khác với bảng điều khiển «{slug}» đang sửa.", d.slug),
                format!("The definition's slug «{}» is not the dashboard being edited, «{slug}».", d.slug),
            ));
        }
        let r = self
            .store()
            .save_dashboard(caller, slug, expected, &d.title, &d.title_en, &d.to_json().to_string())
            .await?;
        Ok((r, d))
    }

    /// Checks the filters of a request against the dashboard (default period) and the province.
    pub async fn filters(&self, d: &Dashboard, raw: &RawFilters, today: NaiveDate) -> Result<Filters> {
        let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let to = match nonempty(&raw.to) {
            Some(t) => params::parse_date("to", &t)?,
            None => today,
        };
        let from = match nonempty(&raw.from) {
            Some(t) => params::parse_date("from", &t)?,
            None => params::default_from(to, d.period_months),
        };
        if from > to {
            return Err(Error::invalid(
                "from",
                format!("Từ ngày {} sau đến ngày {}.", from.format("%d/%m/%Y"), to.format("%d/%m/%Y")),
                format!("The start {} is after the end {}.", from.format("%d/%m/%Y"), to.format("%d/%m/%Y")),
            ));
        }
        if (to - from).num_days() > 3_660 {
            return Err(Error::invalid(
                "from",
                "Khoảng thời gian dài quá 10 năm.",
                "The period is longer than 10 years.",
            ));
        }
        let commune = match nonempty(&raw.commune) {
            None => None,
            Some(c) => {
                let province = self.inner.wh.province();
                let ok = c.len() == 5
                    && c.chars().all(|ch| ch.is_ascii_digit())
                    && AdminUnits::embedded().lookup(&c, today).is_ok_and(|u| u.province_code == province);
                if !ok {
                    return Err(Error::invalid(
                        "commune",
                        format!("«{c}» không phải mã xã, phường hiện hành của tỉnh."),
                        format!("«{c}» is not the code of a current commune or ward of the province."),
                    ));
                }
                Some(c)
            }
        };
        let agency = match nonempty(&raw.agency) {
            None => None,
            Some(a) => {
                if a.len() > 40 || self.store().agency_by_code(&a).await?.is_none() {
                    return Err(Error::invalid(
                        "agency",
                        format!("Không có cơ quan mã «{a}»."),
                        format!("There is no agency with code «{a}»."),
                    ));
                }
                Some(a)
            }
        };
        Ok(Filters { from, to, commune, agency })
    }

    /// A panel's rows for `actor`. With `use_cache`, a result computed for the
    /// same caller, filters and dataset versions is answered again (and audited
    /// again); a new version of any dataset read, or a change of the caller's
    /// access, computes it afresh.
    pub async fn panel_data(
        &self,
        actor: &Actor,
        slug: &str,
        panel_id: &str,
        raw: &RawFilters,
        use_cache: bool,
    ) -> Result<PanelData> {
        let started = Instant::now();
        let (rec, d) = self.get(slug).await?;
        let panel = d.panel(panel_id).ok_or_else(|| {
            Error::not_found(
                format!("Bảng điều khiển «{slug}» không có ô «{panel_id}»."),
                format!("Dashboard «{slug}» has no panel «{panel_id}»."),
            )
        })?;
        let filters = self.filters(&d, raw, today()).await?;
        let key = CacheKey {
            dashboard: slug.to_string(),
            version: rec.version,
            panel: panel_id.to_string(),
            filters: filters.clone(),
            caller: caller_key(actor),
        };
        let why = format!("dashboard {slug} v{}, panel {panel_id}", rec.version);
        if use_cache {
            let hit = self.inner.cache.lock().expect("cache").get(&key).cloned();
            if let Some(hit) = hit {
                if let Some(data) = self.revalidate(actor, &hit, &why, started).await? {
                    return Ok(data);
                }
            }
        }
        let sql = filters.render(&panel.sql)?;
        let r = self.inner.wh.sql_as(actor, &sql, "dashboard.read", &why).await?;
        let versions = r.tables.iter().filter_map(|t| t.version.map(|v| (t.slug.clone(), v))).collect();
        let data = PanelData {
            panel: panel_id.to_string(),
            columns: r.columns.iter().map(|c| c.name.clone()).collect(),
            types: r.columns.iter().map(|c| c.kind.clone()).collect(),
            rows: r.rows,
            truncated: r.truncated,
            filters,
            cached: false,
            elapsed_ms: started.elapsed().as_millis() as u64,
            versions,
            sql,
        };
        if !r.live {
            let mut cache = self.inner.cache.lock().expect("cache");
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(key, Arc::new(Cached { data: data.clone(), tables: r.tables }));
        }
        Ok(data)
    }

    /// The cached result if every dataset it read is still at the same version
    /// and the caller still sees it the same way; audits the read.
    async fn revalidate(&self, actor: &Actor, hit: &Cached, why: &str, started: Instant) -> Result<Option<PanelData>> {
        let mut accesses = Vec::with_capacity(hit.tables.len());
        for t in &hit.tables {
            let access = match self.inner.wh.access(actor, &t.slug).await {
                Ok(a) => a,
                // Access withdrawn: compute afresh, which says why.
                Err(_) => return Ok(None),
            };
            let now = access.dataset.latest.as_ref().and_then(|l| l.version);
            if t.version.is_some() && now != t.version || access.fingerprint() != t.access {
                return Ok(None);
            }
            accesses.push(access);
        }
        for access in &accesses {
            let mut a = Audit::of("dashboard.read", access);
            a.row_count = Some(hit.data.rows.len() as i64);
            a.detail = format!("{}; {why}; cached", a.detail);
            self.inner.wh.audit(actor, a, "ok", Some(started)).await?;
        }
        let mut data = hit.data.clone();
        data.cached = true;
        data.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(Some(data))
    }

    /// Panel results in the cache (for tests and metrics).
    pub fn cached_results(&self) -> usize {
        self.inner.cache.lock().expect("cache").len()
    }
}

fn stored(r: &DashboardRecord) -> Result<Dashboard> {
    let d: Dashboard = serde_json::from_str(&r.definition)
        .map_err(|e| Error::internal(format!("dashboard {} definition: {e}", r.slug)))?;
    Ok(d)
}

/// Today in Vietnam (UTC+7).
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}
