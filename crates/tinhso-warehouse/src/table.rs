//! Dataset tables in the Delta Lake format (Parquet files plus an atomic
//! JSON commit log), written through `deltalake` and read through DataFusion.
//! A version becomes visible only when its commit file is written with
//! put-if-absent; a crash before that leaves orphan Parquet files that no
//! version references, and the previous version intact.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use deltalake::datafusion::datasource::TableProvider;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::{DataType as DeltaType, StructField};
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::{DeltaTable, DeltaTableBuilder};
use tinhso_domain::{Error, Result};

use crate::definition::{storage_class, Definition};
use crate::validate::Val;

/// How an upload changes the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Replace,
    Append,
    Upsert,
}

impl WriteMode {
    pub fn parse(s: &str) -> Result<WriteMode> {
        match s {
            "replace" | "" => Ok(WriteMode::Replace),
            "append" => Ok(WriteMode::Append),
            "upsert" => Ok(WriteMode::Upsert),
            other => Err(Error::invalid(
                "mode",
                format!("Chế độ ghi «{other}» không hợp lệ: replace, append hoặc upsert."),
                format!("Write mode «{other}» is invalid: replace, append or upsert."),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WriteMode::Replace => "replace",
            WriteMode::Append => "append",
            WriteMode::Upsert => "upsert",
        }
    }
}

pub(crate) fn delta_err(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "delta table error");
    Error::internal(e)
}

/// The Arrow type of a storage class.
fn arrow_type(class: &str) -> DataType {
    match class {
        "int64" => DataType::Int64,
        "float64" => DataType::Float64,
        "bool" => DataType::Boolean,
        "date32" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        _ => DataType::Utf8,
    }
}

fn delta_type(class: &str) -> DeltaType {
    match class {
        "int64" => DeltaType::LONG,
        "float64" => DeltaType::DOUBLE,
        "bool" => DeltaType::BOOLEAN,
        "date32" => DeltaType::DATE,
        "timestamp" => DeltaType::TIMESTAMP,
        _ => DeltaType::STRING,
    }
}

/// (column, storage class) for every stored column, in order.
fn column_classes(def: &Definition) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> =
        def.fields.iter().map(|f| (f.name.clone(), storage_class(f.kind))).collect();
    out.extend(def.fields.iter().filter_map(|f| f.original_column()).map(|c| (c, "utf8")));
    out
}

/// The Arrow schema of a dataset's table.
pub fn arrow_schema(def: &Definition) -> SchemaRef {
    Arc::new(Schema::new(
        column_classes(def).into_iter().map(|(n, c)| ArrowField::new(n, arrow_type(c), true)).collect::<Vec<_>>(),
    ))
}

/// Column builders for one batch.
pub struct BatchBuilder {
    schema: SchemaRef,
    cols: Vec<ColBuilder>,
    rows: usize,
}

enum ColBuilder {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Ts(TimestampMicrosecondBuilder),
}

impl BatchBuilder {
    pub fn new(schema: SchemaRef) -> BatchBuilder {
        let cols = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int64 => ColBuilder::Int(Int64Builder::new()),
                DataType::Float64 => ColBuilder::Float(Float64Builder::new()),
                DataType::Boolean => ColBuilder::Bool(BooleanBuilder::new()),
                DataType::Date32 => ColBuilder::Date(Date32Builder::new()),
                DataType::Timestamp(_, _) => ColBuilder::Ts(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
                _ => ColBuilder::Str(StringBuilder::new()),
            })
            .collect();
        BatchBuilder { schema, cols, rows: 0 }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row (values in schema order; a mismatched value becomes null).
    pub fn push(&mut self, vals: Vec<Val>) {
        for (b, v) in self.cols.iter_mut().zip(vals) {
            match (b, v) {
                (ColBuilder::Str(b), Val::Str(s)) => b.append_value(s),
                (ColBuilder::Int(b), Val::Int(i)) => b.append_value(i),
                (ColBuilder::Float(b), Val::Float(x)) => b.append_value(x),
                (ColBuilder::Float(b), Val::Int(i)) => b.append_value(i as f64),
                (ColBuilder::Bool(b), Val::Bool(x)) => b.append_value(x),
                (ColBuilder::Date(b), Val::Date(d)) => b.append_value(d),
                (ColBuilder::Ts(b), Val::Ts(t)) => b.append_value(t),
                (ColBuilder::Str(b), _) => b.append_null(),
                (ColBuilder::Int(b), _) => b.append_null(),
                (ColBuilder::Float(b), _) => b.append_null(),
                (ColBuilder::Bool(b), _) => b.append_null(),
                (ColBuilder::Date(b), _) => b.append_null(),
                (ColBuilder::Ts(b), _) => b.append_null(),
            }
        }
        self.rows += 1;
    }

    /// Finishes the batch and resets the builders.
    pub fn finish(&mut self) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    ColBuilder::Str(b) => Arc::new(b.finish()),
                    ColBuilder::Int(b) => Arc::new(b.finish()),
                    ColBuilder::Float(b) => Arc::new(b.finish()),
                    ColBuilder::Bool(b) => Arc::new(b.finish()),
                    ColBuilder::Date(b) => Arc::new(b.finish()),
                    ColBuilder::Ts(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(delta_err)
    }
}

/// Where a dataset's table lives.
pub fn table_dir(root: &Path, slug: &str) -> PathBuf {
    root.join(slug)
}

fn table_url(dir: &Path) -> Result<url::Url> {
    std::fs::create_dir_all(dir).map_err(delta_err)?;
    let abs = dir.canonicalize().map_err(delta_err)?;
    url::Url::from_directory_path(&abs).map_err(|_| Error::internal(format!("bad table path {}", abs.display())))
}

/// Creates an empty table (version 0) for `def`, or returns the existing one.
pub async fn create(dir: &Path, def: &Definition) -> Result<DeltaTable> {
    forget(dir);
    let url = table_url(dir)?;
    let table = DeltaTable::try_from_url(url).await.map_err(delta_err)?;
    if table.version().is_some() {
        return Ok(table);
    }
    let columns: Vec<StructField> =
        column_classes(def).into_iter().map(|(n, c)| StructField::new(n, delta_type(c), true)).collect();
    table
        .create()
        .with_columns(columns)
        .with_table_name(def.slug.clone())
        .with_comment(def.name.clone())
        .with_save_mode(SaveMode::Ignore)
        .await
        .map_err(delta_err)
}

/// Opens the table at its latest version, or at `version`.
pub async fn open(dir: &Path, version: Option<i64>) -> Result<DeltaTable> {
    let no_version = || {
        let v = version.unwrap_or_default();
        Error::not_found(format!("Không có phiên bản {v} của bảng."), format!("The table has no version {v}."))
    };
    let url = table_url(dir)?;
    let mut b = DeltaTableBuilder::from_url(url).map_err(delta_err)?;
    if let Some(v) = version {
        // A version exists only with its commit (or checkpoint) file. Asked for
        // any other one, the log reader fails (a negative number) or searches
        // for a very long time (a huge one), so look first.
        let log = dir.join("_delta_log");
        let exists = v >= 0
            && (log.join(format!("{v:020}.json")).exists() || log.join(format!("{v:020}.checkpoint.parquet")).exists());
        if !exists {
            return Err(no_version());
        }
        b = b.with_version(v as _);
    }
    b.load().await.map_err(|e| match e {
        deltalake::DeltaTableError::InvalidVersion(_) | deltalake::DeltaTableError::NotATable(_) => no_version(),
        other => {
            let text = other.to_string();
            if text.contains("not found") || text.contains("Invalid table version") || text.contains("version") {
                no_version()
            } else {
                delta_err(other)
            }
        }
    })
}

/// The latest committed version (0 for an empty new table).
pub async fn latest_version(dir: &Path) -> Result<i64> {
    Ok(open(dir, None).await?.version().unwrap_or(0) as i64)
}

/// Opened versions: a committed version never changes, so reading it again
/// need not replay the log. Keyed by table directory and version.
type Opened = std::sync::Mutex<std::collections::HashMap<(PathBuf, i64), DeltaTable>>;
static OPENED: std::sync::OnceLock<Opened> = std::sync::OnceLock::new();

fn opened() -> &'static Opened {
    OPENED.get_or_init(Default::default)
}

/// Forgets the cached versions of a table (it is being created afresh).
pub fn forget(dir: &Path) {
    opened().lock().unwrap_or_else(|e| e.into_inner()).retain(|(d, _), _| d != dir);
}

async fn open_pinned(dir: &Path, version: i64) -> Result<DeltaTable> {
    let key = (dir.to_path_buf(), version);
    if let Some(t) = opened().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(t.clone());
    }
    let t = open(dir, Some(version)).await?;
    let mut cache = opened().lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= 64 {
        cache.clear();
    }
    cache.insert(key, t.clone());
    Ok(t)
}

/// A DataFusion provider for the table (at `version` or the latest).
pub async fn provider(ctx: &SessionContext, dir: &Path, version: Option<i64>) -> Result<Arc<dyn TableProvider>> {
    let table = match version {
        Some(v) => open_pinned(dir, v).await?,
        None => open(dir, None).await?,
    };
    table.update_datafusion_session(&ctx.state()).map_err(delta_err)?;
    table.table_provider().await.map_err(delta_err)
}

/// Writes the staged Parquet file into the table as one new version, with
/// `metadata` (the quality report) in the commit. Returns the new version.
pub async fn commit_staged(
    dir: &Path,
    def: &Definition,
    staged: &Path,
    mode: WriteMode,
    schema_added: bool,
    metadata: serde_json::Value,
) -> Result<i64> {
    let table = open(dir, None).await?;
    let ctx = deltalake::delta_datafusion::DeltaSessionContext::new().into_inner();
    table.update_datafusion_session(&ctx.state()).map_err(delta_err)?;
    let staged_url = staged.to_str().ok_or_else(|| Error::internal("non-UTF-8 staging path"))?;
    ctx.register_parquet("staged", staged_url, Default::default()).await.map_err(delta_err)?;
    let columns: Vec<String> = def.columns().iter().map(|c| format!("\"{c}\"")).collect();
    let select = columns.join(", ");
    let sql = match mode {
        WriteMode::Replace | WriteMode::Append => format!("SELECT {select} FROM staged"),
        WriteMode::Upsert => {
            let current = table.table_provider().await.map_err(delta_err)?;
            ctx.register_table("current_version", current).map_err(delta_err)?;
            let on: Vec<String> = def.key.iter().map(|k| format!("s.\"{k}\" = c.\"{k}\"")).collect();
            let keep: Vec<String> = def
                .columns()
                .iter()
                .map(|c| if table_has_column(&table, c) { format!("c.\"{c}\"") } else { format!("NULL AS \"{c}\"") })
                .collect();
            format!(
                "SELECT {} FROM current_version c WHERE NOT EXISTS (SELECT 1 FROM staged s WHERE {}) \
                 UNION ALL SELECT {select} FROM staged",
                keep.join(", "),
                on.join(" AND ")
            )
        }
    };
    let df = ctx.sql(&sql).await.map_err(delta_err)?;
    // Cast to the table schema so that all-null columns keep their types.
    let plan = df.logical_plan().clone();
    let save = match mode {
        WriteMode::Append => SaveMode::Append,
        WriteMode::Replace | WriteMode::Upsert => SaveMode::Overwrite,
    };
    let props = CommitProperties::default().with_metadata([("tinhso".to_string(), metadata)]);
    let mut builder = deltalake::operations::write::WriteBuilder::new(
        table.log_store(),
        table.snapshot().ok().map(|s| s.snapshot().clone()),
    )
    .with_input_plan(plan)
    .with_session_state(Arc::new(ctx.state()))
    .with_save_mode(save)
    .with_commit_properties(props);
    if schema_added {
        builder = builder.with_schema_mode(SchemaMode::Merge);
    }
    let written = builder.await.map_err(delta_err)?;
    Ok(written.version().unwrap_or(0) as i64)
}

fn table_has_column(table: &DeltaTable, column: &str) -> bool {
    table.snapshot().ok().is_some_and(|s| s.schema().fields().any(|f| f.name() == column))
}

/// The `tinhso` metadata of every commit after `after`, oldest first (to
/// recover catalogue records of versions committed just before a crash).
pub async fn commits_after(dir: &Path, after: i64) -> Result<Vec<(i64, Option<i64>, serde_json::Value)>> {
    use futures::TryStreamExt;
    let table = open(dir, None).await?;
    let latest = table.version().unwrap_or(0) as i64;
    if latest <= after {
        return Ok(Vec::new());
    }
    let infos: Vec<_> = table.history(Some((latest - after) as usize)).try_collect().await.map_err(delta_err)?;
    let mut out = Vec::new();
    for (i, info) in infos.into_iter().enumerate() {
        let version = latest - i as i64;
        if let Some(meta) = info.info.get("tinhso") {
            out.push((version, info.timestamp, meta.clone()));
        }
    }
    out.reverse();
    Ok(out)
}
