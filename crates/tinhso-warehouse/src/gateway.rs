//! The data sharing gateway: who may read which columns and rows of a
//! dataset, personal data masked unless granted, and every read, write and
//! grant change written to the audit log.
//!
//! Deny by default. A reader gets one [`Access`] per dataset:
//! - the operator (command line) and the owner agency's staff see everything;
//! - a consumer (an agency, or one of its registered systems) with an active
//!   grant sees the granted columns and rows; personal columns in clear only
//!   when the grant names them with a legal basis;
//! - province-wide roles (DX office, leaders, system admins) see every column
//!   with personal data masked;
//! - anyone may read an open-zone dataset, without its personal columns;
//! - everyone else is refused.
//!
//! The access is enforced inside the query: each table is registered as a
//! view that filters the granted rows first and then projects the granted
//! columns through the masking functions, so SQL, filters and sorting only
//! ever see what the caller may see.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use deltalake::arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::catalog::TableProvider;
use deltalake::datafusion::common::{Column, ScalarValue};
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use deltalake::datafusion::prelude::{cast, lit, SessionContext};
use serde::{Deserialize, Serialize};
use tinhso_domain::mask::{mask, MaskKind};
use tinhso_domain::{Error, ErrorKind, Result, Role};
use tinhso_store::{AuditEntry, GrantRecord};

use crate::definition::{FieldType, Personal};
use crate::{table, Actor, Dataset, Warehouse};

/// Why the caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    Operator,
    Owner,
    Grant(i64),
    Province,
    Open,
}

impl Basis {
    pub fn as_str(&self) -> String {
        match self {
            Basis::Operator => "operator".into(),
            Basis::Owner => "owner".into(),
            Basis::Grant(id) => format!("grant:{id}"),
            Basis::Province => "province".into(),
            Basis::Open => "open".into(),
        }
    }
}

/// One readable column and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnAccess {
    pub name: String,
    /// `Some` when the column is personal data shown masked.
    pub mask: Option<MaskKind>,
}

/// What a caller may read of one dataset.
#[derive(Debug, Clone)]
pub struct Access {
    pub dataset: Dataset,
    pub basis: Basis,
    pub columns: Vec<ColumnAccess>,
    /// Rows allowed: every listed column's text must be one of its values.
    pub row_filter: Vec<(String, Vec<String>)>,
    pub purpose: String,
}

impl Access {
    pub fn grant_id(&self) -> Option<i64> {
        match self.basis {
            Basis::Grant(id) => Some(id),
            _ => None,
        }
    }
    pub fn column(&self, name: &str) -> Option<&ColumnAccess> {
        self.columns.iter().find(|c| c.name == name)
    }
    /// What this access lets the caller see (basis, columns, masks, rows), as
    /// text: equal fingerprints see the same data of a version.
    pub fn fingerprint(&self) -> String {
        format!("{:?}|{:?}|{:?}", self.basis, self.columns, self.row_filter)
    }
    pub fn masked(&self) -> Vec<String> {
        self.columns.iter().filter(|c| c.mask.is_some()).map(|c| c.name.clone()).collect()
    }
    /// Does a row (text of each column by name) pass the row filter?
    pub fn row_allowed(&self, text_of: impl Fn(&str) -> Option<String>) -> bool {
        self.row_filter.iter().all(|(c, vals)| text_of(c).is_some_and(|t| vals.contains(&t)))
    }
}

/// The mask for a personal field, from its type.
pub fn mask_kind(kind: FieldType) -> MaskKind {
    match kind {
        FieldType::Cccd => MaskKind::Cccd,
        FieldType::Phone => MaskKind::Phone,
        FieldType::Date | FieldType::Datetime => MaskKind::Year,
        FieldType::Email => MaskKind::Email,
        FieldType::Text | FieldType::Enum => MaskKind::Initials,
        _ => MaskKind::Hidden,
    }
}

/// A grant's documents as the warehouse reads them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GrantTerms {
    pub columns: Vec<String>,
    pub row_filter: HashMap<String, Vec<String>>,
    pub unmasked: Vec<String>,
}

impl GrantTerms {
    /// The terms in force for an approved grant.
    pub fn of(g: &GrantRecord) -> Result<GrantTerms> {
        let bad = |e: serde_json::Error| Error::internal(format!("grant {}: {e}", g.id));
        Ok(GrantTerms {
            columns: serde_json::from_str(g.granted_columns.as_deref().unwrap_or(&g.columns)).map_err(bad)?,
            row_filter: parse_row_filter(
                &serde_json::from_str(g.granted_row_filter.as_deref().unwrap_or(&g.row_filter)).map_err(bad)?,
            )?,
            unmasked: serde_json::from_str(g.unmasked.as_deref().unwrap_or("[]")).map_err(bad)?,
        })
    }
}

/// A row filter document: `{"ma_xa": "21550"}` or `{"ma_xa": ["21550", "21553"]}`.
pub fn parse_row_filter(v: &serde_json::Value) -> Result<HashMap<String, Vec<String>>> {
    let bad = || {
        Error::invalid(
            "row_filter",
            "Bộ lọc dòng phải là một đối tượng JSON: cột → giá trị hoặc danh sách giá trị, ví dụ {\"ma_xa\": [\"21550\"]}.",
            "The row filter must be a JSON object: column → a value or a list of values, e.g. {\"ma_xa\": [\"21550\"]}.",
        )
    };
    let mut out = HashMap::new();
    match v {
        serde_json::Value::Null => {}
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let vals: Vec<String> = match v {
                    serde_json::Value::Array(a) => a.iter().map(text_of_json).collect::<Option<_>>().ok_or_else(bad)?,
                    other => vec![text_of_json(other).ok_or_else(bad)?],
                };
                if vals.is_empty() || vals.len() > 1000 {
                    return Err(bad());
                }
                out.insert(k.clone(), vals);
            }
        }
        _ => return Err(bad()),
    }
    Ok(out)
}

fn text_of_json(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(tinhso_domain::text::nfc(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The text of a JSON cell, as the row filter and masking see it.
pub fn cell_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub(crate) fn forbidden(slug: &str) -> Error {
    Error::new(
        ErrorKind::Forbidden,
        format!(
            "Bạn chưa được cấp quyền đọc bộ dữ liệu «{slug}». Hãy gửi yêu cầu truy cập (POST /api/v1/grants/requests) để cơ quan chủ quản phê duyệt."
        ),
        format!(
            "You have no grant to read dataset «{slug}». Send an access request (POST /api/v1/grants/requests) for the owner agency to approve."
        ),
    )
}

// ---- masking functions inside DataFusion ----

/// `tinhso_mask_<kind>(text)`: the domain's masking as a SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MaskUdf {
    kind: MaskKind,
    name: String,
    signature: Signature,
}

impl ScalarUDFImpl for MaskUdf {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> deltalake::datafusion::error::Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> deltalake::datafusion::error::Result<ColumnarValue> {
        let kind = self.kind;
        map_text(args, move |s| mask(kind, s))
    }
}

/// `tinhso_fold(text)`: lower case without diacritics, for text search.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FoldUdf {
    signature: Signature,
}

impl ScalarUDFImpl for FoldUdf {
    fn name(&self) -> &str {
        "tinhso_fold"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> deltalake::datafusion::error::Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> deltalake::datafusion::error::Result<ColumnarValue> {
        map_text(args, tinhso_domain::text::fold)
    }
}

fn map_text(
    args: ScalarFunctionArgs,
    f: impl Fn(&str) -> String,
) -> deltalake::datafusion::error::Result<ColumnarValue> {
    let arg = args.args.into_iter().next().ok_or_else(|| DataFusionError::Plan("one argument expected".into()))?;
    match arg {
        ColumnarValue::Scalar(ScalarValue::Utf8(v)) => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(v.map(|s| f(&s))))),
        ColumnarValue::Scalar(other) => Err(DataFusionError::Plan(format!("text expected, got {}", other.data_type()))),
        ColumnarValue::Array(a) => {
            let a = deltalake::arrow::compute::cast(&a, &DataType::Utf8)?;
            let s = a.as_any().downcast_ref::<StringArray>().ok_or_else(|| DataFusionError::Plan("text".into()))?;
            let out: StringArray = s.iter().map(|v| v.map(&f)).collect();
            Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
        }
    }
}

const MASK_KINDS: [MaskKind; 6] =
    [MaskKind::Cccd, MaskKind::Phone, MaskKind::Initials, MaskKind::Year, MaskKind::Email, MaskKind::Hidden];

fn mask_udf(kind: MaskKind) -> ScalarUDF {
    ScalarUDF::from(MaskUdf {
        kind,
        name: format!("tinhso_mask_{}", kind.as_str()),
        signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
    })
}

/// Registers the masking and folding functions in a session.
pub fn register_functions(ctx: &SessionContext) {
    for k in MASK_KINDS {
        ctx.register_udf(mask_udf(k));
    }
    ctx.register_udf(ScalarUDF::from(fold_udf()));
}

pub(crate) fn fold_udf() -> FoldUdf {
    FoldUdf { signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable) }
}

pub(crate) fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

fn as_text(name: &str) -> Expr {
    cast(column(name), DataType::Utf8)
}

/// The table as the caller may see it: granted rows, granted columns, masks applied.
pub(crate) fn restricted_view(
    ctx: &SessionContext,
    raw: Arc<dyn TableProvider>,
    access: &Access,
) -> Result<Arc<dyn TableProvider>> {
    let schema = raw.schema();
    let present = |c: &str| schema.field_with_name(c).is_ok();
    let mut df = ctx.read_table(raw).map_err(df_err)?;
    for (c, vals) in &access.row_filter {
        let list: Vec<Expr> = vals.iter().map(|v| lit(v.clone())).collect();
        // A past version without the filter's column has no rows the grant covers.
        let e = if present(c) { as_text(c).in_list(list, false) } else { lit(false) };
        df = df.filter(e).map_err(df_err)?;
    }
    // Past versions may lack fields added since.
    let exprs: Vec<Expr> = access
        .columns
        .iter()
        .filter(|c| present(&c.name))
        .map(|c| match c.mask {
            None => column(&c.name),
            Some(k) => mask_udf(k).call(vec![as_text(&c.name)]).alias(&c.name),
        })
        .collect();
    let df = df.select(exprs).map_err(df_err)?;
    Ok(df.into_view())
}

pub(crate) fn df_err(e: DataFusionError) -> Error {
    Error::invalid(
        "query",
        format!("Lỗi truy vấn: {}", e.strip_backtrace()),
        format!("Query error: {}", e.strip_backtrace()),
    )
}

// ---- the audit ----

/// What to record about one operation.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    pub action: &'static str,
    pub dataset: String,
    pub version: Option<i64>,
    pub columns: Vec<String>,
    pub row_count: Option<i64>,
    pub purpose: String,
    pub grant_id: Option<i64>,
    pub detail: String,
}

impl Audit {
    pub fn of(action: &'static str, access: &Access) -> Audit {
        Audit {
            action,
            dataset: access.dataset.record.slug.clone(),
            version: access.dataset.latest.as_ref().and_then(|l| l.version),
            columns: access.columns.iter().map(|c| c.name.clone()).collect(),
            purpose: access.purpose.clone(),
            grant_id: access.grant_id(),
            detail: format!("basis={}", access.basis.as_str()),
            ..Default::default()
        }
    }
}

/// (dataset, consumer agency, consumer system).
type GrantKey = (i64, i64, Option<i64>);

/// Caches of the hot path: catalogue entries and grants by generation, key indexes by version.
#[derive(Default)]
pub(crate) struct Caches {
    pub datasets: Mutex<HashMap<String, (u64, Dataset)>>,
    pub grants: Mutex<HashMap<GrantKey, (u64, Vec<GrantRecord>)>>,
    pub keys: Mutex<HashMap<(String, i64), Arc<KeyIndex>>>,
}

/// Every row of a small table version by key, cells as JSON, for keyed reads
/// without planning a query.
pub(crate) struct KeyIndex {
    pub columns: Vec<String>,
    pub rows: HashMap<String, Vec<serde_json::Value>>,
}

/// Versions up to this many rows are indexed in memory for keyed reads.
pub const KEY_INDEX_MAX_ROWS: usize = 200_000;

impl Warehouse {
    /// Records an operation in the audit log (and waits until it is written).
    pub async fn audit(&self, actor: &Actor, a: Audit, outcome: &str, started: Option<Instant>) -> Result<()> {
        let Some(log) = &self.audit else { return Ok(()) };
        let entry = AuditEntry {
            at: chrono::Utc::now().timestamp_micros(),
            request_id: actor.who.request_id.clone(),
            user_id: actor.user_id,
            username: actor.who.username.clone(),
            system_code: actor.who.system_code.clone(),
            agency_code: actor.who.agency_code.clone(),
            action: a.action.to_string(),
            outcome: outcome.to_string(),
            dataset: a.dataset,
            version: a.version,
            columns: a.columns.join(","),
            row_count: a.row_count,
            purpose: a.purpose,
            grant_id: a.grant_id,
            detail: a.detail,
            latency_us: started.map(|s| s.elapsed().as_micros() as i64),
        };
        log.record(entry).await.map(|_| ())
    }

    /// Records a refused or failed attempt (the error passes through).
    pub async fn audit_failure(&self, actor: &Actor, action: &'static str, dataset: &str, e: Error) -> Error {
        let outcome = outcome_of(e.kind);
        let a = Audit { action, dataset: dataset.to_string(), detail: scrub(&e.en), ..Default::default() };
        if let Err(audit_err) = self.audit(actor, a, outcome, None).await {
            return audit_err;
        }
        e
    }

    /// A catalogue entry, cached until the catalogue changes.
    pub(crate) async fn cached_dataset(&self, slug: &str) -> Result<Option<Dataset>> {
        let generation = self.store.generation();
        if let Some((g, d)) = self.caches.datasets.lock().expect("cache").get(slug) {
            if *g == generation {
                return Ok(Some(d.clone()));
            }
        }
        let Some(r) = self.store.dataset_by_slug(slug).await? else { return Ok(None) };
        let latest = self.store.ingests(r.id).await?.into_iter().find(|i| i.status == "committed");
        let d = self.dataset_from(r, latest, tinhso_store::now())?;
        let mut c = self.caches.datasets.lock().expect("cache");
        if c.len() > 1000 {
            c.clear();
        }
        c.insert(slug.to_string(), (generation, d.clone()));
        Ok(Some(d))
    }

    async fn cached_grants(&self, dataset_id: i64, agency_id: i64, system_id: Option<i64>) -> Result<Vec<GrantRecord>> {
        let generation = self.store.generation();
        let k = (dataset_id, agency_id, system_id);
        if let Some((g, v)) = self.caches.grants.lock().expect("cache").get(&k) {
            if *g == generation {
                return Ok(v.clone());
            }
        }
        let v = self.store.approved_grants(dataset_id, agency_id, system_id).await?;
        let mut c = self.caches.grants.lock().expect("cache");
        if c.len() > 10_000 {
            c.clear();
        }
        c.insert(k, (generation, v.clone()));
        Ok(v)
    }

    /// What `actor` may read of dataset `slug` (see the module documentation).
    pub async fn access(&self, actor: &Actor, slug: &str) -> Result<Access> {
        let d = match self.cached_dataset(slug).await? {
            Some(d) if self.may_see(actor, &d.record) => d,
            _ => return Err(Self::not_found(slug)),
        };
        self.access_to(actor, d).await
    }

    pub(crate) async fn access_to(&self, actor: &Actor, d: Dataset) -> Result<Access> {
        let all = |mask_personal: bool, drop_personal: bool| -> Vec<ColumnAccess> {
            let mut out = Vec::new();
            for f in &d.def.fields {
                let personal = f.personal != Personal::None;
                if personal && drop_personal {
                    continue;
                }
                let mask = (personal && mask_personal).then(|| mask_kind(f.kind));
                out.push(ColumnAccess { name: f.name.clone(), mask });
            }
            for f in &d.def.fields {
                if let Some(o) = f.original_column() {
                    let personal = f.personal != Personal::None;
                    if !(personal && drop_personal) {
                        out.push(ColumnAccess {
                            name: o,
                            mask: (personal && mask_personal).then_some(MaskKind::Hidden),
                        });
                    }
                }
            }
            out
        };
        let access = |basis, columns, row_filter, purpose: &str| Access {
            dataset: d.clone(),
            basis,
            columns,
            row_filter,
            purpose: purpose.to_string(),
        };
        if actor.is_operator() {
            return Ok(access(Basis::Operator, all(false, false), vec![], ""));
        }
        // The owner agency's own staff (province-wide roles are not owners: they read masked).
        if matches!(actor.role, Role::AgencyAdmin | Role::DataOfficer) && actor.scope.contains(&d.record.owner_path) {
            return Ok(access(Basis::Owner, all(false, false), vec![], ""));
        }
        if let Some(agency_id) = actor.agency_id {
            let now = tinhso_store::now();
            let grants = self.cached_grants(d.record.id, agency_id, actor.system_id).await?;
            if let Some(g) = grants.iter().find(|g| g.active_at(now)) {
                let terms = GrantTerms::of(g)?;
                let mut columns = Vec::new();
                for c in all(false, false) {
                    let base = c.name.strip_suffix("__goc").unwrap_or(&c.name);
                    if !terms.columns.iter().any(|t| t == &c.name || t == base) {
                        continue;
                    }
                    let personal = d.def.field(base).is_some_and(|f| f.personal != Personal::None);
                    let clear = !g.legal_basis.trim().is_empty() && terms.unmasked.iter().any(|u| u == base);
                    let mask = (personal && !clear).then(|| match d.def.field(&c.name) {
                        Some(f) => mask_kind(f.kind),
                        None => MaskKind::Hidden,
                    });
                    columns.push(ColumnAccess { name: c.name, mask });
                }
                let mut row_filter: Vec<(String, Vec<String>)> = terms.row_filter.into_iter().collect();
                row_filter.sort();
                return Ok(access(Basis::Grant(g.id), columns, row_filter, &g.purpose));
            }
        }
        if actor.system_id.is_none() && actor.role.province_wide() {
            return Ok(access(Basis::Province, all(true, false), vec![], ""));
        }
        if d.record.zone == "open" {
            return Ok(access(Basis::Open, all(false, true), vec![], ""));
        }
        Err(forbidden(&d.record.slug))
    }

    /// Registers `name` in `ctx` as the caller's view of a dataset version.
    pub(crate) async fn register_view(
        &self,
        ctx: &SessionContext,
        name: deltalake::datafusion::common::TableReference,
        access: &Access,
        version: Option<i64>,
    ) -> Result<()> {
        // The latest version by number, so that it comes from the cache of opened versions.
        let version = version.or(access.dataset.latest.as_ref().and_then(|l| l.version));
        let raw = table::provider(ctx, &table::table_dir(&self.root, &access.dataset.record.slug), version).await?;
        let view = restricted_view(ctx, raw, access)?;
        ctx.register_table(name, view).map_err(df_err)?;
        Ok(())
    }

    /// The key index of a version, built on first use when the version is small.
    pub(crate) async fn key_index(&self, slug: &str, version: i64) -> Result<Option<Arc<KeyIndex>>> {
        let k = (slug.to_string(), version);
        if let Some(ix) = self.caches.keys.lock().expect("cache").get(&k) {
            return Ok(Some(ix.clone()));
        }
        let ctx = crate::sql::session(&self.limits);
        let p = table::provider(&ctx, &table::table_dir(&self.root, slug), Some(version)).await?;
        if let Some(n) = p.statistics().and_then(|s| s.num_rows.get_value().copied()) {
            if n > KEY_INDEX_MAX_ROWS {
                return Ok(None);
            }
        }
        let df = ctx.read_table(p).map_err(df_err)?;
        let batches: Vec<RecordBatch> = df.collect().await.map_err(df_err)?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if rows > KEY_INDEX_MAX_ROWS {
            return Ok(None);
        }
        let d = self.cached_dataset(slug).await?.ok_or_else(|| Self::not_found(slug))?;
        let columns = d.def.columns();
        let json = crate::sql::to_json_rows(&batches);
        let names: Vec<String> =
            batches.first().map(|b| b.schema().fields().iter().map(|f| f.name().clone()).collect()).unwrap_or_default();
        let key_pos: Vec<usize> = d.def.key.iter().filter_map(|k| names.iter().position(|n| n == k)).collect();
        if key_pos.len() != d.def.key.len() || key_pos.is_empty() {
            return Ok(None);
        }
        let mut map = HashMap::with_capacity(json.len());
        for row in json {
            let key = key_pos.iter().map(|&i| cell_text(&row[i]).unwrap_or_default()).collect::<Vec<_>>().join("|");
            // Order the cells by the definition's columns.
            let cells = columns
                .iter()
                .map(|c| names.iter().position(|n| n == c).map(|i| row[i].clone()).unwrap_or(serde_json::Value::Null))
                .collect();
            map.insert(key, cells);
        }
        let ix = Arc::new(KeyIndex { columns, rows: map });
        let mut c = self.caches.keys.lock().expect("cache");
        if c.len() >= 16 {
            c.clear();
        }
        c.insert(k, ix.clone());
        Ok(Some(ix))
    }
}

/// Removes anything that looks like personal data (long digit runs, e-mail
/// addresses) from text headed for the audit log or the logs.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str(&mask(MaskKind::Cccd, digits));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out.split(' ')
        .map(|w| if w.contains('@') && w.contains('.') { mask(MaskKind::Email, w) } else { w.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a failed request is recorded (audit outcome, metrics label).
pub fn outcome_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Forbidden | ErrorKind::Unauthenticated => "denied",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::TooMany => "refused",
        ErrorKind::Internal => "error",
    }
}

/// Whether a role may see every dataset's audit trail.
pub fn sees_all_audit(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::DxOffice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_filters_parse() {
        let f = parse_row_filter(&serde_json::json!({"ma_xa": "21550", "nam": [2023, 2024]})).unwrap();
        assert_eq!(f["ma_xa"], vec!["21550"]);
        assert_eq!(f["nam"], vec!["2023", "2024"]);
        assert!(parse_row_filter(&serde_json::json!(["x"])).is_err());
        assert!(parse_row_filter(&serde_json::json!({"a": []})).is_err());
        assert!(parse_row_filter(&serde_json::json!({"a": {"b": 1}})).is_err());
        assert!(parse_row_filter(&serde_json::Value::Null).unwrap().is_empty());
    }

    #[test]
    fn scrub_hides_numbers_and_addresses() {
        assert_eq!(scrub("no row with key 079203001123"), "no row with key 079******123");
        assert_eq!(scrub("mail an@x.gov.vn now"), "mail a***@x.gov.vn now");
        assert_eq!(scrub("version 12"), "version 12");
    }

    #[test]
    fn personal_types_have_masks() {
        assert_eq!(mask_kind(FieldType::Cccd), MaskKind::Cccd);
        assert_eq!(mask_kind(FieldType::Date), MaskKind::Year);
        assert_eq!(mask_kind(FieldType::Text), MaskKind::Initials);
        assert_eq!(mask_kind(FieldType::Money), MaskKind::Hidden);
    }
}
