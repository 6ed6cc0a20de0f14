//! The audit log: every read, write and grant change of shared data, in an
//! append-only table where each entry carries the hash of the previous one.
//!
//! Entries are numbered 1, 2, 3… (`seq`); `hash = SHA-256(prev_hash ‖ fields)`.
//! An edited entry no longer matches its hash, a deleted one leaves a gap in
//! `seq`, reordered entries break the `prev_hash` links, and entries cut from
//! the end are caught by the head file (`audit.head` in the data directory:
//! the last sequence number and hash, rewritten after every batch). Both
//! backends also refuse UPDATE and DELETE on the table with a trigger.
//!
//! Writes go through [`AuditLog`], one writer task per process that commits
//! waiting entries in one transaction (group commit) and then answers each
//! caller: a request that reads data returns only after its entry is durable.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, Result};
use tokio::sync::{mpsc, oneshot};

use crate::{db_err, is_unique_violation, Store};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened: who, through which system, on which dataset and version,
/// which columns, how many rows, for what purpose, and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix microseconds.
    pub at: i64,
    pub request_id: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub system_code: String,
    pub agency_code: String,
    /// e.g. `rows.read`, `row.read`, `sql.read`, `dataset.ingest`, `grant.approve`.
    pub action: String,
    /// `ok`, `denied` or `error`.
    pub outcome: String,
    pub dataset: String,
    pub version: Option<i64>,
    /// Comma-separated column names.
    pub columns: String,
    pub row_count: Option<i64>,
    pub purpose: String,
    pub grant_id: Option<i64>,
    /// Free text without personal data (filters are recorded by column, values masked).
    pub detail: String,
    pub latency_us: Option<i64>,
}

/// A stored entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The hash of entry `seq` after `prev`.
pub fn entry_hash(seq: i64, prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let fields: [&str; 19] = [
        prev,
        &seq.to_string(),
        &e.at.to_string(),
        &e.request_id,
        &opt(e.user_id),
        &e.username,
        &e.system_code,
        &e.agency_code,
        &e.action,
        &e.outcome,
        &e.dataset,
        &opt(e.version),
        &e.columns,
        &opt(e.row_count),
        &e.purpose,
        &opt(e.grant_id),
        &e.detail,
        &opt(e.latency_us),
        "v1",
    ];
    for f in fields {
        // Length-prefixed so that moving text between fields changes the hash.
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    hex(&h.finalize())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const COLUMNS: &str = "seq, at, request_id, user_id, username, system_code, agency_code, action, outcome, dataset, \
     version, columns, row_count, purpose, grant_id, detail, latency_us, prev_hash, hash";

fn record_from(r: &AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.try_get("seq").map_err(db_err)?,
        entry: AuditEntry {
            at: r.try_get("at").map_err(db_err)?,
            request_id: r.try_get("request_id").map_err(db_err)?,
            user_id: r.try_get("user_id").map_err(db_err)?,
            username: r.try_get("username").map_err(db_err)?,
            system_code: r.try_get("system_code").map_err(db_err)?,
            agency_code: r.try_get("agency_code").map_err(db_err)?,
            action: r.try_get("action").map_err(db_err)?,
            outcome: r.try_get("outcome").map_err(db_err)?,
            dataset: r.try_get("dataset").map_err(db_err)?,
            version: r.try_get("version").map_err(db_err)?,
            columns: r.try_get("columns").map_err(db_err)?,
            row_count: r.try_get("row_count").map_err(db_err)?,
            purpose: r.try_get("purpose").map_err(db_err)?,
            grant_id: r.try_get("grant_id").map_err(db_err)?,
            detail: r.try_get("detail").map_err(db_err)?,
            latency_us: r.try_get("latency_us").map_err(db_err)?,
        },
        prev_hash: r.try_get("prev_hash").map_err(db_err)?,
        hash: r.try_get("hash").map_err(db_err)?,
    })
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only these datasets (by slug); `None` means all.
    pub datasets: Option<Vec<String>>,
    pub action_prefix: Option<String>,
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    /// Entries with `seq` below this (paging backwards).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: i64,
    /// The first broken entry and why, in Vietnamese and English.
    pub broken: Option<(i64, String, String)>,
}

type Job = (AuditEntry, oneshot::Sender<Result<i64>>);

/// The handle requests use to append entries. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Job>,
}

impl AuditLog {
    /// Starts the writer task for `store`; `head` is the head file (in the data directory).
    pub fn start(store: Store, head: Option<PathBuf>) -> AuditLog {
        let (tx, rx) = mpsc::channel::<Job>(4096);
        tokio::spawn(writer(store, head, rx));
        AuditLog { tx }
    }

    /// Appends `entry` and waits until it is committed; returns its sequence number.
    pub async fn record(&self, entry: AuditEntry) -> Result<i64> {
        let (done, wait) = oneshot::channel();
        self.tx.send((entry, done)).await.map_err(|_| Error::internal("audit writer stopped"))?;
        wait.await.map_err(|_| Error::internal("audit writer stopped"))?
    }
}

async fn writer(store: Store, head: Option<PathBuf>, mut rx: mpsc::Receiver<Job>) {
    let mut last: Option<(i64, String)> = None;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let entries: Vec<&AuditEntry> = batch.iter().map(|(e, _)| e).collect();
        let mut outcome = Err(Error::internal("audit not written"));
        // Another process (the CLI) may have appended: on a clash re-read the head and retry.
        for _ in 0..5 {
            let (seq, prev) = match last.clone() {
                Some(h) => h,
                None => match store.audit_head().await {
                    Ok(h) => h,
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                },
            };
            match store.append_audit(seq, &prev, &entries).await {
                Ok(h) => {
                    outcome = Ok(h);
                    break;
                }
                Err(Clash) => {
                    last = None;
                }
            }
        }
        match outcome {
            Ok((seq, hash)) => {
                let first_seq = seq - batch.len() as i64 + 1;
                for (i, (_, done)) in batch.into_iter().enumerate() {
                    let _ = done.send(Ok(first_seq + i as i64));
                }
                // The entries are committed and answered; the head file follows,
                // off the async workers, before the next batch (so heads only grow).
                if let Some(p) = &head {
                    let (p, h) = (p.clone(), hash.clone());
                    let _ = tokio::task::spawn_blocking(move || write_head(&p, seq, &h)).await;
                }
                last = Some((seq, hash));
            }
            Err(e) => {
                tracing::error!(error = %e, "audit entries could not be written");
                last = None;
                for (_, done) in batch {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}

struct Clash;

fn write_head(path: &Path, seq: i64, hash: &str) {
    let tmp = path.with_extension("head.tmp");
    let ok = std::fs::write(&tmp, format!("{seq} {hash}\n")).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = ok {
        tracing::error!(error = %e, path = %path.display(), "cannot write the audit head file");
    }
}

/// Reads the head file: (seq, hash).
pub fn read_head(path: &Path) -> Option<(i64, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let (s, h) = text.trim().split_once(' ')?;
    Some((s.parse().ok()?, h.to_string()))
}

impl From<Error> for Clash {
    fn from(_: Error) -> Self {
        Clash
    }
}

impl Store {
    /// The last (seq, hash) of the chain, `(0, GENESIS)` when empty.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        let r = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match r {
            Some(r) => Ok((r.try_get("seq").map_err(db_err)?, r.try_get("hash").map_err(db_err)?)),
            None => Ok((0, GENESIS.to_string())),
        }
    }

    /// Appends entries after (seq, prev) in one transaction; returns the new head.
    async fn append_audit(
        &self,
        mut seq: i64,
        prev: &str,
        entries: &[&AuditEntry],
    ) -> std::result::Result<(i64, String), Clash> {
        // Hash first, then write the batch as multi-row INSERTs: one statement
        // (atomic by itself) for up to CHUNK entries, a transaction beyond.
        const CHUNK: usize = 100;
        let mut prev = prev.to_string();
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            seq += 1;
            let hash = entry_hash(seq, &prev, e);
            rows.push((seq, *e, std::mem::replace(&mut prev, hash.clone()), hash));
        }
        let insert = |chunk: &[(i64, &AuditEntry, String, String)]| {
            let marks: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let cols: Vec<String> = (1..=19).map(|c| format!("${}", r * 19 + c)).collect();
                    format!("({})", cols.join(", "))
                })
                .collect();
            format!("INSERT INTO audit_log ({COLUMNS}) VALUES {}", marks.join(", "))
        };
        let run = |e: sqlx::Error| if is_unique_violation(&e) { Clash } else { Clash::from(db_err(e)) };
        let mut tx =
            if rows.len() > CHUNK { Some(self.pool.begin().await.map_err(|e| Clash::from(db_err(e)))?) } else { None };
        for chunk in rows.chunks(CHUNK) {
            let sql = insert(chunk);
            let mut q = sqlx::query(&sql);
            for (seq, e, prev_hash, hash) in chunk {
                q = q
                    .bind(*seq)
                    .bind(e.at)
                    .bind(e.request_id.clone())
                    .bind(e.user_id)
                    .bind(e.username.clone())
                    .bind(e.system_code.clone())
                    .bind(e.agency_code.clone())
                    .bind(e.action.clone())
                    .bind(e.outcome.clone())
                    .bind(e.dataset.clone())
                    .bind(e.version)
                    .bind(e.columns.clone())
                    .bind(e.row_count)
                    .bind(e.purpose.clone())
                    .bind(e.grant_id)
                    .bind(e.detail.clone())
                    .bind(e.latency_us)
                    .bind(prev_hash.clone())
                    .bind(hash.clone());
            }
            match tx.as_mut() {
                Some(t) => q.execute(&mut **t).await.map_err(run)?,
                None => q.execute(&self.pool).await.map_err(run)?,
            };
        }
        if let Some(t) = tx {
            t.commit().await.map_err(|e| Clash::from(db_err(e)))?;
        }
        Ok((seq, prev))
    }

    /// Entries matching `q`, newest first.
    pub async fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
        let mut n = 0;
        let mut binds: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        if let Some(ds) = &q.datasets {
            if ds.is_empty() {
                return Ok(Vec::new());
            }
            let marks: Vec<String> = ds
                .iter()
                .map(|d| {
                    n += 1;
                    binds.push(d.clone());
                    format!("${n}")
                })
                .collect();
            sql.push_str(&format!(" AND dataset IN ({})", marks.join(", ")));
        }
        if let Some(a) = &q.action_prefix {
            n += 1;
            binds.push(format!("{a}%"));
            sql.push_str(&format!(" AND action LIKE ${n}"));
        }
        for (col, op, v) in [("at", ">=", q.since_us), ("at", "<", q.until_us), ("seq", "<", q.before_seq)] {
            if let Some(v) = v {
                n += 1;
                ints.push(v);
                sql.push_str(&format!(" AND {col} {op} ${n}"));
            }
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", q.limit.clamp(1, 100_000)));
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        for v in ints {
            query = query.bind(v);
        }
        query.fetch_all(&self.pool).await.map_err(db_err)?.iter().map(record_from).collect()
    }

    /// Walks the whole chain in order and reports the first broken entry.
    pub async fn verify_audit(&self, head: Option<&Path>) -> Result<AuditVerification> {
        let mut prev = GENESIS.to_string();
        let mut expected = 1i64;
        let mut checked = 0i64;
        let mut hashes_at_head: Option<String> = None;
        let head_file = head.and_then(read_head);
        loop {
            let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 5000"))
                .bind(expected)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let rec = record_from(r)?;
                let broken = |vi: String, en: String| {
                    Ok(AuditVerification { entries: checked, broken: Some((rec.seq, vi, en)) })
                };
                if rec.seq != expected {
                    return broken(
                        format!("Thiếu mục {expected}–{}: các mục đã bị xoá.", rec.seq - 1),
                        format!("Entries {expected}–{} are missing: they were deleted.", rec.seq - 1),
                    );
                }
                if rec.prev_hash != prev {
                    return broken(
                        format!("Mục {} không nối với mục trước (bị sắp xếp lại, chèn hoặc xoá).", rec.seq),
                        format!(
                            "Entry {} does not link to the previous one (reordered, inserted or deleted).",
                            rec.seq
                        ),
                    );
                }
                if entry_hash(rec.seq, &prev, &rec.entry) != rec.hash {
                    return broken(
                        format!("Nội dung mục {} đã bị sửa (mã băm không khớp).", rec.seq),
                        format!("Entry {} was edited (its hash does not match).", rec.seq),
                    );
                }
                if head_file.as_ref().is_some_and(|(s, _)| *s == rec.seq) {
                    hashes_at_head = Some(rec.hash.clone());
                }
                prev = rec.hash;
                expected += 1;
                checked += 1;
            }
        }
        if let Some((hs, hh)) = head_file {
            if hs > checked {
                return Ok(AuditVerification {
                    entries: checked,
                    broken: Some((
                        checked + 1,
                        format!("Nhật ký dừng ở mục {checked} nhưng tệp đầu chuỗi ghi mục {hs}: các mục cuối đã bị xoá."),
                        format!("The log ends at entry {checked} but the head file records entry {hs}: the last entries were deleted."),
                    )),
                });
            }
            if hashes_at_head.is_some_and(|h| h != hh) {
                return Ok(AuditVerification {
                    entries: checked,
                    broken: Some((
                        hs,
                        format!("Mục {hs} không khớp với tệp đầu chuỗi: chuỗi đã bị viết lại."),
                        format!("Entry {hs} does not match the head file: the chain was rewritten."),
                    )),
                });
            }
        }
        Ok(AuditVerification { entries: checked, broken: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_every_field_and_the_link() {
        let e = AuditEntry { at: 1, action: "rows.read".into(), dataset: "ho-tich".into(), ..Default::default() };
        let h = entry_hash(1, GENESIS, &e);
        assert_eq!(h.len(), 64);
        assert_ne!(h, entry_hash(2, GENESIS, &e));
        assert_ne!(h, entry_hash(1, &h, &e));
        let moved = AuditEntry { action: "rows.rea".into(), dataset: "dho-tich".into(), ..e.clone() };
        assert_ne!(h, entry_hash(1, GENESIS, &moved));
        let counted = AuditEntry { row_count: Some(5), ..e.clone() };
        assert_ne!(h, entry_hash(1, GENESIS, &counted));
    }
}

/// Gateway traffic per day (Vietnam time), consumer and dataset, from the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    /// Days since 1970-01-01 in UTC+7.
    pub day: i64,
    pub agency_code: String,
    pub system_code: String,
    pub username: String,
    pub dataset: String,
    pub requests: i64,
    pub rows: i64,
    pub refused: i64,
    pub mean_latency_ms: f64,
}

impl Store {
    /// Reads of shared data aggregated for dashboards (`gateway_usage` in SQL).
    pub async fn audit_usage(&self) -> Result<Vec<UsageRow>> {
        let rows = sqlx::query(
            "SELECT (at + 25200000000) / 86400000000 AS day, agency_code, system_code, username, dataset, \
             COUNT(*) AS requests, CAST(COALESCE(SUM(row_count), 0) AS BIGINT) AS nrows, \
             CAST(SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END) AS BIGINT) AS refused, \
             CAST(COALESCE(SUM(latency_us), 0) AS BIGINT) AS latency, \
             CAST(SUM(CASE WHEN latency_us IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS timed \
             FROM audit_log WHERE action IN ('rows.read', 'row.read', 'sql.read', 'preview.read') \
             GROUP BY 1, agency_code, system_code, username, dataset ORDER BY 1, dataset",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let timed: i64 = r.try_get("timed").map_err(db_err)?;
                let latency: i64 = r.try_get("latency").map_err(db_err)?;
                Ok(UsageRow {
                    day: r.try_get("day").map_err(db_err)?,
                    agency_code: r.try_get("agency_code").map_err(db_err)?,
                    system_code: r.try_get("system_code").map_err(db_err)?,
                    username: r.try_get("username").map_err(db_err)?,
                    dataset: r.try_get("dataset").map_err(db_err)?,
                    requests: r.try_get("requests").map_err(db_err)?,
                    rows: r.try_get("nrows").map_err(db_err)?,
                    refused: r.try_get("refused").map_err(db_err)?,
                    mean_latency_ms: if timed > 0 { latency as f64 / timed as f64 / 1000.0 } else { 0.0 },
                })
            })
            .collect()
    }
}
