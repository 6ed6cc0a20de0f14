//! IOC metadata: dashboard definitions with every saved version, alert rules,
//! their history, and in-app notifications. Definitions, filters and
//! delivery reports are JSON documents owned by `tinhso-ioc`; the store keeps
//! them as text. Only the DX office and system administrators change
//! dashboards and alert rules (checked here, whatever the caller).

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, ErrorKind, Result, Role};

use crate::users::User;
use crate::{db_err, is_unique_violation, now, Store};

/// A stored dashboard (its newest version).
#[derive(Debug, Clone)]
pub struct DashboardRecord {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub title_en: String,
    pub version: i64,
    pub definition: String,
    pub builtin: bool,
    pub updated_by: Option<String>,
    pub updated_at: i64,
}

/// One saved version of a dashboard.
#[derive(Debug, Clone)]
pub struct DashboardVersion {
    pub version: i64,
    pub definition: String,
    pub saved_by: Option<String>,
    pub saved_at: i64,
}

/// An alert rule: `column op threshold` over a panel's rows.
#[derive(Debug, Clone)]
pub struct AlertRule {
    pub id: i64,
    pub name: String,
    pub dashboard_slug: String,
    pub panel_id: String,
    pub column: String,
    pub op: String,
    pub threshold: f64,
    pub filters: String,
    pub in_app: bool,
    pub emails: String,
    pub webhook: String,
    pub enabled: bool,
    pub state: String,
    pub last_value: Option<f64>,
    pub last_checked_at: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// What a new alert rule says (checked by `tinhso-ioc` before it gets here).
#[derive(Debug, Clone)]
pub struct AlertRuleInput {
    pub name: String,
    pub dashboard_slug: String,
    pub panel_id: String,
    pub column: String,
    pub op: String,
    pub threshold: f64,
    pub filters: String,
    pub in_app: bool,
    pub emails: String,
    pub webhook: String,
}

/// A change of an alert's state, with what was delivered.
#[derive(Debug, Clone)]
pub struct AlertEvent {
    pub id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub at: i64,
    pub state: String,
    pub value: Option<f64>,
    pub detail: String,
    pub deliveries: String,
}

/// An in-app notification.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

fn may_edit(caller: &User) -> Result<()> {
    if matches!(caller.role, Role::SystemAdmin | Role::DxOffice) && caller.active {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Forbidden,
            "Chỉ bộ phận chuyển đổi số và quản trị hệ thống được sửa bảng điều khiển và cảnh báo.",
            "Only the DX office and system administrators may change dashboards and alerts.",
        ))
    }
}

const DASH_SELECT: &str = "SELECT d.id, d.slug, d.title, d.title_en, d.version, d.definition, d.builtin, \
     u.username AS updated_by, d.updated_at FROM dashboards d LEFT JOIN users u ON u.id = d.updated_by";

fn dash_from(r: &AnyRow) -> Result<DashboardRecord> {
    Ok(DashboardRecord {
        id: r.try_get("id").map_err(db_err)?,
        slug: r.try_get("slug").map_err(db_err)?,
        title: r.try_get("title").map_err(db_err)?,
        title_en: r.try_get("title_en").map_err(db_err)?,
        version: r.try_get("version").map_err(db_err)?,
        definition: r.try_get("definition").map_err(db_err)?,
        builtin: r.try_get::<i64, _>("builtin").map_err(db_err)? != 0,
        updated_by: r.try_get("updated_by").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

const RULE_SELECT: &str = "SELECT id, name, dashboard_slug, panel_id, column_name, op, threshold, filters, in_app, \
     emails, webhook, enabled, state, last_value, last_checked_at, created_by, created_at FROM alert_rules";

fn rule_from(r: &AnyRow) -> Result<AlertRule> {
    Ok(AlertRule {
        id: r.try_get("id").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        dashboard_slug: r.try_get("dashboard_slug").map_err(db_err)?,
        panel_id: r.try_get("panel_id").map_err(db_err)?,
        column: r.try_get("column_name").map_err(db_err)?,
        op: r.try_get("op").map_err(db_err)?,
        threshold: r.try_get("threshold").map_err(db_err)?,
        filters: r.try_get("filters").map_err(db_err)?,
        in_app: r.try_get::<i64, _>("in_app").map_err(db_err)? != 0,
        emails: r.try_get("emails").map_err(db_err)?,
        webhook: r.try_get("webhook").map_err(db_err)?,
        enabled: r.try_get::<i64, _>("enabled").map_err(db_err)? != 0,
        state: r.try_get("state").map_err(db_err)?,
        last_value: r.try_get("last_value").map_err(db_err)?,
        last_checked_at: r.try_get("last_checked_at").map_err(db_err)?,
        created_by: r.try_get("created_by").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

fn no_dashboard(slug: &str) -> Error {
    Error::not_found(format!("Không có bảng điều khiển «{slug}»."), format!("There is no dashboard «{slug}»."))
}

impl Store {
    /// Every dashboard, by title.
    pub async fn dashboards(&self) -> Result<Vec<DashboardRecord>> {
        let rows = sqlx::query(&format!("{DASH_SELECT} ORDER BY d.builtin DESC, d.id"))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(dash_from).collect()
    }

    pub async fn dashboard(&self, slug: &str) -> Result<Option<DashboardRecord>> {
        let row = sqlx::query(&format!("{DASH_SELECT} WHERE d.slug = $1"))
            .bind(slug)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(dash_from).transpose()
    }

    /// Creates a dashboard at version 1. `caller` `None` is the platform itself
    /// (built-in dashboards installed at start).
    pub async fn create_dashboard(
        &self,
        caller: Option<&User>,
        slug: &str,
        title: &str,
        title_en: &str,
        definition: &str,
    ) -> Result<DashboardRecord> {
        if let Some(c) = caller {
            may_edit(c)?;
        }
        let by = caller.map(|c| c.id);
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let id: i64 = sqlx::query(
            "INSERT INTO dashboards (slug, title, title_en, version, definition, builtin, created_by, created_at, \
             updated_by, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $6, $7) RETURNING id",
        )
        .bind(slug)
        .bind(title)
        .bind(title_en)
        .bind(definition)
        .bind(i64::from(caller.is_none()))
        .bind(by)
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::new(
                    ErrorKind::Conflict,
                    format!("Đã có bảng điều khiển «{slug}»: hãy lưu phiên bản mới bằng PUT."),
                    format!("Dashboard «{slug}» already exists: save a new version with PUT."),
                )
                .at("slug")
            } else {
                db_err(e)
            }
        })?
        .try_get("id")
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO dashboard_versions (dashboard_id, version, definition, saved_by, saved_at) \
             VALUES ($1, 1, $2, $3, $4)",
        )
        .bind(id)
        .bind(definition)
        .bind(by)
        .bind(t)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        self.dashboard(slug).await?.ok_or_else(|| no_dashboard(slug))
    }

    /// Saves a new version. With `expected`, refuses (409) when someone saved
    /// another version since the caller read it.
    pub async fn save_dashboard(
        &self,
        caller: &User,
        slug: &str,
        expected: Option<i64>,
        title: &str,
        title_en: &str,
        definition: &str,
    ) -> Result<DashboardRecord> {
        may_edit(caller)?;
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let row = sqlx::query("SELECT id, version FROM dashboards WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or_else(|| no_dashboard(slug))?;
        let id: i64 = row.try_get("id").map_err(db_err)?;
        let current: i64 = row.try_get("version").map_err(db_err)?;
        if let Some(e) = expected {
            if e != current {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "Bảng điều khiển đã được lưu ở phiên bản {current} (bạn sửa từ phiên bản {e}): hãy tải lại."
                    ),
                    format!("The dashboard was saved as version {current} (you edited version {e}): reload it."),
                )
                .at("version"));
            }
        }
        let next = current + 1;
        let changed = sqlx::query(
            "UPDATE dashboards SET title = $1, title_en = $2, version = $3, definition = $4, updated_by = $5, \
             updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(title)
        .bind(title_en)
        .bind(next)
        .bind(definition)
        .bind(caller.id)
        .bind(t)
        .bind(id)
        .bind(current)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if changed != 1 {
            return Err(Error::new(
                ErrorKind::Conflict,
                "Bảng điều khiển vừa được người khác lưu: hãy tải lại.",
                "Someone else just saved the dashboard: reload it.",
            ));
        }
        sqlx::query(
            "INSERT INTO dashboard_versions (dashboard_id, version, definition, saved_by, saved_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(next)
        .bind(definition)
        .bind(caller.id)
        .bind(t)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        self.dashboard(slug).await?.ok_or_else(|| no_dashboard(slug))
    }

    /// Every saved version, newest first.
    pub async fn dashboard_versions(&self, slug: &str) -> Result<Vec<DashboardVersion>> {
        let d = self.dashboard(slug).await?.ok_or_else(|| no_dashboard(slug))?;
        let rows = sqlx::query(
            "SELECT v.version, v.definition, u.username AS saved_by, v.saved_at FROM dashboard_versions v \
             LEFT JOIN users u ON u.id = v.saved_by WHERE v.dashboard_id = $1 ORDER BY v.version DESC",
        )
        .bind(d.id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(DashboardVersion {
                    version: r.try_get("version").map_err(db_err)?,
                    definition: r.try_get("definition").map_err(db_err)?,
                    saved_by: r.try_get("saved_by").map_err(db_err)?,
                    saved_at: r.try_get("saved_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ alerts

    pub async fn create_alert_rule(&self, caller: &User, input: &AlertRuleInput) -> Result<AlertRule> {
        may_edit(caller)?;
        let id: i64 = sqlx::query(
            "INSERT INTO alert_rules (name, dashboard_slug, panel_id, column_name, op, threshold, filters, in_app, \
             emails, webhook, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             RETURNING id",
        )
        .bind(&input.name)
        .bind(&input.dashboard_slug)
        .bind(&input.panel_id)
        .bind(&input.column)
        .bind(&input.op)
        .bind(input.threshold)
        .bind(&input.filters)
        .bind(i64::from(input.in_app))
        .bind(&input.emails)
        .bind(&input.webhook)
        .bind(caller.id)
        .bind(now())
        .fetch_one(self.pool())
        .await
        .map_err(db_err)?
        .try_get("id")
        .map_err(db_err)?;
        self.alert_rule(id).await
    }

    pub async fn alert_rules(&self) -> Result<Vec<AlertRule>> {
        let rows = sqlx::query(&format!("{RULE_SELECT} ORDER BY id")).fetch_all(self.pool()).await.map_err(db_err)?;
        rows.iter().map(rule_from).collect()
    }

    pub async fn alert_rule(&self, id: i64) -> Result<AlertRule> {
        let row = sqlx::query(&format!("{RULE_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::not_found(format!("Không có quy tắc cảnh báo số {id}."), format!("There is no alert rule {id}."))
            })?;
        rule_from(&row)
    }

    /// Turns a rule on or off.
    pub async fn set_alert_enabled(&self, caller: &User, id: i64, enabled: bool) -> Result<AlertRule> {
        may_edit(caller)?;
        self.alert_rule(id).await?;
        sqlx::query("UPDATE alert_rules SET enabled = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        self.alert_rule(id).await
    }

    /// Records a check: the new state and value; a change of state also
    /// becomes an event (returned) with its deliveries filled in later.
    pub async fn record_alert_check(
        &self,
        id: i64,
        state: &str,
        value: Option<f64>,
        detail: &str,
    ) -> Result<Option<i64>> {
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let before: String = sqlx::query("SELECT state FROM alert_rules WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?
            .try_get("state")
            .map_err(db_err)?;
        sqlx::query("UPDATE alert_rules SET state = $1, last_value = $2, last_checked_at = $3 WHERE id = $4")
            .bind(state)
            .bind(value)
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let event = if before != state {
            let eid: i64 = sqlx::query(
                "INSERT INTO alert_events (rule_id, at, state, value, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id)
            .bind(t)
            .bind(state)
            .bind(value)
            .bind(detail)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?
            .try_get("id")
            .map_err(db_err)?;
            Some(eid)
        } else {
            None
        };
        tx.commit().await.map_err(db_err)?;
        Ok(event)
    }

    /// Stores what was delivered for an event (a JSON array of channel reports).
    pub async fn set_alert_deliveries(&self, event_id: i64, deliveries: &str) -> Result<()> {
        sqlx::query("UPDATE alert_events SET deliveries = $1 WHERE id = $2")
            .bind(deliveries)
            .bind(event_id)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The alert history, newest first (one rule, or all).
    pub async fn alert_events(&self, rule: Option<i64>, limit: i64) -> Result<Vec<AlertEvent>> {
        let sql = format!(
            "SELECT e.id, e.rule_id, r.name, e.at, e.state, e.value, e.detail, e.deliveries FROM alert_events e \
             JOIN alert_rules r ON r.id = e.rule_id {} ORDER BY e.id DESC LIMIT {}",
            if rule.is_some() { "WHERE e.rule_id = $1" } else { "" },
            limit.clamp(1, 1000)
        );
        let mut q = sqlx::query(&sql);
        if let Some(r) = rule {
            q = q.bind(r);
        }
        let rows = q.fetch_all(self.pool()).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AlertEvent {
                    id: r.try_get("id").map_err(db_err)?,
                    rule_id: r.try_get("rule_id").map_err(db_err)?,
                    rule_name: r.try_get("name").map_err(db_err)?,
                    at: r.try_get("at").map_err(db_err)?,
                    state: r.try_get("state").map_err(db_err)?,
                    value: r.try_get("value").map_err(db_err)?,
                    detail: r.try_get("detail").map_err(db_err)?,
                    deliveries: r.try_get("deliveries").map_err(db_err)?,
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ notifications

    /// Active users with one of `roles` (alert recipients).
    pub async fn users_with_roles(&self, roles: &[Role]) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id, role FROM users WHERE active = 1 ORDER BY id")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        let mut out = Vec::new();
        for r in rows {
            let role: String = r.try_get("role").map_err(db_err)?;
            if roles.iter().any(|x| x.as_str() == role) {
                out.push(r.try_get("id").map_err(db_err)?);
            }
        }
        Ok(out)
    }

    pub async fn notify(&self, users: &[i64], title: (&str, &str), body: (&str, &str), link: &str) -> Result<usize> {
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        for u in users {
            sqlx::query(
                "INSERT INTO notifications (user_id, title_vi, title_en, body_vi, body_en, link, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(u)
            .bind(title.0)
            .bind(title.1)
            .bind(body.0)
            .bind(body.1)
            .bind(link)
            .bind(t)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(users.len())
    }

    /// A user's notifications, newest first.
    pub async fn notifications(&self, user: i64, limit: i64) -> Result<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT id, title_vi, title_en, body_vi, body_en, link, created_at, read_at FROM notifications \
             WHERE user_id = $1 ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 500)
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Notification {
                    id: r.try_get("id").map_err(db_err)?,
                    title_vi: r.try_get("title_vi").map_err(db_err)?,
                    title_en: r.try_get("title_en").map_err(db_err)?,
                    body_vi: r.try_get("body_vi").map_err(db_err)?,
                    body_en: r.try_get("body_en").map_err(db_err)?,
                    link: r.try_get("link").map_err(db_err)?,
                    created_at: r.try_get("created_at").map_err(db_err)?,
                    read_at: r.try_get("read_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    pub async fn unread_notifications(&self, user: i64) -> Result<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(self.pool())
            .await
            .map_err(db_err)?
            .try_get("n")
            .map_err(db_err)
    }

    /// Marks a user's notifications read (all of them when `id` is `None`).
    pub async fn mark_notifications_read(&self, user: i64, id: Option<i64>) -> Result<u64> {
        let sql = if id.is_some() {
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND id = $3"
        } else {
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL"
        };
        let mut q = sqlx::query(sql).bind(now()).bind(user);
        if let Some(i) = id {
            q = q.bind(i);
        }
        Ok(q.execute(self.pool()).await.map_err(db_err)?.rows_affected())
    }
}
