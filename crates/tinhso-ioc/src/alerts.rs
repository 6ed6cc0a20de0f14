//! Alerts on panel values: a rule compares a column of a panel's rows with a
//! threshold (`ty_le_dung_han < 90`); any row that meets the condition makes
//! the rule fire. A change of state (→ firing, firing → ok) is recorded in the
//! history and delivered in the app (DX office, system administrators and the
//! rule's author), by e-mail over SMTP and by webhook (JSON POST); what each
//! channel answered is kept with the event.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tinhso_domain::{Error, Result, Role};
use tinhso_store::{AlertRule, AlertRuleInput, User};
use tinhso_warehouse::Actor;

use crate::{Ioc, RawFilters};

/// SMTP settings for alert e-mail.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    /// `none` (plain, e.g. a local relay), `starttls` or `tls`.
    pub security: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    pub from: String,
}

/// A new rule as a user writes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AlertInput {
    pub name: String,
    pub dashboard: String,
    pub panel: String,
    pub column: String,
    /// `<`, `<=`, `>`, `>=`, `=`, `!=`: the condition that fires.
    pub op: String,
    pub threshold: f64,
    #[serde(default)]
    pub filters: RawFilters,
    #[serde(default = "yes")]
    pub in_app: bool,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub webhook: String,
}

fn yes() -> bool {
    true
}

pub const OPS: [&str; 6] = ["<", "<=", ">", ">=", "=", "!="];

/// Does `value op threshold` hold?
pub fn breaks(value: f64, op: &str, threshold: f64) -> bool {
    match op {
        "<" => value < threshold,
        "<=" => value <= threshold,
        ">" => value > threshold,
        ">=" => value >= threshold,
        "=" => value == threshold,
        "!=" => value != threshold,
        _ => false,
    }
}

/// One check of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    pub rule: i64,
    pub name: String,
    pub state: String,
    pub value: Option<f64>,
    pub detail: String,
    /// Set when the state changed: the event recorded.
    pub event: Option<i64>,
    pub deliveries: Vec<Value>,
}

fn email_ok(e: &str) -> bool {
    let Some((user, host)) = e.split_once('@') else { return false };
    !user.is_empty() && host.contains('.') && !e.contains(char::is_whitespace) && e.len() <= 254
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

impl Ioc {
    /// Checks and stores a rule.
    pub async fn create_alert(&self, caller: &User, input: &AlertInput) -> Result<AlertRule> {
        let name = tinhso_domain::text::nfc(input.name.trim());
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::invalid(
                "name",
                "Tên cảnh báo không được để trống, tối đa 200 ký tự.",
                "The alert name must not be empty, 200 characters at most.",
            ));
        }
        let (_, d) = self.get(&input.dashboard).await.map_err(|e| Error { field: Some("dashboard".into()), ..e })?;
        let panel = d.panel(&input.panel).ok_or_else(|| {
            Error::invalid(
                "panel",
                format!("Bảng điều khiển «{}» không có ô «{}».", d.slug, input.panel),
                format!("Dashboard «{}» has no panel «{}».", d.slug, input.panel),
            )
        })?;
        if !panel.y.contains(&input.column) && panel.kind != crate::Kind::Table {
            return Err(Error::invalid(
                "column",
                format!("Ô «{}» không có cột giá trị «{}» (có: {}).", panel.id, input.column, panel.y.join(", ")),
                format!(
                    "Panel «{}» has no value column «{}» (it has: {}).",
                    panel.id,
                    input.column,
                    panel.y.join(", ")
                ),
            ));
        }
        if input.column.trim().is_empty() {
            return Err(Error::invalid("column", "Cần tên cột.", "A column name is needed."));
        }
        if !OPS.contains(&input.op.as_str()) {
            return Err(Error::invalid(
                "op",
                format!("Phép so sánh «{}» không hợp lệ (dùng {}).", input.op, OPS.join(" ")),
                format!("Comparison «{}» is not valid (use {}).", input.op, OPS.join(" ")),
            ));
        }
        if !input.threshold.is_finite() {
            return Err(Error::invalid("threshold", "Ngưỡng phải là một số.", "The threshold must be a number."));
        }
        self.filters(&d, &input.filters, crate::today()).await?;
        if input.emails.len() > 20 {
            return Err(Error::invalid("emails", "Tối đa 20 địa chỉ e-mail.", "20 e-mail addresses at most."));
        }
        for e in &input.emails {
            if !email_ok(e.trim()) {
                return Err(Error::invalid(
                    "emails",
                    format!("«{e}» không phải địa chỉ e-mail."),
                    format!("«{e}» is not an e-mail address."),
                ));
            }
        }
        let webhook = input.webhook.trim().to_string();
        if !webhook.is_empty() {
            let ok =
                url::Url::parse(&webhook).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(Error::invalid(
                    "webhook",
                    format!("«{webhook}» không phải địa chỉ http(s)."),
                    format!("«{webhook}» is not an http(s) URL."),
                ));
            }
        }
        if !input.in_app && input.emails.is_empty() && webhook.is_empty() {
            return Err(Error::invalid(
                "in_app",
                "Cần ít nhất một kênh nhận cảnh báo (ứng dụng, e-mail hoặc webhook).",
                "At least one channel is needed (in the app, e-mail or webhook).",
            ));
        }
        let emails: Vec<String> = input.emails.iter().map(|e| e.trim().to_string()).collect();
        let stored = AlertRuleInput {
            name,
            dashboard_slug: d.slug.clone(),
            panel_id: panel.id.clone(),
            column: input.column.clone(),
            op: input.op.clone(),
            threshold: input.threshold,
            filters: serde_json::to_string(&input.filters).expect("filters are JSON"),
            in_app: input.in_app,
            emails: serde_json::to_string(&emails).expect("a list is JSON"),
            webhook,
        };
        self.store().create_alert_rule(caller, &stored).await
    }

    /// Checks every enabled rule now (as the platform: aggregates only leave
    /// through the rule's channels, which its author chose).
    pub async fn check_alerts(&self) -> Result<Vec<CheckOutcome>> {
        let mut out = Vec::new();
        for rule in self.store().alert_rules().await? {
            if rule.enabled {
                out.push(self.check_alert(&rule).await?);
            }
        }
        Ok(out)
    }

    /// Checks one rule, records the result and delivers a change of state.
    pub async fn check_alert(&self, rule: &AlertRule) -> Result<CheckOutcome> {
        let mut actor = Actor::system();
        actor.who.username = "tinhso-alerts".into();
        let filters: RawFilters = serde_json::from_str(&rule.filters).unwrap_or_default();
        let (state, value, detail) =
            match self.panel_data(&actor, &rule.dashboard_slug, &rule.panel_id, &filters, true).await {
                Err(e) => ("error".to_string(), None, format!("{} / {}", e.vi, e.en)),
                Ok(data) => match data.columns.iter().position(|c| c == &rule.column) {
                    None => (
                        "error".to_string(),
                        None,
                        format!("Ô không còn cột «{0}». / The panel has no column «{0}» any more.", rule.column),
                    ),
                    Some(i) => {
                        let label_col = if i == 0 { None } else { Some(0) };
                        let mut hits = Vec::new();
                        let mut first = None;
                        for row in &data.rows {
                            let Some(v) = row.get(i).and_then(number) else { continue };
                            first.get_or_insert(v);
                            if breaks(v, &rule.op, rule.threshold) {
                                let label = label_col
                                    .and_then(|c| row.get(c))
                                    .map(|l| match l {
                                        Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                    .unwrap_or_default();
                                hits.push((label, v));
                            }
                        }
                        if hits.is_empty() {
                            ("ok".to_string(), first, String::new())
                        } else {
                            // The worst value first: the furthest from the threshold.
                            hits.sort_by(|a, b| {
                                (b.1 - rule.threshold)
                                    .abs()
                                    .partial_cmp(&(a.1 - rule.threshold).abs())
                                    .unwrap_or(std::cmp::Ordering::Equal)
                            });
                            let shown: Vec<String> = hits
                                .iter()
                                .take(10)
                                .map(|(l, v)| if l.is_empty() { format!("{v}") } else { format!("{l}: {v}") })
                                .collect();
                            let more = if hits.len() > 10 { format!(" (+{})", hits.len() - 10) } else { String::new() };
                            ("firing".to_string(), Some(hits[0].1), format!("{}{more}", shown.join("; ")))
                        }
                    }
                },
            };
        let event = self.store().record_alert_check(rule.id, &state, value, &detail).await?;
        let mut deliveries = Vec::new();
        if let Some(eid) = event {
            let notify = state == "firing" || state == "error" || (state == "ok" && rule.state == "firing");
            if notify {
                deliveries = self.deliver(rule, &state, value, &detail).await;
                self.store().set_alert_deliveries(eid, &Value::Array(deliveries.clone()).to_string()).await?;
            }
        }
        Ok(CheckOutcome { rule: rule.id, name: rule.name.clone(), state, value, detail, event, deliveries })
    }

    async fn deliver(&self, rule: &AlertRule, state: &str, value: Option<f64>, detail: &str) -> Vec<Value> {
        let link = format!("{}/dashboards/{}", self.inner.public_url, rule.dashboard_slug);
        let (vi_state, en_state) = match state {
            "firing" => ("Cảnh báo", "Alert"),
            "ok" => ("Đã trở lại bình thường", "Resolved"),
            _ => ("Lỗi kiểm tra cảnh báo", "Alert check failed"),
        };
        let cond = format!("{} {} {}", rule.column, rule.op, rule.threshold);
        let shown = value.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
        let title_vi = format!("{vi_state}: {}", rule.name);
        let title_en = format!("{en_state}: {}", rule.name);
        let body_vi = format!("Điều kiện {cond}; giá trị {shown}. {detail}");
        let body_en = format!("Condition {cond}; value {shown}. {detail}");
        let mut out = Vec::new();
        if rule.in_app {
            let r = async {
                let mut users = self.store().users_with_roles(&[Role::DxOffice, Role::SystemAdmin]).await?;
                if let Some(c) = rule.created_by {
                    if !users.contains(&c) {
                        users.push(c);
                    }
                }
                self.store().notify(&users, (&title_vi, &title_en), (&body_vi, &body_en), &link).await
            }
            .await;
            out.push(match r {
                Ok(n) => json!({"channel": "in_app", "ok": true, "detail": format!("{n} users")}),
                Err(e) => json!({"channel": "in_app", "ok": false, "detail": e.en}),
            });
        }
        let emails: Vec<String> = serde_json::from_str(&rule.emails).unwrap_or_default();
        if !emails.is_empty() {
            let subject = format!("[tinhso] {title_vi} / {title_en}");
            let body = format!("{body_vi}\n{link}\n\n{body_en}\n{link}\n");
            for to in emails {
                let r = self.send_mail(&to, &subject, &body).await;
                out.push(match r {
                    Ok(()) => json!({"channel": "email", "to": to, "ok": true}),
                    Err(e) => json!({"channel": "email", "to": to, "ok": false, "detail": e}),
                });
            }
        }
        if !rule.webhook.is_empty() {
            let payload = json!({
                "rule": rule.id, "name": rule.name, "state": state, "value": value,
                "condition": {"column": rule.column, "op": rule.op, "threshold": rule.threshold},
                "dashboard": rule.dashboard_slug, "panel": rule.panel_id, "detail": detail,
                "title": {"vi": title_vi, "en": title_en}, "link": link,
                "at": chrono::Utc::now().to_rfc3339(),
            });
            let r = self.inner.http.post(&rule.webhook).json(&payload).send().await;
            out.push(match r {
                Ok(resp) if resp.status().is_success() => {
                    json!({"channel": "webhook", "ok": true, "status": resp.status().as_u16()})
                }
                Ok(resp) => json!({"channel": "webhook", "ok": false, "status": resp.status().as_u16()}),
                Err(e) => json!({"channel": "webhook", "ok": false, "detail": e.to_string()}),
            });
        }
        out
    }

    async fn send_mail(&self, to: &str, subject: &str, body: &str) -> std::result::Result<(), String> {
        let Some(m) = &self.inner.mail else {
            return Err("SMTP is not configured (mail.host) / chưa cấu hình SMTP".into());
        };
        let msg = Message::builder()
            .from(m.from.parse().map_err(|e| format!("from: {e}"))?)
            .to(to.parse().map_err(|e| format!("to: {e}"))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        let builder = match m.security.as_str() {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&m.host).map_err(|e| e.to_string())?,
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&m.host).map_err(|e| e.to_string())?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.host),
        };
        let mut builder = builder.port(m.port).timeout(Some(Duration::from_secs(20)));
        if !m.username.is_empty() {
            builder = builder.credentials(Credentials::new(m.username.clone(), m.password.clone()));
        }
        builder.build().send(msg).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions() {
        assert!(breaks(85.0, "<", 90.0));
        assert!(!breaks(90.0, "<", 90.0));
        assert!(breaks(90.0, "<=", 90.0));
        assert!(breaks(3.0, ">", 0.0));
        assert!(breaks(0.0, "=", 0.0));
        assert!(breaks(1.0, "!=", 0.0));
        assert!(!breaks(1.0, "~", 0.0));
    }

    #[test]
    fn addresses_and_numbers() {
        assert!(email_ok("so.tttt@gialai.gov.vn"));
        assert!(!email_ok("so tttt@gialai.gov.vn"));
        assert!(!email_ok("gialai.gov.vn"));
        assert_eq!(number(&json!(88.5)), Some(88.5));
        assert_eq!(number(&json!("12")), Some(12.0));
        assert_eq!(number(&Value::Null), None);
    }
}
