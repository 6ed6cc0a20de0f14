//! The rows API: filtered, projected, sorted, paginated reads of one dataset
//! through the caller's view (see `gateway`), and keyed reads of one row.

use std::sync::Arc;
use std::time::Instant;

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::{DataType, SchemaRef};
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::logical_expr::{Expr, SortExpr};
use deltalake::datafusion::prelude::{cast, lit};
use futures::StreamExt;
use tinhso_domain::mask::mask;
use tinhso_domain::{Error, ErrorKind, Result};

use crate::gateway::{cell_text, column, df_err, Audit};
use crate::{Actor, Warehouse};

/// Largest page for JSON, and for file formats (CSV, Parquet, Arrow).
pub const MAX_PAGE_JSON: usize = 10_000;
pub const MAX_PAGE_FILE: usize = 100_000;

/// A comparison in a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    /// Text contains (case and diacritics ignored).
    Like,
    IsNull,
    NotNull,
}

/// One filter: `column=op.value` in the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub column: String,
    pub op: Op,
    pub values: Vec<String>,
}

fn bad_filter(column: &str, raw: &str) -> Error {
    Error::invalid(
        column,
        format!(
            "Bộ lọc «{column}={raw}» không hợp lệ. Dạng hợp lệ: giá trị, eq.x, neq.x, in.(x,y), gt.x, gte.x, lt.x, lte.x, like.x, is.null, not.null."
        ),
        format!(
            "Filter «{column}={raw}» is malformed. Valid forms: value, eq.x, neq.x, in.(x,y), gt.x, gte.x, lt.x, lte.x, like.x, is.null, not.null."
        ),
    )
}

impl Filter {
    /// Parses `raw` (`21550`, `eq.21550`, `in.(a,b)`, `gte.2023-01-01`, `like.quy nhon`, `is.null`).
    pub fn parse(column: &str, raw: &str) -> Result<Filter> {
        let raw_nfc = tinhso_domain::text::nfc(raw);
        let (op, rest) = match raw_nfc.split_once('.') {
            Some(("eq", r)) => (Op::Eq, r),
            Some(("neq", r)) => (Op::Ne, r),
            Some(("in", r)) => (Op::In, r),
            Some(("gt", r)) => (Op::Gt, r),
            Some(("gte", r)) => (Op::Gte, r),
            Some(("lt", r)) => (Op::Lt, r),
            Some(("lte", r)) => (Op::Lte, r),
            Some(("like", r)) => (Op::Like, r),
            Some(("is", "null")) => (Op::IsNull, ""),
            Some(("not", "null")) => (Op::NotNull, ""),
            _ => (Op::Eq, raw_nfc.as_str()),
        };
        let values = match op {
            Op::In => {
                let inner =
                    rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).ok_or_else(|| bad_filter(column, raw))?;
                let v: Vec<String> = inner.split(',').map(|s| s.trim().to_string()).collect();
                if v.iter().any(|s| s.is_empty()) || v.len() > 1000 {
                    return Err(bad_filter(column, raw));
                }
                v
            }
            Op::IsNull | Op::NotNull => vec![],
            _ => vec![rest.to_string()],
        };
        if values.iter().any(|v| v.chars().count() > 1000) {
            return Err(bad_filter(column, raw));
        }
        Ok(Filter { column: column.to_string(), op, values })
    }
}

/// A page request.
#[derive(Debug, Clone, Default)]
pub struct RowQuery {
    pub version: Option<i64>,
    /// Columns to return; `None` means every readable column.
    pub select: Option<Vec<String>>,
    pub filters: Vec<Filter>,
    /// Free text searched in the text columns (diacritics ignored).
    pub q: Option<String>,
    /// (column, descending)
    pub sort: Vec<(String, bool)>,
    pub limit: usize,
    pub max_limit: usize,
    pub cursor: Option<String>,
}

/// A page of rows.
#[derive(Debug, Clone)]
pub struct RowPage {
    pub slug: String,
    pub version: i64,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub rows: usize,
    pub next_cursor: Option<String>,
    /// Columns shown masked.
    pub masked: Vec<String>,
    pub basis: String,
}

fn encode_cursor(version: i64, offset: usize) -> String {
    format!("{version}:{offset}").bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(c: &str) -> Result<(i64, usize)> {
    let bad = || {
        Error::invalid(
            "cursor",
            "Con trỏ trang (cursor) không hợp lệ: hãy dùng giá trị next_cursor của trang trước.",
            "The page cursor is invalid: use the next_cursor value of the previous page.",
        )
    };
    if c.len() > 64 || !c.is_ascii() || !c.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes: Option<Vec<u8>> = (0..c.len()).step_by(2).map(|i| u8::from_str_radix(&c[i..i + 2], 16).ok()).collect();
    let text = String::from_utf8(bytes.ok_or_else(bad)?).map_err(|_| bad())?;
    let (v, o) = text.split_once(':').ok_or_else(bad)?;
    Ok((v.parse().map_err(|_| bad())?, o.parse().map_err(|_| bad())?))
}

fn not_readable(column: &str) -> Error {
    Error::new(
        ErrorKind::Forbidden,
        format!("Cột «{column}» không tồn tại hoặc nằm ngoài quyền được cấp."),
        format!("Column «{column}» does not exist or is outside your grant."),
    )
    .at(column)
}

fn typed_literal(column: &str, value: &str, t: &DataType) -> Result<Expr> {
    if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        return Ok(lit(value.to_string()));
    }
    let v = ScalarValue::try_from_string(value.to_string(), t).map_err(|_| {
        Error::invalid(
            column,
            format!("Giá trị «{value}» không đúng kiểu của cột «{column}» ({t})."),
            format!("Value «{value}» does not fit column «{column}» ({t})."),
        )
    })?;
    Ok(lit(v))
}

fn vn_limit_error(limit: usize, max: usize) -> Error {
    Error::invalid(
        "limit",
        format!("Kích thước trang {limit} vượt quá tối đa {max} dòng; hãy dùng con trỏ (cursor) để lấy tiếp."),
        format!("Page size {limit} exceeds the maximum of {max} rows; use the cursor to fetch more."),
    )
}

impl Warehouse {
    /// A page of rows of `slug` as `actor` may see them; the read is audited.
    pub async fn read_rows(&self, actor: &Actor, slug: &str, q: &RowQuery) -> Result<RowPage> {
        let started = Instant::now();
        match self.read_rows_inner(actor, slug, q).await {
            Ok((page, mut audit)) => {
                audit.row_count = Some(page.rows as i64);
                audit.version = Some(page.version);
                self.audit(actor, audit, "ok", Some(started)).await?;
                Ok(page)
            }
            Err(e) => Err(self.audit_failure(actor, "rows.read", slug, e).await),
        }
    }

    async fn read_rows_inner(&self, actor: &Actor, slug: &str, q: &RowQuery) -> Result<(RowPage, Audit)> {
        let access = self.access(actor, slug).await?;
        let (cursor_version, offset) = match &q.cursor {
            Some(c) => {
                let (v, o) = decode_cursor(c)?;
                (Some(v), o)
            }
            None => (None, 0),
        };
        let latest = access.dataset.latest.as_ref().and_then(|l| l.version);
        let version = cursor_version.or(q.version).or(latest).ok_or_else(|| {
            Error::not_found(
                format!("Bộ dữ liệu «{slug}» chưa có phiên bản dữ liệu nào."),
                format!("Dataset «{slug}» has no data version yet."),
            )
        })?;
        if q.limit == 0 || q.limit > q.max_limit {
            return Err(vn_limit_error(q.limit, q.max_limit));
        }
        let select: Vec<String> = match &q.select {
            None => access.columns.iter().map(|c| c.name.clone()).collect(),
            Some(cols) => {
                for c in cols {
                    if access.column(c).is_none() {
                        return Err(not_readable(c));
                    }
                }
                cols.clone()
            }
        };
        if select.is_empty() {
            return Err(not_readable(""));
        }
        let ctx = crate::sql::session(&self.limits);
        crate::gateway::register_functions(&ctx);
        self.register_view(&ctx, "v".into(), &access, Some(version)).await.map_err(|e| {
            if e.kind == ErrorKind::Internal {
                Error::not_found(
                    format!("Bộ dữ liệu «{slug}» không có phiên bản {version}."),
                    format!("Dataset «{slug}» has no version {version}."),
                )
            } else {
                e
            }
        })?;
        let mut df = ctx.table("v").await.map_err(df_err)?;
        let schema = df.schema().as_arrow().clone();
        let type_of = |c: &str| schema.field_with_name(c).map(|f| f.data_type().clone()).ok();
        let mut filter_cols = Vec::new();
        for f in &q.filters {
            let Some(t) = type_of(&f.column).filter(|_| access.column(&f.column).is_some()) else {
                return Err(not_readable(&f.column));
            };
            let c = column(&f.column);
            let one = |i: usize| typed_literal(&f.column, &f.values[i], &t);
            let e = match f.op {
                Op::Eq => c.eq(one(0)?),
                Op::Ne => c.not_eq(one(0)?),
                Op::Gt => c.gt(one(0)?),
                Op::Gte => c.gt_eq(one(0)?),
                Op::Lt => c.lt(one(0)?),
                Op::Lte => c.lt_eq(one(0)?),
                Op::In => c.in_list((0..f.values.len()).map(one).collect::<Result<Vec<_>>>()?, false),
                Op::IsNull => c.is_null(),
                Op::NotNull => c.is_not_null(),
                Op::Like => {
                    let folded = tinhso_domain::text::fold(&f.values[0]).replace(['%', '_'], "");
                    fold_expr(&f.column).like(lit(format!("%{folded}%")))
                }
            };
            df = df.filter(e).map_err(df_err)?;
            filter_cols.push(f.column.clone());
        }
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let folded = tinhso_domain::text::fold(text).replace(['%', '_'], "");
            let text_cols: Vec<&String> = select
                .iter()
                .filter(|c| matches!(type_of(c), Some(DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)))
                .collect();
            if let Some(e) =
                text_cols.iter().map(|c| fold_expr(c).like(lit(format!("%{folded}%")))).reduce(|a, b| a.or(b))
            {
                df = df.filter(e).map_err(df_err)?;
            }
        }
        let mut sort: Vec<SortExpr> = Vec::new();
        for (c, desc) in &q.sort {
            if type_of(c).is_none() || access.column(c).is_none() {
                return Err(not_readable(c));
            }
            sort.push(column(c).sort(!desc, true));
        }
        // A total order so that pages never overlap: the key, then every selected column.
        let key = &access.dataset.def.key;
        for c in key.iter().chain(select.iter()) {
            if access.column(c).is_some()
                && !q.sort.iter().any(|(s, _)| s == c)
                && !sort.iter().any(|s| s.expr == column(c))
            {
                sort.push(column(c).sort(true, true));
            }
        }
        let df = df.select(select.iter().map(|c| column(c)).collect::<Vec<_>>()).map_err(df_err)?;
        let df = df.sort(sort).map_err(df_err)?;
        let df = df.limit(offset, Some(q.limit + 1)).map_err(df_err)?;
        let out_schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let work = async {
            let mut stream = df.execute_stream().await.map_err(df_err)?;
            let mut batches = Vec::new();
            let mut n = 0;
            while let Some(b) = stream.next().await {
                let b = b.map_err(df_err)?;
                n += b.num_rows();
                batches.push(b);
            }
            Ok::<_, Error>((batches, n))
        };
        let (mut batches, n) = tokio::time::timeout(self.limits.timeout, work).await.map_err(|_| {
            Error::new(
                ErrorKind::TooMany,
                "Truy vấn chạy quá lâu và đã bị dừng; hãy thêm bộ lọc.",
                "The query ran too long and was stopped; add filters.",
            )
        })??;
        let more = n > q.limit;
        if more {
            // Drop the one extra row fetched to know whether a next page exists.
            let mut keep = q.limit;
            for b in batches.iter_mut() {
                let take = keep.min(b.num_rows());
                *b = b.slice(0, take);
                keep -= take;
            }
            batches.retain(|b| b.num_rows() > 0);
        }
        let rows = n.min(q.limit);
        let masked: Vec<String> = access.masked().into_iter().filter(|c| select.contains(c)).collect();
        let mut audit = Audit::of("rows.read", &access);
        audit.columns = select.clone();
        let mut detail = audit.detail.clone();
        if !filter_cols.is_empty() {
            detail.push_str(&format!("; filters on {}", filter_cols.join(",")));
        }
        if q.q.is_some() {
            detail.push_str("; text search");
        }
        if offset > 0 {
            detail.push_str(&format!("; offset {offset}"));
        }
        audit.detail = detail;
        Ok((
            RowPage {
                slug: slug.to_string(),
                version,
                schema: out_schema,
                batches,
                rows,
                next_cursor: more.then(|| encode_cursor(version, offset + q.limit)),
                masked,
                basis: access.basis.as_str(),
            },
            audit,
        ))
    }

    /// One row by its key (composite keys joined with `|`), as `actor` may see
    /// it; `None` when absent or outside the grant's rows. Audited.
    pub async fn read_row(
        &self,
        actor: &Actor,
        slug: &str,
        key: &str,
    ) -> Result<(i64, Vec<(String, serde_json::Value)>, Vec<String>)> {
        let started = Instant::now();
        match self.read_row_inner(actor, slug, key).await {
            Ok((version, cells, masked, mut audit)) => {
                audit.row_count = Some(1);
                audit.version = Some(version);
                self.audit(actor, audit, "ok", Some(started)).await?;
                Ok((version, cells, masked))
            }
            Err(e) => Err(self.audit_failure(actor, "row.read", slug, e).await),
        }
    }

    async fn read_row_inner(
        &self,
        actor: &Actor,
        slug: &str,
        key: &str,
    ) -> Result<(i64, Vec<(String, serde_json::Value)>, Vec<String>, Audit)> {
        let access = self.access(actor, slug).await?;
        let def = &access.dataset.def;
        if def.key.is_empty() {
            return Err(Error::invalid(
                "key",
                format!("Bộ dữ liệu «{slug}» không khai báo khoá nên không đọc được theo khoá."),
                format!("Dataset «{slug}» declares no key, so rows cannot be read by key."),
            ));
        }
        let parts: Vec<&str> = key.split('|').collect();
        if parts.len() != def.key.len() || key.len() > 500 {
            return Err(Error::invalid(
                "key",
                format!("Khoá phải gồm {} phần ({}), nối bằng «|».", def.key.len(), def.key.join(", ")),
                format!("The key must have {} parts ({}), joined with «|».", def.key.len(), def.key.join(", ")),
            ));
        }
        let absent = || {
            Error::not_found(
                format!(
                    "Không có dòng khoá «{}» trong «{slug}» (hoặc nằm ngoài quyền được cấp).",
                    crate::gateway::scrub(key)
                ),
                format!(
                    "There is no row with key «{}» in «{slug}» (or it is outside your grant).",
                    crate::gateway::scrub(key)
                ),
            )
        };
        let version = access.dataset.latest.as_ref().and_then(|l| l.version).ok_or_else(absent)?;
        let mut audit = Audit::of("row.read", &access);
        let masked = access.masked();
        if let Some(ix) = self.key_index(slug, version).await? {
            let row = ix.rows.get(key).ok_or_else(absent)?;
            let text_of = |c: &str| ix.columns.iter().position(|n| n == c).and_then(|i| cell_text(&row[i]));
            if !access.row_allowed(text_of) {
                return Err(absent());
            }
            let mut cells = Vec::with_capacity(access.columns.len());
            for c in &access.columns {
                let v = ix.columns.iter().position(|n| n == &c.name).map(|i| row[i].clone()).unwrap_or_default();
                let v = match (c.mask, cell_text(&v)) {
                    (Some(k), Some(t)) => serde_json::Value::String(mask(k, &t)),
                    _ => v,
                };
                cells.push((c.name.clone(), v));
            }
            audit.detail.push_str("; by key");
            return Ok((version, cells, masked, audit));
        }
        // Too large to index: a query through the caller's view.
        let ctx = crate::sql::session(&self.limits);
        crate::gateway::register_functions(&ctx);
        self.register_view(&ctx, "v".into(), &access, Some(version)).await?;
        let mut df = ctx.table("v").await.map_err(df_err)?;
        for (k, v) in def.key.iter().zip(parts) {
            if access.column(k).is_some_and(|c| c.mask.is_none()) {
                df = df.filter(cast(column(k), DataType::Utf8).eq(lit(v.to_string()))).map_err(df_err)?;
            } else {
                return Err(not_readable(k));
            }
        }
        let batches = df.limit(0, Some(1)).map_err(df_err)?.collect().await.map_err(df_err)?;
        let rows = crate::sql::to_json_rows(&batches);
        let row = rows.into_iter().next().ok_or_else(absent)?;
        let cells = access.columns.iter().map(|c| c.name.clone()).zip(row).collect();
        audit.detail.push_str("; by key");
        Ok((version, cells, masked, audit))
    }
}

fn fold_expr(c: &str) -> Expr {
    deltalake::datafusion::logical_expr::ScalarUDF::from(crate::gateway::fold_udf())
        .call(vec![cast(column(c), DataType::Utf8)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        assert_eq!(Filter::parse("ma_xa", "21550").unwrap().op, Op::Eq);
        assert_eq!(Filter::parse("ma_xa", "eq.21550").unwrap().values, vec!["21550"]);
        let f = Filter::parse("nam", "in.(2023, 2024)").unwrap();
        assert_eq!((f.op, f.values), (Op::In, vec!["2023".to_string(), "2024".to_string()]));
        assert_eq!(Filter::parse("d", "gte.2023-01-01").unwrap().op, Op::Gte);
        assert_eq!(Filter::parse("d", "is.null").unwrap().op, Op::IsNull);
        assert_eq!(Filter::parse("t", "like.quy nhơn").unwrap().values, vec!["quy nhơn"]);
        // A dot in a plain value is not an operator.
        assert_eq!(
            Filter::parse("x", "1.5").unwrap(),
            Filter { column: "x".into(), op: Op::Eq, values: vec!["1.5".into()] }
        );
        assert!(Filter::parse("x", "in.(a,,b)").is_err());
        assert!(Filter::parse("x", "in.a,b").is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(3, 200);
        assert_eq!(decode_cursor(&c).unwrap(), (3, 200));
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor("abc").is_err());
        assert!(decode_cursor(&"ab".repeat(40)).is_err());
        assert!(decode_cursor("\u{10000}").is_err(), "a multi-byte character is not a cursor (no panic)");
    }
}
