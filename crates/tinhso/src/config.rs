//! Configuration: defaults, then a TOML file, then `TINHSO_*` environment
//! variables, then command-line flags. Errors name the key and where it came from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tinhso_domain::AdminUnits;

/// The settings of one deployment.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The address users and applications reach tinhso at (the OpenID Connect issuer);
    /// empty means `http://` + the listening address.
    pub public_url: String,
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means SQLite in `data_dir`.
    pub database_url: String,
    pub province_code: String,
    pub session_ttl_hours: i64,
    pub secure_cookies: bool,
    /// Gateway requests per minute per API key, unless the key sets its own.
    pub rate_limit_per_minute: i64,
    /// How often alert rules are checked, in seconds (0: never by the clock).
    pub alert_interval_seconds: u64,
    /// Day of the month the monthly DX review opens, and the day reports are due.
    pub review_open_day: u32,
    pub review_due_day: u32,
    /// How often the tracker's scheduled work runs (opening reviews, reminders,
    /// computing SQL KPIs for the month), in seconds (0: never by the clock).
    pub dx_interval_seconds: u64,
    /// SMTP for alert e-mail; empty host: no e-mail.
    pub mail_host: String,
    pub mail_port: u16,
    /// `none`, `starttls` or `tls`.
    pub mail_security: String,
    pub mail_username: String,
    pub mail_password: String,
    pub mail_from: String,
    pub log_format: LogFormat,
    pub log_level: String,
}

impl std::fmt::Debug for Config {
    // The database URL may hold a password: it never prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &if self.database_url.is_empty() { "(sqlite in data_dir)" } else { "(set)" })
            .field("province_code", &self.province_code)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".parse().expect("valid"),
            public_url: String::new(),
            data_dir: PathBuf::from("./tinhso-data"),
            database_url: String::new(),
            province_code: "52".into(),
            session_ttl_hours: 12,
            secure_cookies: false,
            rate_limit_per_minute: 6000,
            alert_interval_seconds: 300,
            review_open_day: 20,
            review_due_day: 25,
            dx_interval_seconds: 3600,
            mail_host: String::new(),
            mail_port: 587,
            mail_security: "starttls".into(),
            mail_username: String::new(),
            mail_password: String::new(),
            mail_from: "tinhso@localhost".into(),
            log_format: LogFormat::Text,
            log_level: "info".into(),
        }
    }
}

/// A configuration error, in Vietnamese and English, naming key and source.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err(source: &str, key: &str, vi: &str, en: &str) -> ConfigError {
    ConfigError(format!(
        "Cấu hình sai ở {source}, khoá `{key}`: {vi}\nConfiguration error in {source}, key `{key}`: {en}"
    ))
}

const KEYS: &[&str] = &[
    "listen",
    "public_url",
    "data_dir",
    "database_url",
    "province_code",
    "session_ttl_hours",
    "secure_cookies",
    "rate_limit_per_minute",
    "alert_interval_seconds",
    "review_open_day",
    "review_due_day",
    "dx_interval_seconds",
    "mail_host",
    "mail_port",
    "mail_security",
    "mail_username",
    "mail_password",
    "mail_from",
    "log_format",
    "log_level",
];

impl Config {
    /// Sets `key` from a string `value` read from `source` (a file or a variable).
    fn set(&mut self, source: &str, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "public_url" => {
                let v = value.trim().trim_end_matches('/');
                if !(v.is_empty() || v.starts_with("https://") || v.starts_with("http://"))
                    || v.contains(['?', '#', ' '])
                {
                    return Err(err(
                        source,
                        key,
                        &format!("«{value}» phải là URL http(s) không có ? hay #, ví dụ https://sso.gialai.gov.vn."),
                        &format!("«{value}» must be an http(s) URL without ? or #, such as https://sso.gialai.gov.vn."),
                    ));
                }
                self.public_url = v.to_string()
            }
            "listen" => {
                self.listen = value.trim().parse().map_err(|_| {
                    err(
                        source,
                        key,
                        &format!("«{value}» không phải địa chỉ IP:cổng, ví dụ 127.0.0.1:8080."),
                        &format!("«{value}» is not an IP:port address such as 127.0.0.1:8080."),
                    )
                })?
            }
            "data_dir" => {
                if value.trim().is_empty() {
                    return Err(err(source, key, "không được để trống.", "must not be empty."));
                }
                self.data_dir = PathBuf::from(value.trim())
            }
            "database_url" => {
                let v = value.trim();
                if !v.is_empty()
                    && !v.starts_with("sqlite:")
                    && !v.starts_with("postgres:")
                    && !v.starts_with("postgresql:")
                {
                    return Err(err(
                        source,
                        key,
                        "phải bắt đầu bằng sqlite: hoặc postgres:.",
                        "must start with sqlite: or postgres:.",
                    ));
                }
                self.database_url = v.to_string()
            }
            "province_code" => {
                let v = value.trim();
                let ok = AdminUnits::embedded()
                    .in_force(v, chrono::Utc::now().date_naive())
                    .is_some_and(|u| u.level == tinhso_domain::Level::Province);
                if !ok {
                    return Err(err(
                        source,
                        key,
                        &format!("«{v}» không phải mã một trong 34 tỉnh, thành phố hiện hành."),
                        &format!("«{v}» is not the code of one of the 34 current provinces."),
                    ));
                }
                self.province_code = v.to_string()
            }
            "session_ttl_hours" => {
                self.session_ttl_hours =
                    value.trim().parse().ok().filter(|h| (1..=24 * 30).contains(h)).ok_or_else(|| {
                        err(
                            source,
                            key,
                            &format!("«{value}» phải là số giờ từ 1 đến 720."),
                            &format!("«{value}» must be a number of hours from 1 to 720."),
                        )
                    })?
            }
            "alert_interval_seconds" => {
                self.alert_interval_seconds =
                    value.trim().parse().ok().filter(|n| *n == 0 || (10..=86_400).contains(n)).ok_or_else(|| {
                        err(
                            source,
                            key,
                            &format!("«{value}» phải là 0 (không tự kiểm tra) hoặc số giây từ 10 đến 86 400."),
                            &format!("«{value}» must be 0 (no scheduled checks) or seconds from 10 to 86,400."),
                        )
                    })?
            }
            "review_open_day" | "review_due_day" => {
                let day = value.trim().parse::<u32>().ok().filter(|d| (1..=28).contains(d)).ok_or_else(|| {
                    err(
                        source,
                        key,
                        &format!("«{value}» phải là một ngày trong tháng từ 1 đến 28."),
                        &format!("«{value}» must be a day of the month from 1 to 28."),
                    )
                })?;
                if key == "review_open_day" {
                    self.review_open_day = day;
                } else {
                    self.review_due_day = day;
                }
            }
            "dx_interval_seconds" => {
                self.dx_interval_seconds =
                    value.trim().parse().ok().filter(|n| *n == 0 || (10..=86_400).contains(n)).ok_or_else(|| {
                        err(
                            source,
                            key,
                            &format!("«{value}» phải là 0 (không chạy theo lịch) hoặc số giây từ 10 đến 86 400."),
                            &format!("«{value}» must be 0 (no scheduled runs) or seconds from 10 to 86,400."),
                        )
                    })?
            }
            "mail_host" => self.mail_host = value.trim().to_string(),
            "mail_username" => self.mail_username = value.to_string(),
            "mail_password" => self.mail_password = value.to_string(),
            "mail_from" => {
                let v = value.trim();
                if !v.contains('@') {
                    return Err(err(
                        source,
                        key,
                        &format!("«{value}» không phải địa chỉ e-mail."),
                        &format!("«{value}» is not an e-mail address."),
                    ));
                }
                self.mail_from = v.to_string()
            }
            "mail_port" => {
                self.mail_port = value.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    err(
                        source,
                        key,
                        &format!("«{value}» không phải cổng (1–65535)."),
                        &format!("«{value}» is not a port (1–65535)."),
                    )
                })?
            }
            "mail_security" => {
                let v = value.trim();
                if !matches!(v, "none" | "starttls" | "tls") {
                    return Err(err(
                        source,
                        key,
                        &format!("«{value}» phải là none, starttls hoặc tls."),
                        &format!("«{value}» must be none, starttls or tls."),
                    ));
                }
                self.mail_security = v.to_string()
            }
            "rate_limit_per_minute" => {
                self.rate_limit_per_minute =
                    value.trim().parse().ok().filter(|n| (1..=100_000_000).contains(n)).ok_or_else(|| {
                        err(
                            source,
                            key,
                            &format!("«{value}» phải là số yêu cầu mỗi phút từ 1 đến 100 000 000."),
                            &format!("«{value}» must be a number of requests per minute from 1 to 100,000,000."),
                        )
                    })?
            }
            "secure_cookies" => {
                self.secure_cookies = match value.trim() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => {
                        return Err(err(
                            source,
                            key,
                            &format!("«{value}» phải là true hoặc false."),
                            &format!("«{value}» must be true or false."),
                        ))
                    }
                }
            }
            "log_format" => {
                self.log_format = match value.trim() {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    _ => {
                        return Err(err(
                            source,
                            key,
                            &format!("«{value}» phải là text hoặc json."),
                            &format!("«{value}» must be text or json."),
                        ))
                    }
                }
            }
            "log_level" => {
                if tracing_subscriber::EnvFilter::try_new(value.trim()).is_err() {
                    return Err(err(
                        source,
                        key,
                        &format!("«{value}» không phải mức ghi log hợp lệ (error, warn, info, debug, trace)."),
                        &format!("«{value}» is not a valid log level (error, warn, info, debug, trace)."),
                    ));
                }
                self.log_level = value.trim().to_string()
            }
            _ => {
                return Err(err(
                    source,
                    key,
                    &format!("khoá không xác định; các khoá hợp lệ: {}.", KEYS.join(", ")),
                    &format!("unknown key; valid keys: {}.", KEYS.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Reads a TOML file on top of the current settings.
    pub fn merge_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let source = format!("tệp/file {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "Không đọc được tệp cấu hình {}: {e}\nCannot read the configuration file {}: {e}",
                path.display(),
                path.display()
            ))
        })?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let key = e.span().map(|s| text[..s.start].lines().count().max(1)).unwrap_or(0);
            ConfigError(format!(
                "Tệp cấu hình {} sai cú pháp TOML (dòng {key}): {}\nThe configuration file {} is not valid TOML (line {key}): {}",
                path.display(), e.message(), path.display(), e.message()
            ))
        })?;
        for (key, value) in &table {
            let v = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(err(
                        &source,
                        key,
                        &format!("kiểu giá trị {} không dùng được.", other.type_str()),
                        &format!("a value of type {} cannot be used.", other.type_str()),
                    ));
                }
            };
            self.set(&source, key, &v)?;
        }
        Ok(())
    }

    /// Applies `TINHSO_<KEY>` variables from `env`.
    pub fn merge_env(&mut self, env: impl Iterator<Item = (String, String)>) -> Result<(), ConfigError> {
        for (name, value) in env {
            let Some(key) = name.strip_prefix("TINHSO_") else { continue };
            let key = key.to_lowercase();
            // Variables that are not settings (TINHSO_DEMO_PASSWORD, TINHSO_CONFIG…) are read elsewhere.
            if KEYS.contains(&key.as_str()) {
                self.set(&format!("biến môi trường/environment variable {name}"), &key, &value)?;
            }
        }
        Ok(())
    }

    /// Applies a command-line flag.
    pub fn set_flag(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        self.set(&format!("tham số dòng lệnh/command-line flag --{}", key.replace('_', "-")), key, value)
    }

    /// The database URL to use: the configured one, or SQLite in the data dir.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            tinhso_store::sqlite_url(&self.data_dir)
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("tinhso.toml");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn layers_file_then_env_then_flags() {
        let (_d, p) =
            file("listen = \"0.0.0.0:9000\"\nprovince_code = \"01\"\nsession_ttl_hours = 8\nsecure_cookies = true\n");
        let mut c = Config::default();
        c.merge_file(&p).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.province_code, "01");
        assert!(c.secure_cookies);
        c.merge_env(
            [("TINHSO_LISTEN".to_string(), "127.0.0.1:9001".to_string()), ("PATH".into(), "/bin".into())].into_iter(),
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9001);
        c.set_flag("listen", "127.0.0.1:9002").unwrap();
        assert_eq!(c.listen.port(), 9002);
        assert!(c.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn errors_name_the_key_and_the_source() {
        let (_d, p) = file("listen = \"nowhere\"\n");
        let e = Config::default().merge_file(&p).unwrap_err().0;
        assert!(e.contains("`listen`") && e.contains("tinhso.toml") && e.contains("Configuration error"), "{e}");
        let (_d, p) = file("lisen = \"x\"\n");
        let e = Config::default().merge_file(&p).unwrap_err().0;
        assert!(e.contains("`lisen`") && e.contains("unknown key"), "{e}");
        let (_d, p) = file("listen = [1]\n");
        assert!(Config::default().merge_file(&p).unwrap_err().0.contains("array"));
        let (_d, p) = file("listen = \n");
        assert!(Config::default().merge_file(&p).unwrap_err().0.contains("line 1"));
        let e = Config::default().merge_env([("TINHSO_PROVINCE_CODE".into(), "64".into())].into_iter()).unwrap_err().0;
        assert!(e.contains("TINHSO_PROVINCE_CODE") && e.contains("34"), "{e}");
        let e = Config::default()
            .merge_env([("TINHSO_DATABASE_URL".into(), "mysql://x".into())].into_iter())
            .unwrap_err()
            .0;
        assert!(e.contains("`database_url`"), "{e}");
        let e =
            Config::default().merge_env([("TINHSO_SESSION_TTL_HOURS".into(), "0".into())].into_iter()).unwrap_err().0;
        assert!(e.contains("`session_ttl_hours`"), "{e}");
        // Non-setting variables are left to their readers.
        Config::default().merge_env([("TINHSO_DEMO_PASSWORD".into(), "x".into())].into_iter()).unwrap();
    }
}
