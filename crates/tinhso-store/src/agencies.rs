//! Agencies (cơ quan, đơn vị): a hierarchy kept as materialised paths
//! (`/1/7/12/`), so that "this agency and everything under it" is one prefix.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{AdminUnits, AgencyCode, AgencyKind, AgencyName, Error, ErrorKind, Result, Scope};

use crate::{count_in_scope, db_err, is_unique_violation, now, scope_condition, Store};

/// A stored agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: AgencyKind,
    pub parent_id: Option<i64>,
    pub path: String,
    pub admin_unit_code: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Agency {
    /// 0 for a root agency, 1 for its children, and so on.
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
    pub fn name(&self, lang: tinhso_domain::Lang) -> &str {
        match lang {
            tinhso_domain::Lang::En if !self.name_en.is_empty() => &self.name_en,
            _ => &self.name_vi,
        }
    }
}

/// An agency as a user typed it, before checks. Field names are those of the API.
#[derive(Debug, Clone, Default)]
pub struct AgencyInput {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub admin_unit_code: Option<String>,
    pub active: bool,
}

struct Valid {
    code: AgencyCode,
    name_vi: AgencyName,
    name_en: String,
    kind: AgencyKind,
    parent_code: Option<AgencyCode>,
    admin_unit_code: Option<String>,
    active: bool,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AgencyInput {
    /// Checks every field; the first error names its field.
    fn validate(&self, province: &str) -> Result<Valid> {
        let code = AgencyCode::parse(&self.code)?;
        let name_vi = AgencyName::parse("name_vi", &self.name_vi)?;
        let name_en = if self.name_en.trim().is_empty() {
            String::new()
        } else {
            AgencyName::parse("name_en", &self.name_en)?.into_string()
        };
        let kind = AgencyKind::parse(&self.kind)?;
        let parent_code =
            blank(&self.parent_code).map(|p| AgencyCode::parse(p).map_err(|e| e.at("parent_code"))).transpose()?;
        let admin_unit_code = match blank(&self.admin_unit_code) {
            None => None,
            Some(c) => {
                let units = AdminUnits::embedded();
                let unit = units.lookup(c, Utc::now().date_naive()).map_err(|e| e.at("admin_unit_code"))?;
                if !units.belongs_to_province(unit, province) {
                    return Err(Error::invalid(
                        "admin_unit_code",
                        format!("Đơn vị hành chính {c} ({}) không thuộc tỉnh {province} của hệ thống.", unit.full_name),
                        format!(
                            "Administrative unit {c} ({}) is not in this deployment's province {province}.",
                            unit.full_name
                        ),
                    ));
                }
                Some(c.to_string())
            }
        };
        Ok(Valid { code, name_vi, name_en, kind, parent_code, admin_unit_code, active: self.active })
    }
}

/// One data row of an import file.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// 1-based row number in the file, header included.
    pub row_no: usize,
    pub input: AgencyInput,
    /// The row as it was in the file, kept with a rejection.
    pub raw: String,
}

/// A row the import did not take, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub row_no: usize,
    /// The column the reason is about: its header in the file, or the API
    /// field name (`code`, `parent_code`…) when the header is not known.
    pub field: String,
    pub reason_vi: String,
    pub reason_en: String,
    pub raw: String,
}

/// What an import did: rows taken, rows rejected (also kept in the store).
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub import_id: String,
    pub file_name: String,
    pub imported: Vec<String>,
    pub rejected: Vec<RejectedRow>,
}

const COLUMNS: &str =
    "id, code, name_vi, name_en, kind, parent_id, path, admin_unit_code, active, created_at, updated_at";

fn from_row(r: &AnyRow) -> Result<Agency> {
    let kind: String = r.try_get("kind").map_err(db_err)?;
    Ok(Agency {
        id: r.try_get("id").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        name_vi: r.try_get("name_vi").map_err(db_err)?,
        name_en: r.try_get("name_en").map_err(db_err)?,
        kind: AgencyKind::parse(&kind).map_err(|_| Error::internal(format!("bad stored kind {kind}")))?,
        parent_id: r.try_get("parent_id").map_err(db_err)?,
        path: r.try_get("path").map_err(db_err)?,
        admin_unit_code: r.try_get("admin_unit_code").map_err(db_err)?,
        active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
        created_at: r.try_get("created_at").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

fn duplicate(code: &str) -> Error {
    Error::conflict(format!("Mã cơ quan {code} đã tồn tại."), format!("Agency code {code} already exists.")).at("code")
}

fn parent_missing(code: &str) -> Error {
    Error::invalid(
        "parent_code",
        format!("Không có cơ quan cấp trên mã {code}."),
        format!("There is no parent agency with code {code}."),
    )
}

fn out_of_scope_parent() -> Error {
    Error::forbidden().at("parent_code")
}

impl Store {
    /// Every agency in `scope`, in tree order.
    pub async fn agencies(&self, scope: &Scope) -> Result<Vec<Agency>> {
        let Some((cond, bind)) = scope_condition(scope, "path") else { return Ok(Vec::new()) };
        let sql = format!("SELECT {COLUMNS} FROM agencies WHERE {cond} ORDER BY path");
        let mut q = sqlx::query(&sql);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(from_row).collect()
    }

    pub async fn agency(&self, id: i64) -> Result<Agency> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM agencies WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match row {
            Some(r) => from_row(&r),
            None => {
                Err(Error::not_found(format!("Không có cơ quan số {id}."), format!("There is no agency number {id}.")))
            }
        }
    }

    /// The agency with `id`, if it lies in `scope` (403 otherwise).
    pub async fn agency_in_scope(&self, scope: &Scope, id: i64) -> Result<Agency> {
        let a = self.agency(id).await?;
        if scope.contains(&a.path) {
            Ok(a)
        } else {
            Err(Error::forbidden())
        }
    }

    pub async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>> {
        let code = code.trim().to_uppercase();
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM agencies WHERE code = $1"))
            .bind(code)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(from_row).transpose()
    }

    /// Creates an agency under its parent. Only province-wide callers may
    /// create a root agency; others only inside their subtree.
    pub async fn create_agency(&self, scope: &Scope, input: &AgencyInput, province: &str) -> Result<Agency> {
        let v = input.validate(province)?;
        let parent = self.resolve_parent(scope, v.parent_code.as_ref()).await?;
        if self.agency_by_code(v.code.as_str()).await?.is_some() {
            return Err(duplicate(v.code.as_str()));
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let id = insert(&mut tx, &v, parent.as_ref().map(|p| (p.id, p.path.as_str()))).await?;
        tx.commit().await.map_err(db_err)?;
        self.agency(id).await
    }

    async fn resolve_parent(&self, scope: &Scope, code: Option<&AgencyCode>) -> Result<Option<Agency>> {
        match code {
            None if *scope == Scope::Province => Ok(None),
            None => Err(Error::invalid(
                "parent_code",
                "Cần chọn cơ quan cấp trên thuộc phạm vi của bạn.",
                "Choose a parent agency within your scope.",
            )),
            Some(c) => {
                let p = self.agency_by_code(c.as_str()).await?.ok_or_else(|| parent_missing(c.as_str()))?;
                if scope.contains(&p.path) {
                    Ok(Some(p))
                } else {
                    Err(out_of_scope_parent())
                }
            }
        }
    }

    /// Changes an agency. Moving it re-roots its whole subtree; an agency
    /// cannot move under itself, and the root of the caller's own scope
    /// cannot be moved by that caller.
    pub async fn update_agency(&self, scope: &Scope, id: i64, input: &AgencyInput, province: &str) -> Result<Agency> {
        let current = self.agency_in_scope(scope, id).await?;
        let v = input.validate(province)?;
        let parent = self.resolve_parent(scope, v.parent_code.as_ref()).await?;
        let new_parent_id = parent.as_ref().map(|p| p.id);
        if let Some(p) = &parent {
            if p.path.starts_with(&current.path) {
                return Err(Error::invalid(
                    "parent_code",
                    "Không thể đặt một cơ quan làm cấp dưới của chính nó.",
                    "An agency cannot be placed under itself.",
                ));
            }
        }
        let is_scope_root = matches!(scope, Scope::Subtree { agency_id, .. } if *agency_id == id);
        if is_scope_root && new_parent_id != current.parent_id {
            return Err(out_of_scope_parent());
        }
        if v.code.as_str() != current.code {
            if let Some(other) = self.agency_by_code(v.code.as_str()).await? {
                if other.id != id {
                    return Err(duplicate(v.code.as_str()));
                }
            }
        }
        let new_path = match &parent {
            Some(p) => format!("{}{id}/", p.path),
            None => format!("/{id}/"),
        };
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let r = sqlx::query(
            "UPDATE agencies SET code = $1, name_vi = $2, name_en = $3, kind = $4, parent_id = $5, \
             admin_unit_code = $6, active = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(v.code.as_str().to_string())
        .bind(v.name_vi.as_str().to_string())
        .bind(v.name_en.clone())
        .bind(v.kind.as_str())
        .bind(new_parent_id)
        .bind(v.admin_unit_code.clone())
        .bind(v.active as i64)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await;
        match r {
            Err(e) if is_unique_violation(&e) => return Err(duplicate(v.code.as_str())),
            r => r.map_err(db_err)?,
        };
        if new_path != current.path {
            sqlx::query("UPDATE agencies SET path = $1 || substr(path, CAST($2 AS INTEGER)) WHERE path LIKE $3")
                .bind(new_path)
                .bind(current.path.len() as i64 + 1)
                .bind(format!("{}%", current.path))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        self.bump();
        self.agency(id).await
    }

    pub async fn count_agencies(&self, scope: &Scope) -> Result<i64> {
        count_in_scope(&self.pool, "agencies", scope, "path").await
    }

    /// Imports agencies from the rows of a file. Each row is checked on its
    /// own; a parent may be defined later in the same file. Good rows go in
    /// one transaction together with the rejected rows, which are kept in
    /// `import_rejects` with their reason, never dropped.
    pub async fn import_agencies(
        &self,
        scope: &Scope,
        file_name: &str,
        rows: Vec<ImportRow>,
        columns: &HashMap<String, String>,
        province: &str,
    ) -> Result<ImportReport> {
        let mut rejected = Vec::new();
        // Rejections name the column as the file wrote it, when known.
        let label = |field: Option<String>| {
            let f = field.unwrap_or_default();
            columns.get(&f).cloned().unwrap_or(f)
        };
        let reject = |row: &ImportRow, e: Error| RejectedRow {
            row_no: row.row_no,
            field: label(e.field.clone()),
            reason_vi: e.vi,
            reason_en: e.en,
            raw: row.raw.clone(),
        };
        let mut seen = HashSet::new();
        let mut pending: Vec<(&ImportRow, Valid)> = Vec::new();
        for row in &rows {
            match row.input.validate(province) {
                Err(e) => rejected.push(reject(row, e)),
                Ok(v) => {
                    if !seen.insert(v.code.clone()) {
                        rejected.push(reject(
                            row,
                            Error::conflict(
                                format!("Mã cơ quan {} lặp lại trong tệp.", v.code.as_str()),
                                format!("Agency code {} appears twice in the file.", v.code.as_str()),
                            )
                            .at("code"),
                        ));
                    } else if self.agency_by_code(v.code.as_str()).await?.is_some() {
                        rejected.push(reject(row, duplicate(v.code.as_str())));
                    } else {
                        pending.push((row, v));
                    }
                }
            }
        }
        let import_id = crate::credentials::random_hex(8);
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Parents in the file: insert rows whose parent is known, repeat until stuck.
        let mut placed: HashMap<String, (i64, String)> = HashMap::new();
        let mut imported = Vec::new();
        loop {
            let before = pending.len();
            let mut rest = Vec::new();
            for (row, v) in pending {
                let parent = match &v.parent_code {
                    None => {
                        if *scope == Scope::Province {
                            Some(None)
                        } else {
                            rejected.push(reject(row, Error::forbidden().at("parent_code")));
                            continue;
                        }
                    }
                    Some(pc) => {
                        if let Some((id, path)) = placed.get(pc.as_str()) {
                            Some(Some((*id, path.clone())))
                        } else {
                            match self.agency_by_code(pc.as_str()).await? {
                                Some(p) if scope.contains(&p.path) => Some(Some((p.id, p.path))),
                                Some(_) => {
                                    rejected.push(reject(row, out_of_scope_parent()));
                                    continue;
                                }
                                None => None,
                            }
                        }
                    }
                };
                match parent {
                    Some(p) => {
                        let id = insert(&mut tx, &v, p.as_ref().map(|(id, path)| (*id, path.as_str()))).await?;
                        let path = match &p {
                            Some((_, pp)) => format!("{pp}{id}/"),
                            None => format!("/{id}/"),
                        };
                        placed.insert(v.code.as_str().to_string(), (id, path));
                        imported.push(v.code.as_str().to_string());
                    }
                    None => rest.push((row, v)),
                }
            }
            pending = rest;
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
        for (row, v) in pending {
            let pc = v.parent_code.as_ref().map(|c| c.as_str().to_string()).unwrap_or_default();
            rejected.push(reject(row, parent_missing(&pc)));
        }
        rejected.sort_by_key(|r| r.row_no);
        let at = now();
        for r in &rejected {
            sqlx::query(
                "INSERT INTO import_rejects (import_id, target, file_name, row_no, column_name, reason_vi, reason_en, raw, created_at) \
                 VALUES ($1, 'agencies', $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(import_id.clone())
            .bind(file_name.to_string())
            .bind(r.row_no as i64)
            .bind(r.field.clone())
            .bind(r.reason_vi.clone())
            .bind(r.reason_en.clone())
            .bind(r.raw.clone())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(ImportReport { import_id, file_name: file_name.to_string(), imported, rejected })
    }

    /// The rejected rows of an import, as kept.
    pub async fn import_rejects(&self, import_id: &str) -> Result<Vec<(String, RejectedRow)>> {
        let rows = sqlx::query(
            "SELECT file_name, row_no, column_name, reason_vi, reason_en, raw FROM import_rejects \
             WHERE import_id = $1 ORDER BY row_no",
        )
        .bind(import_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("file_name").map_err(db_err)?,
                    RejectedRow {
                        row_no: r.try_get::<i64, _>("row_no").map_err(db_err)? as usize,
                        field: r.try_get("column_name").map_err(db_err)?,
                        reason_vi: r.try_get("reason_vi").map_err(db_err)?,
                        reason_en: r.try_get("reason_en").map_err(db_err)?,
                        raw: r.try_get("raw").map_err(db_err)?,
                    },
                ))
            })
            .collect()
    }
}

async fn insert(tx: &mut sqlx::Transaction<'_, sqlx::Any>, v: &Valid, parent: Option<(i64, &str)>) -> Result<i64> {
    let at = now();
    let r = sqlx::query_scalar::<_, i64>(
        "INSERT INTO agencies (code, name_vi, name_en, kind, parent_id, path, admin_unit_code, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $8) RETURNING id",
    )
    .bind(v.code.as_str().to_string())
    .bind(v.name_vi.as_str().to_string())
    .bind(v.name_en.clone())
    .bind(v.kind.as_str())
    .bind(parent.map(|p| p.0))
    .bind(v.admin_unit_code.clone())
    .bind(v.active as i64)
    .bind(at)
    .fetch_one(&mut **tx)
    .await;
    let id = match r {
        Err(e) if is_unique_violation(&e) => return Err(duplicate(v.code.as_str())),
        r => r.map_err(db_err)?,
    };
    let path = match parent {
        Some((_, pp)) => format!("{pp}{id}/"),
        None => format!("/{id}/"),
    };
    sqlx::query("UPDATE agencies SET path = $1 WHERE id = $2")
        .bind(path)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(id)
}

/// Whether an error is about bad input rather than the system.
pub fn is_user_error(e: &Error) -> bool {
    e.kind != ErrorKind::Internal
}
