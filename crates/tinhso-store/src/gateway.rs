//! The data sharing gateway's metadata: information systems (consumers with
//! their own API keys) and access requests/grants. The grant documents
//! (columns, row filter) are JSON owned by the warehouse crate; the store
//! keeps them as text and enforces the state machine
//! pending → approved | refused, approved → revoked.

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, ErrorKind, Result, Role, Scope};

use crate::credentials::{random_hex, sha256_hex};
use crate::sessions::{ApiKey, ApiKeyAccess};
use crate::users::User;
use crate::{db_err, is_unique_violation, now, Store};

/// A registered information system: an application of an agency that calls
/// the gateway with its own API keys.
#[derive(Debug, Clone)]
pub struct System {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub agency_path: String,
    pub description: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

const SYSTEM_SELECT: &str = "SELECT s.id, s.code, s.name, s.agency_id, a.code AS agency_code, a.name_vi AS agency_name, \
     a.path AS agency_path, s.description, s.created_at, s.disabled_at FROM systems s JOIN agencies a ON a.id = s.agency_id";

fn system_from(r: &AnyRow) -> Result<System> {
    Ok(System {
        id: r.try_get("id").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        agency_id: r.try_get("agency_id").map_err(db_err)?,
        agency_code: r.try_get("agency_code").map_err(db_err)?,
        agency_name: r.try_get("agency_name").map_err(db_err)?,
        agency_path: r.try_get("agency_path").map_err(db_err)?,
        description: r.try_get("description").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
        disabled_at: r.try_get("disabled_at").map_err(db_err)?,
    })
}

/// An access request and, once decided, the grant it became.
#[derive(Debug, Clone)]
pub struct GrantRecord {
    pub id: i64,
    pub dataset_id: i64,
    pub dataset_slug: String,
    pub dataset_name: String,
    /// Path of the dataset's owner agency (who decides).
    pub owner_path: String,
    pub owner_code: String,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub agency_path: String,
    pub system_id: Option<i64>,
    pub system_code: Option<String>,
    pub purpose: String,
    pub legal_basis: String,
    /// JSON array of column names asked for.
    pub columns: String,
    /// JSON object column → allowed values.
    pub row_filter: String,
    pub days: i64,
    /// pending | approved | refused | revoked
    pub status: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub granted_columns: Option<String>,
    pub granted_row_filter: Option<String>,
    /// JSON array of personal columns shown in clear.
    pub unmasked: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub reason: String,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl GrantRecord {
    /// Approved, not revoked, not expired at `at`.
    pub fn active_at(&self, at: i64) -> bool {
        self.status == "approved" && self.revoked_at.is_none() && self.expires_at.is_some_and(|e| e > at)
    }
}

const GRANT_SELECT: &str = "SELECT g.id, g.dataset_id, d.slug AS dataset_slug, d.name_vi AS dataset_name, \
     oa.path AS owner_path, oa.code AS owner_code, g.agency_id, a.code AS agency_code, a.name_vi AS agency_name, \
     a.path AS agency_path, g.system_id, s.code AS system_code, g.purpose, g.legal_basis, g.columns, g.row_filter, \
     g.days, g.status, g.requested_by, u.username AS requested_by_name, g.requested_at, g.granted_columns, \
     g.granted_row_filter, g.unmasked, g.decided_by, g.decided_at, g.reason, g.expires_at, g.revoked_at \
     FROM grants g JOIN datasets d ON d.id = g.dataset_id JOIN agencies oa ON oa.id = d.owner_agency_id \
     JOIN agencies a ON a.id = g.agency_id LEFT JOIN systems s ON s.id = g.system_id JOIN users u ON u.id = g.requested_by";

fn grant_from(r: &AnyRow) -> Result<GrantRecord> {
    Ok(GrantRecord {
        id: r.try_get("id").map_err(db_err)?,
        dataset_id: r.try_get("dataset_id").map_err(db_err)?,
        dataset_slug: r.try_get("dataset_slug").map_err(db_err)?,
        dataset_name: r.try_get("dataset_name").map_err(db_err)?,
        owner_path: r.try_get("owner_path").map_err(db_err)?,
        owner_code: r.try_get("owner_code").map_err(db_err)?,
        agency_id: r.try_get("agency_id").map_err(db_err)?,
        agency_code: r.try_get("agency_code").map_err(db_err)?,
        agency_name: r.try_get("agency_name").map_err(db_err)?,
        agency_path: r.try_get("agency_path").map_err(db_err)?,
        system_id: r.try_get("system_id").map_err(db_err)?,
        system_code: r.try_get("system_code").map_err(db_err)?,
        purpose: r.try_get("purpose").map_err(db_err)?,
        legal_basis: r.try_get("legal_basis").map_err(db_err)?,
        columns: r.try_get("columns").map_err(db_err)?,
        row_filter: r.try_get("row_filter").map_err(db_err)?,
        days: r.try_get("days").map_err(db_err)?,
        status: r.try_get("status").map_err(db_err)?,
        requested_by: r.try_get("requested_by").map_err(db_err)?,
        requested_by_name: r.try_get("requested_by_name").map_err(db_err)?,
        requested_at: r.try_get("requested_at").map_err(db_err)?,
        granted_columns: r.try_get("granted_columns").map_err(db_err)?,
        granted_row_filter: r.try_get("granted_row_filter").map_err(db_err)?,
        unmasked: r.try_get("unmasked").map_err(db_err)?,
        decided_by: r.try_get("decided_by").map_err(db_err)?,
        decided_at: r.try_get("decided_at").map_err(db_err)?,
        reason: r.try_get("reason").map_err(db_err)?,
        expires_at: r.try_get("expires_at").map_err(db_err)?,
        revoked_at: r.try_get("revoked_at").map_err(db_err)?,
    })
}

/// A new access request.
#[derive(Debug, Clone)]
pub struct GrantRequestInput {
    pub dataset_id: i64,
    pub agency_id: i64,
    pub system_id: Option<i64>,
    pub purpose: String,
    pub legal_basis: String,
    pub columns: String,
    pub row_filter: String,
    pub days: i64,
    pub requested_by: i64,
}

/// The owner's approval, possibly narrower than the request.
#[derive(Debug, Clone)]
pub struct GrantApproval {
    pub columns: String,
    pub row_filter: String,
    pub unmasked: String,
    pub expires_at: i64,
}

/// Which grants to list.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    pub dataset_id: Option<i64>,
    pub status: Option<String>,
    /// Grants whose dataset's owner or whose consumer agency is within this path prefix.
    pub involving_path: Option<String>,
}

fn state_conflict(id: i64, status: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("Yêu cầu số {id} đang ở trạng thái «{status}», không thể thực hiện thao tác này."),
        format!("Request number {id} is «{status}»; this action is not possible."),
    )
}

fn bad_code(code: &str) -> Error {
    Error::invalid(
        "code",
        format!("Mã hệ thống «{code}» không hợp lệ: 2–40 ký tự chữ thường không dấu, số, gạch ngang."),
        format!("System code «{code}» is invalid: 2–40 lowercase ASCII letters, digits and hyphens."),
    )
}

impl Store {
    // ---- systems ----

    /// Registers an information system of `agency_code`. System admins and
    /// the DX office may register any; agency admins only within their subtree.
    pub async fn create_system(
        &self,
        caller: &User,
        code: &str,
        name: &str,
        agency_code: &str,
        description: &str,
    ) -> Result<System> {
        let code = code.trim();
        if !(2..=40).contains(&code.len())
            || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad_code(code));
        }
        let name = tinhso_domain::text::nfc(name);
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::invalid(
                "name",
                "Tên hệ thống không được để trống, tối đa 200 ký tự.",
                "The system name must not be empty, 200 characters at most.",
            ));
        }
        let agency = self.agency_by_code(agency_code.trim()).await?.ok_or_else(|| {
            Error::invalid(
                "agency_code",
                format!("Không có cơ quan mã {agency_code}."),
                format!("There is no agency with code {agency_code}."),
            )
        })?;
        let allowed = match caller.role {
            Role::SystemAdmin | Role::DxOffice => true,
            Role::AgencyAdmin => caller.scope().contains(&agency.path),
            _ => false,
        };
        if !allowed || !caller.active {
            return Err(Error::forbidden());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO systems (code, name, agency_id, description, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(code.to_string())
        .bind(name)
        .bind(agency.id)
        .bind(tinhso_domain::text::nfc(description))
        .bind(caller.id)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::new(
                    ErrorKind::Conflict,
                    format!("Đã có hệ thống mã «{code}»."),
                    format!("A system with code «{code}» already exists."),
                )
                .at("code")
            } else {
                db_err(e)
            }
        })?;
        self.bump();
        self.system(id).await
    }

    pub async fn system(&self, id: i64) -> Result<System> {
        let r = sqlx::query(&format!("{SYSTEM_SELECT} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::not_found(format!("Không có hệ thống số {id}."), format!("There is no system number {id}."))
            })?;
        system_from(&r)
    }

    pub async fn system_by_code(&self, code: &str) -> Result<Option<System>> {
        sqlx::query(&format!("{SYSTEM_SELECT} WHERE s.code = $1"))
            .bind(code.trim().to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(system_from)
            .transpose()
    }

    /// Systems of agencies within `scope`, by code.
    pub async fn systems(&self, scope: &Scope) -> Result<Vec<System>> {
        let Some((cond, bind)) = crate::scope_condition(scope, "a.path") else { return Ok(Vec::new()) };
        let sql = format!("{SYSTEM_SELECT} WHERE {cond} ORDER BY s.code");
        let mut q = sqlx::query(&sql);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool).await.map_err(db_err)?.iter().map(system_from).collect()
    }

    /// Creates an API key belonging to a system: the key acts as the system,
    /// narrowed to the system's agency. Returns the key and its secret, shown once.
    pub async fn create_system_key(
        &self,
        caller: &User,
        system_code: &str,
        name: &str,
        access: ApiKeyAccess,
        rate_per_minute: Option<i64>,
    ) -> Result<(ApiKey, String)> {
        let system = self.system_by_code(system_code).await?.ok_or_else(|| {
            Error::invalid(
                "system",
                format!("Không có hệ thống mã «{system_code}»."),
                format!("There is no system with code «{system_code}»."),
            )
        })?;
        if system.disabled_at.is_some() {
            return Err(Error::invalid(
                "system",
                format!("Hệ thống «{system_code}» đã bị vô hiệu hoá."),
                format!("System «{system_code}» is disabled."),
            ));
        }
        if let Some(r) = rate_per_minute {
            if !(1..=10_000_000).contains(&r) {
                return Err(Error::invalid(
                    "rate_per_minute",
                    "Giới hạn tần suất phải từ 1 đến 10 000 000 yêu cầu/phút.",
                    "The rate limit must be between 1 and 10,000,000 requests per minute.",
                ));
            }
        }
        let (key, secret) = self.create_api_key(caller, name, Some(&system.agency_code), access).await?;
        sqlx::query("UPDATE api_keys SET system_id = $1, rate_per_minute = $2 WHERE id = $3")
            .bind(system.id)
            .bind(rate_per_minute)
            .bind(key.id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok((ApiKey { system_id: Some(system.id), rate_per_minute, ..key }, secret))
    }

    /// Disables or re-enables a system; its keys stop working at the next request.
    pub async fn set_system_disabled(&self, caller: &User, id: i64, disabled: bool) -> Result<System> {
        let s = self.system(id).await?;
        let allowed = match caller.role {
            Role::SystemAdmin | Role::DxOffice => true,
            Role::AgencyAdmin => caller.scope().contains(&s.agency_path),
            _ => false,
        };
        if !allowed {
            return Err(Error::forbidden());
        }
        sqlx::query("UPDATE systems SET disabled_at = $1 WHERE id = $2")
            .bind(if disabled { Some(now()) } else { None })
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        self.bump();
        self.system(id).await
    }

    // ---- grants ----

    pub async fn insert_grant_request(&self, g: &GrantRequestInput) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO grants (dataset_id, agency_id, system_id, purpose, legal_basis, columns, row_filter, days, \
             status, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) RETURNING id",
        )
        .bind(g.dataset_id)
        .bind(g.agency_id)
        .bind(g.system_id)
        .bind(g.purpose.clone())
        .bind(g.legal_basis.clone())
        .bind(g.columns.clone())
        .bind(g.row_filter.clone())
        .bind(g.days)
        .bind(g.requested_by)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        self.bump();
        Ok(id)
    }

    pub async fn grant(&self, id: i64) -> Result<GrantRecord> {
        let r = sqlx::query(&format!("{GRANT_SELECT} WHERE g.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::not_found(
                    format!("Không có yêu cầu/quyền truy cập số {id}."),
                    format!("There is no access request or grant number {id}."),
                )
            })?;
        grant_from(&r)
    }

    /// Grants and requests, newest first.
    pub async fn grants(&self, f: &GrantFilter) -> Result<Vec<GrantRecord>> {
        let mut sql = format!("{GRANT_SELECT} WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if f.dataset_id.is_some() {
            sql.push_str(&format!(" AND g.dataset_id = ${}", next()));
        }
        if f.status.is_some() {
            sql.push_str(&format!(" AND g.status = ${}", next()));
        }
        if f.involving_path.is_some() {
            let i = next();
            sql.push_str(&format!(" AND (oa.path LIKE ${i} OR a.path LIKE ${i})"));
        }
        sql.push_str(" ORDER BY g.id DESC");
        let mut q = sqlx::query(&sql);
        if let Some(d) = f.dataset_id {
            q = q.bind(d);
        }
        if let Some(s) = &f.status {
            q = q.bind(s.clone());
        }
        if let Some(p) = &f.involving_path {
            q = q.bind(format!("{p}%"));
        }
        q.fetch_all(&self.pool).await.map_err(db_err)?.iter().map(grant_from).collect()
    }

    /// Approved grants for a consumer on a dataset (to the agency as a whole or
    /// to the named system), newest first; expiry is checked by the caller.
    pub async fn approved_grants(
        &self,
        dataset_id: i64,
        agency_id: i64,
        system_id: Option<i64>,
    ) -> Result<Vec<GrantRecord>> {
        let rows = sqlx::query(&format!(
            "{GRANT_SELECT} WHERE g.dataset_id = $1 AND g.agency_id = $2 AND g.status = 'approved' \
             AND (g.system_id IS NULL OR g.system_id = $3) ORDER BY g.id DESC"
        ))
        .bind(dataset_id)
        .bind(agency_id)
        .bind(system_id.unwrap_or(-1))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(grant_from).collect()
    }

    /// Moves grant `id` from state `from` by `sql` (its first binds `values`,
    /// then `id` and `from` last); a grant in another state is a conflict.
    async fn transition(
        &self,
        id: i64,
        from: &str,
        sql: &str,
        values: Vec<Option<String>>,
        ints: Vec<i64>,
    ) -> Result<GrantRecord> {
        let mut q = sqlx::query(sql);
        for v in values {
            q = q.bind(v);
        }
        for v in ints {
            q = q.bind(v);
        }
        let done = q.bind(id).bind(from.to_string()).execute(&self.pool).await.map_err(db_err)?;
        self.bump();
        let g = self.grant(id).await?;
        if done.rows_affected() == 0 {
            return Err(state_conflict(id, &g.status));
        }
        Ok(g)
    }

    /// Approves a pending request (the decision may narrow it).
    pub async fn approve_grant(&self, id: i64, by: i64, a: &GrantApproval) -> Result<GrantRecord> {
        let sql =
            "UPDATE grants SET status = 'approved', granted_columns = $1, granted_row_filter = $2, unmasked = $3, \
                   expires_at = $4, decided_by = $5, decided_at = $6 WHERE id = $7 AND status = $8";
        let texts = vec![Some(a.columns.clone()), Some(a.row_filter.clone()), Some(a.unmasked.clone())];
        self.transition(id, "pending", sql, texts, vec![a.expires_at, by, now()]).await
    }

    /// Refuses a pending request with a reason.
    pub async fn refuse_grant(&self, id: i64, by: i64, reason: &str) -> Result<GrantRecord> {
        let sql = "UPDATE grants SET status = 'refused', reason = $1, decided_by = $2, decided_at = $3 \
                   WHERE id = $4 AND status = $5";
        self.transition(id, "pending", sql, vec![Some(reason.to_string())], vec![by, now()]).await
    }

    /// Revokes an approved grant; it stops working at the next request.
    pub async fn revoke_grant(&self, id: i64, by: i64, reason: &str) -> Result<GrantRecord> {
        let sql = "UPDATE grants SET status = 'revoked', reason = $1, revoked_by = $2, revoked_at = $3 \
                   WHERE id = $4 AND status = $5";
        self.transition(id, "approved", sql, vec![Some(reason.to_string())], vec![by, now()]).await
    }

    /// Test and demo helper: moves a grant's expiry (e.g. into the past).
    pub async fn set_grant_expiry(&self, id: i64, expires_at: i64) -> Result<()> {
        sqlx::query("UPDATE grants SET expires_at = $1 WHERE id = $2")
            .bind(expires_at)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        self.bump();
        Ok(())
    }
}

/// A random, unguessable request id when none came with the request.
pub fn new_request_id() -> String {
    sha256_hex(&random_hex(16))[..32].to_string()
}
