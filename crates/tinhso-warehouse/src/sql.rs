//! SQL over the warehouse with DataFusion. Each dataset the caller may read is
//! a table named by its slug (`"truong-hoc"` or `truong_hoc`); a past version
//! is `"truong-hoc@3"` or `truong_hoc__v3`. Only queries: no DDL, DML or
//! statements. Every query runs under a memory pool limit and a time limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deltalake::arrow::array::{Array, ArrayRef, RecordBatch};
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::arrow::util::display::{ArrayFormatter, FormatOptions};
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::execution::runtime_env::RuntimeEnvBuilder;
use deltalake::datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use serde::Serialize;
use tinhso_domain::{Error, ErrorKind, Result};

use crate::{Actor, Warehouse};

/// Per-query limits.
#[derive(Debug, Clone)]
pub struct QueryLimits {
    pub max_rows: usize,
    pub timeout: Duration,
    pub memory_bytes: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits { max_rows: 10_000, timeout: Duration::from_secs(30), memory_bytes: 512 << 20 }
    }
}

/// A column of a result.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A query's result: columns and rows of JSON values.
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<serde_json::Value>>,
    /// More rows existed than `max_rows`.
    pub truncated: bool,
    pub elapsed_ms: u64,
    #[serde(skip)]
    pub schema: Option<SchemaRef>,
    #[serde(skip)]
    pub batches: Vec<RecordBatch>,
    /// The datasets the query read, each with the version and the caller's access.
    #[serde(skip)]
    pub tables: Vec<TableRead>,
    /// The query read a live system table (traffic, quality): its result may change without a new version.
    #[serde(skip)]
    pub live: bool,
}

/// A dataset a query read: its slug, the version read and the fingerprint of
/// the caller's access (columns, masks, rows), for result caches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableRead {
    pub slug: String,
    pub version: Option<i64>,
    pub access: String,
}

/// A DataFusion session with the memory limit.
pub fn session(limits: &QueryLimits) -> SessionContext {
    let runtime =
        RuntimeEnvBuilder::new().with_memory_limit(limits.memory_bytes, 1.0).build_arc().expect("runtime env");
    let config = SessionConfig::new().with_target_partitions(2).with_information_schema(false);
    SessionContext::new_with_config_rt(config, runtime)
}

pub(crate) fn no_access(slug: &str) -> Error {
    Error::new(
        ErrorKind::Forbidden,
        format!("Bạn không có quyền đọc bộ dữ liệu «{slug}»."),
        format!("You may not read dataset «{slug}»."),
    )
    .at("sql")
}

fn sql_error(e: DataFusionError) -> Error {
    let text = e.strip_backtrace();
    let text = text.trim_start_matches("SQL error: ").trim_start_matches("Error during planning: ").to_string();
    if text.contains("Resources exhausted") {
        return Error::new(
            ErrorKind::TooMany,
            format!("Truy vấn vượt giới hạn bộ nhớ: {text}. Hãy thu hẹp truy vấn (lọc, tổng hợp, LIMIT)."),
            format!("The query exceeded its memory limit: {text}. Narrow it (filters, aggregates, LIMIT)."),
        )
        .at("sql");
    }
    Error::invalid("sql", format!("Lỗi SQL: {text}"), format!("SQL error: {text}"))
}

/// Splits a table name into (slug, version): `truong_hoc`, `truong-hoc`, `"truong-hoc@3"`, `truong_hoc__v3`.
pub fn parse_table_name(name: &str) -> (String, Option<i64>) {
    if let Some((s, v)) = name.rsplit_once('@') {
        if let Ok(v) = v.trim_start_matches(['v', 'V']).parse() {
            return (s.replace('_', "-"), Some(v));
        }
    }
    if let Some((s, v)) = name.rsplit_once("__v") {
        if let Ok(v) = v.parse() {
            return (s.replace('_', "-"), Some(v));
        }
    }
    (name.replace('_', "-"), None)
}

/// The gateway's traffic as a table (`gateway_usage` or `thong_ke_chia_se`):
/// per day, consumer and dataset, the requests, rows, refusals and mean latency.
pub const USAGE_TABLES: [&str; 2] = ["gateway_usage", "thong_ke_chia_se"];

async fn usage_table(wh: &Warehouse, actor: &Actor) -> Result<Arc<dyn deltalake::datafusion::catalog::TableProvider>> {
    use deltalake::arrow::array::{Date32Array, Float64Array, Int64Array, StringArray};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    use tinhso_domain::Role;
    let all = actor.is_operator()
        || (actor.system_id.is_none() && matches!(actor.role, Role::SystemAdmin | Role::DxOffice | Role::Leader));
    let owner = actor.system_id.is_none() && matches!(actor.role, Role::AgencyAdmin | Role::DataOfficer);
    if !all && !owner {
        return Err(no_access("gateway_usage"));
    }
    let mut rows = wh.store().audit_usage().await?;
    if !all {
        let mut own = std::collections::HashSet::new();
        for d in wh.store().datasets().await? {
            if actor.scope.contains(&d.owner_path) {
                own.insert(d.slug);
            }
        }
        rows.retain(|r| own.contains(&r.dataset));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("ngay", DataType::Date32, false),
        Field::new("co_quan", DataType::Utf8, false),
        Field::new("he_thong", DataType::Utf8, false),
        Field::new("nguoi_dung", DataType::Utf8, false),
        Field::new("bo_du_lieu", DataType::Utf8, false),
        Field::new("so_yeu_cau", DataType::Int64, false),
        Field::new("so_dong", DataType::Int64, false),
        Field::new("bi_tu_choi", DataType::Int64, false),
        Field::new("do_tre_tb_ms", DataType::Float64, false),
    ]));
    let text = |f: fn(&tinhso_store::UsageRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Date32Array::from(rows.iter().map(|r| r.day as i32).collect::<Vec<_>>())),
            text(|r| &r.agency_code),
            text(|r| &r.system_code),
            text(|r| &r.username),
            text(|r| &r.dataset),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.requests).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.rows).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.refused).collect::<Vec<_>>())),
            Arc::new(Float64Array::from(rows.iter().map(|r| r.mean_latency_ms).collect::<Vec<_>>())),
        ],
    )
    .map_err(Error::internal)?;
    let t = deltalake::datafusion::datasource::MemTable::try_new(schema, vec![vec![batch]]).map_err(sql_error)?;
    Ok(Arc::new(t))
}

/// The catalogue's quality as a table (`chat_luong_du_lieu` or `dataset_quality`):
/// one row per dataset the caller may see, with its newest version, rows, the
/// four scores ("đúng, đủ, sạch, sống"), the last update and whether it is stale.
pub const QUALITY_TABLES: [&str; 2] = ["chat_luong_du_lieu", "dataset_quality"];

async fn quality_table(
    wh: &Warehouse,
    actor: &Actor,
) -> Result<Arc<dyn deltalake::datafusion::catalog::TableProvider>> {
    use deltalake::arrow::array::{BooleanArray, Int64Array, StringArray, TimestampMicrosecondArray};
    use deltalake::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let sets = wh.datasets(actor).await?;
    let now = tinhso_store::now();
    let text = |f: &dyn Fn(&crate::Dataset) -> String| -> ArrayRef {
        Arc::new(StringArray::from(sets.iter().map(f).collect::<Vec<_>>()))
    };
    let int = |f: &dyn Fn(&crate::Dataset) -> Option<i64>| -> ArrayRef {
        Arc::new(Int64Array::from(sets.iter().map(f).collect::<Vec<_>>()))
    };
    let score = |f: fn(&crate::quality::Scores) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from(sets.iter().map(|d| d.scores.as_ref().map(f)).collect::<Vec<_>>()))
    };
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let schema = Arc::new(Schema::new(vec![
        Field::new("bo_du_lieu", DataType::Utf8, false),
        Field::new("ten", DataType::Utf8, false),
        Field::new("ten_en", DataType::Utf8, false),
        Field::new("co_quan", DataType::Utf8, false),
        Field::new("ten_co_quan", DataType::Utf8, false),
        Field::new("linh_vuc", DataType::Utf8, false),
        Field::new("vung", DataType::Utf8, false),
        Field::new("tan_suat", DataType::Utf8, false),
        Field::new("phien_ban", DataType::Int64, true),
        Field::new("so_dong", DataType::Int64, true),
        Field::new("so_dong_loi", DataType::Int64, true),
        Field::new("diem_dung", DataType::Int64, true),
        Field::new("diem_du", DataType::Int64, true),
        Field::new("diem_sach", DataType::Int64, true),
        Field::new("diem_song", DataType::Int64, true),
        Field::new("diem_chung", DataType::Int64, true),
        Field::new("cap_nhat_luc", ts.clone(), true),
        Field::new("so_ngay_chua_cap_nhat", DataType::Int64, true),
        Field::new("cham_cap_nhat", DataType::Boolean, false),
    ]));
    let updated: Vec<Option<i64>> = sets.iter().map(|d| d.latest.as_ref().map(|l| l.created_at)).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(&|d| d.record.slug.clone()),
            text(&|d| d.record.name_vi.clone()),
            text(&|d| d.record.name_en.clone()),
            text(&|d| d.record.owner_code.clone()),
            text(&|d| d.record.owner_name.clone()),
            text(&|d| d.record.sector.clone()),
            text(&|d| d.record.zone.clone()),
            text(&|d| d.record.frequency.clone()),
            int(&|d| d.latest.as_ref().and_then(|l| l.version)),
            int(&|d| d.latest.as_ref().map(|l| l.rows_accepted)),
            int(&|d| d.latest.as_ref().map(|l| l.rows_rejected)),
            score(|s| s.correct),
            score(|s| s.complete),
            score(|s| s.clean),
            score(|s| s.live),
            score(|s| s.score),
            Arc::new(
                TimestampMicrosecondArray::from(updated.iter().map(|t| t.map(|t| t * 1_000_000)).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
            Arc::new(Int64Array::from(
                updated.iter().map(|t| t.map(|t| (now - t).max(0) / 86_400)).collect::<Vec<_>>(),
            )),
            // Stale: never loaded, or older than its declared period.
            Arc::new(BooleanArray::from(
                sets.iter().map(|d| d.scores.as_ref().is_none_or(|s| s.live < 100)).collect::<Vec<_>>(),
            )),
        ],
    )
    .map_err(Error::internal)?;
    let t = deltalake::datafusion::datasource::MemTable::try_new(schema, vec![vec![batch]]).map_err(sql_error)?;
    Ok(Arc::new(t))
}

/// Runs `text` for `actor`.
pub async fn run(wh: &Warehouse, actor: &Actor, text: &str, limits: &QueryLimits) -> Result<QueryResult> {
    run_as(wh, actor, text, limits, "sql.read", "").await
}

/// Runs `text` for `actor`, auditing each dataset read as `action` with `why`
/// (e.g. the dashboard panel) in the entry's detail.
pub async fn run_as(
    wh: &Warehouse,
    actor: &Actor,
    text: &str,
    limits: &QueryLimits,
    action: &'static str,
    why: &str,
) -> Result<QueryResult> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("sql", "Câu lệnh SQL trống.", "The SQL statement is empty."));
    }
    if text.len() > 100_000 {
        return Err(Error::invalid(
            "sql",
            "Câu lệnh SQL dài quá 100 000 ký tự.",
            "The SQL statement is longer than 100,000 characters.",
        ));
    }
    let started = Instant::now();
    let ctx = session(limits);
    crate::gateway::register_functions(&ctx);
    let mut accesses: Vec<(crate::Access, Option<i64>)> = Vec::new();
    let mut live = false;
    let state = ctx.state();
    let stmt = state.sql_to_statement(text, &deltalake::datafusion::config::Dialect::PostgreSQL).map_err(sql_error)?;
    let refs = state.resolve_table_references(&stmt).map_err(sql_error)?;
    for r in refs {
        let name = r.table().to_string();
        if r.schema().is_some_and(|s| s != "public") {
            return Err(Error::invalid(
                "sql",
                format!("Không có lược đồ «{}»: hãy gọi bảng bằng mã bộ dữ liệu.", r.schema().unwrap_or_default()),
                format!("There is no schema «{}»: name tables by dataset slug.", r.schema().unwrap_or_default()),
            ));
        }
        if USAGE_TABLES.contains(&name.as_str()) {
            let t = usage_table(wh, actor).await?;
            ctx.register_table(r.clone(), t).map_err(sql_error)?;
            live = true;
            continue;
        }
        if QUALITY_TABLES.contains(&name.as_str()) {
            let t = quality_table(wh, actor).await?;
            ctx.register_table(r.clone(), t).map_err(sql_error)?;
            live = true;
            continue;
        }
        if let Some(provider) = wh.system_table(&name) {
            let batch = provider.batch(actor).await?;
            let t = deltalake::datafusion::datasource::MemTable::try_new(batch.schema(), vec![vec![batch]])
                .map_err(sql_error)?;
            ctx.register_table(r.clone(), Arc::new(t)).map_err(sql_error)?;
            live = true;
            continue;
        }
        let (slug, version) = parse_table_name(&name);
        if wh.store().dataset_by_slug(&slug).await?.is_none() {
            return Err(Error::invalid(
                "sql",
                format!("Không có bảng «{name}»: tên bảng là mã bộ dữ liệu (ví dụ \"truong-hoc\" hoặc truong_hoc; phiên bản cũ: \"truong-hoc@3\")."),
                format!("There is no table «{name}»: tables are named by dataset slug (e.g. \"truong-hoc\" or truong_hoc; a past version: \"truong-hoc@3\")."),
            ));
        }
        let access = match wh.access(actor, &slug).await {
            Ok(a) => a,
            Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::NotFound) => return Err(no_access(&slug)),
            Err(e) => return Err(e),
        };
        wh.register_view(&ctx, r.clone(), &access, version).await?;
        accesses.push((access, version));
    }
    let options = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
    let work = async {
        let df = ctx.sql_with_options(text, options).await.map_err(sql_error)?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let mut stream = df.execute_stream().await.map_err(sql_error)?;
        let mut batches = Vec::new();
        let mut n = 0usize;
        let mut truncated = false;
        while let Some(b) = stream.next().await {
            let b = b.map_err(sql_error)?;
            if n + b.num_rows() > limits.max_rows {
                let keep = limits.max_rows - n;
                batches.push(b.slice(0, keep));
                truncated = true;
                break;
            }
            n += b.num_rows();
            batches.push(b);
        }
        Ok::<_, Error>((schema, batches, truncated))
    };
    let (schema, batches, truncated) = tokio::time::timeout(limits.timeout, work).await.map_err(|_| {
        Error::new(
            ErrorKind::TooMany,
            format!("Truy vấn chạy quá {} giây và đã bị dừng.", limits.timeout.as_secs()),
            format!("The query ran longer than {} seconds and was stopped.", limits.timeout.as_secs()),
        )
        .at("sql")
    })??;
    let columns =
        schema.fields().iter().map(|f| Column { name: f.name().clone(), kind: f.data_type().to_string() }).collect();
    let rows = to_json_rows(&batches);
    // Every dataset the query read is audited, with the result's size.
    let mut tables = Vec::new();
    for (access, version) in &accesses {
        let mut a = crate::Audit::of(action, access);
        if version.is_some() {
            a.version = *version;
        }
        a.row_count = Some(rows.len() as i64);
        a.detail = if why.is_empty() {
            format!("{}; sql of {} characters", a.detail, text.chars().count())
        } else {
            format!("{}; {why}", a.detail)
        };
        tables.push(TableRead {
            slug: access.dataset.record.slug.clone(),
            version: a.version,
            access: access.fingerprint(),
        });
        wh.audit(actor, a, "ok", Some(started)).await?;
    }
    Ok(QueryResult {
        tables,
        live,
        columns,
        rows,
        truncated,
        elapsed_ms: started.elapsed().as_millis() as u64,
        schema: Some(schema),
        batches,
    })
}

/// Converts batches to rows of JSON values (dates ISO, times in Vietnam's UTC+7).
pub fn to_json_rows(batches: &[RecordBatch]) -> Vec<Vec<serde_json::Value>> {
    let mut rows = Vec::new();
    for b in batches {
        let cols: Vec<Vec<serde_json::Value>> = b.columns().iter().map(column_json).collect();
        for i in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| c[i].clone()).collect());
        }
    }
    rows
}

/// The text of every cell (for CSV/XLSX export), nulls empty.
pub fn to_text_rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    to_json_rows(batches)
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn column_json(a: &ArrayRef) -> Vec<serde_json::Value> {
    use deltalake::arrow::array::AsArray;
    use deltalake::arrow::datatypes::*;
    use serde_json::Value;
    let n = a.len();
    let mut out = Vec::with_capacity(n);
    macro_rules! prim {
        ($t:ty, $conv:expr) => {{
            let arr = a.as_primitive::<$t>();
            for i in 0..n {
                out.push(if arr.is_null(i) { Value::Null } else { $conv(arr.value(i)) });
            }
        }};
    }
    match a.data_type() {
        DataType::Int8 => prim!(Int8Type, |v: i8| Value::from(v)),
        DataType::Int16 => prim!(Int16Type, |v: i16| Value::from(v)),
        DataType::Int32 => prim!(Int32Type, |v: i32| Value::from(v)),
        DataType::Int64 => prim!(Int64Type, |v: i64| Value::from(v)),
        DataType::UInt8 => prim!(UInt8Type, |v: u8| Value::from(v)),
        DataType::UInt16 => prim!(UInt16Type, |v: u16| Value::from(v)),
        DataType::UInt32 => prim!(UInt32Type, |v: u32| Value::from(v)),
        DataType::UInt64 => prim!(UInt64Type, |v: u64| Value::from(v)),
        DataType::Float32 => prim!(Float32Type, |v: f32| serde_json::Number::from_f64(v as f64)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        DataType::Float64 => {
            prim!(Float64Type, |v: f64| serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
        }
        DataType::Boolean => {
            let arr = a.as_boolean();
            for i in 0..n {
                out.push(if arr.is_null(i) { Value::Null } else { Value::Bool(arr.value(i)) });
            }
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            let arr = a.as_primitive::<TimestampMicrosecondType>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    Value::Null
                } else {
                    let t = chrono::DateTime::from_timestamp_micros(arr.value(i)).unwrap_or_default();
                    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7");
                    Value::String(t.with_timezone(&vn).format("%Y-%m-%dT%H:%M:%S%:z").to_string())
                });
            }
        }
        _ => {
            let fmt = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default());
            for i in 0..n {
                out.push(match (&fmt, a.is_null(i)) {
                    (_, true) => Value::Null,
                    (Ok(f), false) => Value::String(f.value(i).to_string()),
                    (Err(_), false) => Value::Null,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_map_to_slugs_and_versions() {
        assert_eq!(parse_table_name("truong_hoc"), ("truong-hoc".into(), None));
        assert_eq!(parse_table_name("truong-hoc"), ("truong-hoc".into(), None));
        assert_eq!(parse_table_name("truong-hoc@3"), ("truong-hoc".into(), Some(3)));
        assert_eq!(parse_table_name("truong_hoc__v12"), ("truong-hoc".into(), Some(12)));
        assert_eq!(parse_table_name("truong-hoc@v2"), ("truong-hoc".into(), Some(2)));
    }
}
