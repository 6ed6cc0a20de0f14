//! Access requests and grants: a consumer asks for a dataset with a purpose,
//! the columns it needs, an optional row filter and a duration; the owner
//! agency approves (possibly narrower), refuses with a reason, or later
//! revokes. Every step is audited.

use tinhso_domain::{Error, Result, Role};
use tinhso_store::{GrantApproval, GrantFilter, GrantRecord, GrantRequestInput};

use crate::definition::Personal;
use crate::gateway::{parse_row_filter, Audit};
use crate::{Actor, Warehouse};

/// Longest grant, in days.
pub const MAX_GRANT_DAYS: i64 = 3 * 366;

/// What a consumer asks for.
#[derive(Debug, Clone, Default)]
pub struct GrantRequest {
    pub dataset: String,
    pub purpose: String,
    /// The legal basis for reading personal columns in clear (e.g. a decree article); empty for none.
    pub legal_basis: String,
    pub columns: Vec<String>,
    pub row_filter: serde_json::Value,
    pub days: i64,
}

/// The owner's narrowing of a request; `None` keeps what was asked.
#[derive(Debug, Clone, Default)]
pub struct GrantDecision {
    pub columns: Option<Vec<String>>,
    pub row_filter: Option<serde_json::Value>,
    pub days: Option<i64>,
    /// Personal columns to show in clear (must have been asked, with a legal basis). `None`: all asked.
    pub unmasked: Option<Vec<String>>,
}

fn invalid(field: &str, vi: String, en: String) -> Error {
    Error::invalid(field, vi, en)
}

impl Warehouse {
    fn check_columns(&self, def: &crate::Definition, columns: &[String]) -> Result<()> {
        if columns.is_empty() {
            return Err(invalid(
                "columns",
                "Hãy liệt kê các cột cần dùng.".into(),
                "List the columns you need.".into(),
            ));
        }
        let known = def.columns();
        for c in columns {
            if !known.contains(c) {
                return Err(invalid(
                    "columns",
                    format!("Bộ dữ liệu không có cột «{c}»."),
                    format!("The dataset has no column «{c}»."),
                ));
            }
        }
        Ok(())
    }

    fn check_filter(&self, def: &crate::Definition, f: &serde_json::Value) -> Result<String> {
        let parsed = parse_row_filter(f)?;
        for c in parsed.keys() {
            if !def.columns().contains(c) {
                return Err(invalid(
                    "row_filter",
                    format!("Bộ lọc dòng dùng cột không có «{c}»."),
                    format!("The row filter uses an unknown column «{c}»."),
                ));
            }
        }
        Ok(serde_json::to_string(&parsed).expect("json"))
    }

    /// The consumer asks for access. The consumer is the caller's system (API
    /// key of a system) or the caller's agency.
    pub async fn request_grant(&self, actor: &Actor, r: &GrantRequest) -> Result<GrantRecord> {
        let out = self.request_grant_inner(actor, r).await;
        match out {
            Ok(g) => {
                let a = Audit {
                    action: "grant.request",
                    dataset: g.dataset_slug.clone(),
                    columns: r.columns.clone(),
                    purpose: g.purpose.clone(),
                    grant_id: Some(g.id),
                    detail: format!("days={}; row filter on {}", g.days, filter_columns(&g.row_filter)),
                    ..Default::default()
                };
                self.audit(actor, a, "ok", None).await?;
                Ok(g)
            }
            Err(e) => Err(self.audit_failure(actor, "grant.request", &r.dataset, e).await),
        }
    }

    async fn request_grant_inner(&self, actor: &Actor, r: &GrantRequest) -> Result<GrantRecord> {
        let Some(agency_id) = actor.agency_id else {
            return Err(invalid(
                "agency",
                "Chỉ cán bộ của một cơ quan hoặc hệ thống thông tin của cơ quan mới gửi được yêu cầu truy cập.".into(),
                "Only staff of an agency or an agency's information system can request access.".into(),
            ));
        };
        if !(actor.role.is_staff() || actor.system_id.is_some()) || actor.role == Role::Leader {
            return Err(Error::forbidden());
        }
        let d = self.dataset(actor, &r.dataset).await?;
        let purpose = tinhso_domain::text::nfc(&r.purpose);
        if purpose.chars().count() < 10 || purpose.chars().count() > 1000 {
            return Err(invalid(
                "purpose",
                "Mục đích sử dụng phải từ 10 đến 1000 ký tự.".into(),
                "The purpose must be 10 to 1000 characters.".into(),
            ));
        }
        if !(1..=MAX_GRANT_DAYS).contains(&r.days) {
            return Err(invalid(
                "days",
                format!("Thời hạn phải từ 1 đến {MAX_GRANT_DAYS} ngày."),
                format!("The duration must be 1 to {MAX_GRANT_DAYS} days."),
            ));
        }
        self.check_columns(&d.def, &r.columns)?;
        let filter = self.check_filter(&d.def, &r.row_filter)?;
        let id = self
            .store
            .insert_grant_request(&GrantRequestInput {
                dataset_id: d.record.id,
                agency_id,
                system_id: actor.system_id,
                purpose,
                legal_basis: tinhso_domain::text::nfc(&r.legal_basis),
                columns: serde_json::to_string(&r.columns).expect("json"),
                row_filter: filter,
                days: r.days,
                requested_by: actor.user_id.ok_or_else(Error::forbidden)?,
            })
            .await?;
        self.store.grant(id).await
    }

    fn may_decide(&self, actor: &Actor, g: &GrantRecord) -> bool {
        actor.system_id.is_none() && self.may_manage(actor, &g.owner_path) && actor.role != Role::Leader
    }

    fn may_view_grant(&self, actor: &Actor, g: &GrantRecord) -> bool {
        actor.is_operator()
            || (actor.role.province_wide() && actor.system_id.is_none())
            || actor.scope.contains(&g.owner_path)
            || actor.scope.contains(&g.agency_path)
    }

    /// One request or grant, if the actor is involved (owner, consumer, or province-wide).
    pub async fn grant(&self, actor: &Actor, id: i64) -> Result<GrantRecord> {
        let g = self.store.grant(id).await?;
        if !self.may_view_grant(actor, &g) {
            return Err(Error::not_found(
                format!("Không có yêu cầu/quyền truy cập số {id}."),
                format!("There is no access request or grant number {id}."),
            ));
        }
        Ok(g)
    }

    /// Requests and grants the actor is involved in, newest first.
    pub async fn grants(&self, actor: &Actor, dataset: Option<&str>, status: Option<&str>) -> Result<Vec<GrantRecord>> {
        let dataset_id = match dataset {
            Some(slug) => Some(self.dataset(actor, slug).await?.record.id),
            None => None,
        };
        let filter = GrantFilter { dataset_id, status: status.map(str::to_string), involving_path: None };
        Ok(self.store.grants(&filter).await?.into_iter().filter(|g| self.may_view_grant(actor, g)).collect())
    }

    /// The owner approves a pending request, possibly narrower.
    pub async fn approve_grant(&self, actor: &Actor, id: i64, dec: &GrantDecision) -> Result<GrantRecord> {
        let out = self.approve_inner(actor, id, dec).await;
        self.audit_decision(actor, "grant.approve", id, out).await
    }

    async fn approve_inner(&self, actor: &Actor, id: i64, dec: &GrantDecision) -> Result<GrantRecord> {
        let g = self.grant(actor, id).await?;
        if !self.may_decide(actor, &g) {
            return Err(Error::forbidden());
        }
        let d = self.dataset(&Actor::system(), &g.dataset_slug).await?;
        let asked: Vec<String> = serde_json::from_str(&g.columns).map_err(Error::internal)?;
        let columns = match &dec.columns {
            None => asked.clone(),
            Some(c) => {
                self.check_columns(&d.def, c)?;
                if let Some(extra) = c.iter().find(|x| !asked.contains(x)) {
                    return Err(invalid(
                        "columns",
                        format!("Không thể cấp cột «{extra}» mà bên yêu cầu không hỏi; chỉ được thu hẹp."),
                        format!("Column «{extra}» was not requested; a decision can only narrow a request."),
                    ));
                }
                c.clone()
            }
        };
        let row_filter = match &dec.row_filter {
            None => g.row_filter.clone(),
            Some(f) => self.check_filter(&d.def, f)?,
        };
        let days = dec.days.unwrap_or(g.days);
        if !(1..=g.days).contains(&days) {
            return Err(invalid(
                "days",
                format!("Thời hạn cấp phải từ 1 đến {} ngày (không dài hơn yêu cầu).", g.days),
                format!("The granted duration must be 1 to {} days (not longer than requested).", g.days),
            ));
        }
        let personal: Vec<String> =
            columns.iter().filter(|c| d.def.field(c).is_some_and(|f| f.personal != Personal::None)).cloned().collect();
        let unmasked = match &dec.unmasked {
            None if g.legal_basis.trim().is_empty() => vec![],
            None => personal.clone(),
            Some(u) => {
                if let Some(x) = u.iter().find(|x| !personal.contains(x)) {
                    return Err(invalid(
                        "unmasked",
                        format!("«{x}» không phải cột dữ liệu cá nhân được cấp."),
                        format!("«{x}» is not a granted personal-data column."),
                    ));
                }
                if !u.is_empty() && g.legal_basis.trim().is_empty() {
                    return Err(invalid(
                        "unmasked",
                        "Yêu cầu không nêu căn cứ pháp lý nên dữ liệu cá nhân chỉ được cấp ở dạng che.".into(),
                        "The request gives no legal basis, so personal data can only be granted masked.".into(),
                    ));
                }
                u.clone()
            }
        };
        let expires_at = tinhso_store::now() + days * 86_400;
        let by = actor.user_id.ok_or_else(Error::forbidden)?;
        self.store
            .approve_grant(
                id,
                by,
                &GrantApproval {
                    columns: serde_json::to_string(&columns).expect("json"),
                    row_filter,
                    unmasked: serde_json::to_string(&unmasked).expect("json"),
                    expires_at,
                },
            )
            .await
    }

    /// The owner refuses a pending request with a reason.
    pub async fn refuse_grant(&self, actor: &Actor, id: i64, reason: &str) -> Result<GrantRecord> {
        let out = async {
            let g = self.grant(actor, id).await?;
            if !self.may_decide(actor, &g) {
                return Err(Error::forbidden());
            }
            self.store.refuse_grant(id, actor.user_id.ok_or_else(Error::forbidden)?, &check_reason(reason)?).await
        }
        .await;
        self.audit_decision(actor, "grant.refuse", id, out).await
    }

    /// The owner (or the DX office) revokes a grant; it stops at the next request.
    pub async fn revoke_grant(&self, actor: &Actor, id: i64, reason: &str) -> Result<GrantRecord> {
        let out = async {
            let g = self.grant(actor, id).await?;
            if !self.may_decide(actor, &g) {
                return Err(Error::forbidden());
            }
            self.store.revoke_grant(id, actor.user_id.ok_or_else(Error::forbidden)?, &check_reason(reason)?).await
        }
        .await;
        self.audit_decision(actor, "grant.revoke", id, out).await
    }

    async fn audit_decision(
        &self,
        actor: &Actor,
        action: &'static str,
        id: i64,
        out: Result<GrantRecord>,
    ) -> Result<GrantRecord> {
        match out {
            Ok(g) => {
                let cols: Vec<String> =
                    serde_json::from_str(g.granted_columns.as_deref().unwrap_or(&g.columns)).unwrap_or_default();
                let a = Audit {
                    action,
                    dataset: g.dataset_slug.clone(),
                    columns: cols,
                    purpose: g.purpose.clone(),
                    grant_id: Some(g.id),
                    detail: format!(
                        "consumer={}{}",
                        g.agency_code,
                        g.system_code.as_deref().map(|s| format!("/{s}")).unwrap_or_default()
                    ),
                    ..Default::default()
                };
                self.audit(actor, a, "ok", None).await?;
                Ok(g)
            }
            Err(e) => Err(self.audit_failure(actor, action, &format!("grant:{id}"), e).await),
        }
    }
}

fn check_reason(reason: &str) -> Result<String> {
    let r = tinhso_domain::text::nfc(reason);
    if r.chars().count() < 5 || r.chars().count() > 1000 {
        return Err(invalid(
            "reason",
            "Hãy nêu lý do (5–1000 ký tự).".into(),
            "Give a reason (5–1000 characters).".into(),
        ));
    }
    Ok(r)
}

fn filter_columns(json: &str) -> String {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
        .map(|m| m.keys().cloned().collect::<Vec<_>>().join(","))
        .unwrap_or_default()
}
