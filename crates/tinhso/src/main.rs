//! The `tinhso` binary: command line, configuration, logging and wiring.

mod config;
mod demo_data;
mod warehouse_cli;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};
use config::{Config, LogFormat};
use tinhso_domain::{Password, Role, Scope};
use tinhso_store::{demo, ApiKeyAccess, Store, UserInput};
use tinhso_warehouse::Warehouse;
use tinhso_web::{AppState, WebConfig};

/// tinhso — nền tảng chuyển đổi số cấp tỉnh / the provincial digital transformation platform.
#[derive(Parser)]
#[command(name = "tinhso", version, about)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct Common {
    /// Configuration file (TOML). Default: DATA_DIR/tinhso.toml when it exists.
    #[arg(long, env = "TINHSO_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory (SQLite database and files). Default ./tinhso-data.
    #[arg(long, global = true)]
    data_dir: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on. Default 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the platform.
    Serve(ServeArgs),
    /// Seed the demo province (Gia Lai, 52) if needed, then start the platform.
    Demo(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage API keys.
    Apikey {
        #[command(subcommand)]
        action: ApikeyAction,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage warehouse datasets.
    Dataset {
        #[command(subcommand)]
        action: DatasetAction,
    },
    /// Ingest a file (CSV, XLSX, JSON/JSONL) as a new version of a dataset, with a progress bar.
    /// The last line printed is the JSON result.
    Ingest {
        /// The dataset's slug.
        slug: String,
        /// The file to ingest.
        file: PathBuf,
        /// replace, append or upsert.
        #[arg(long, default_value = "replace")]
        mode: String,
        /// Excel sheet (name or 1-based number); the first sheet by default.
        #[arg(long)]
        sheet: Option<String>,
        /// Do not draw the progress bar.
        #[arg(long)]
        no_progress: bool,
    },
    /// Single sign-on: OpenID Connect applications and signing keys.
    Oidc {
        #[command(subcommand)]
        action: OidcAction,
    },
    /// The audit log of shared data.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Run one SQL query over the warehouse (as the system administrator) and print JSON.
    Sql {
        /// The query.
        sql: String,
    },
    /// Reports of the DX programme.
    Report {
        #[command(subcommand)]
        action: ReportAction,
    },
}

#[derive(Subcommand)]
enum ReportAction {
    /// The monthly DX progress report: DOCX in the Decree 30/2020 layout, or
    /// XLSX when the output ends in `.xlsx`.
    Monthly {
        /// The month, `YYYY-MM` (e.g. 2023-06).
        #[arg(long)]
        month: String,
        /// Where to write the report (`.docx` or `.xlsx`).
        #[arg(long)]
        out: PathBuf,
        /// The issuing agency's code.
        #[arg(long, default_value = "SKHCN")]
        issuer: String,
        /// The signer's name (left blank for a hand-signed copy when empty).
        #[arg(long, default_value = "")]
        signer: String,
    },
}

#[derive(Subcommand)]
enum OidcAction {
    /// Register an application. Prints the client id on the last line, or,
    /// for a confidential client, the client id then the secret (shown once).
    Client {
        #[command(subcommand)]
        action: OidcClientAction,
    },
    /// Make a new signing key; the old one stays published until its tokens expire.
    RotateKey,
}

#[derive(Subcommand)]
enum OidcClientAction {
    Create {
        #[arg(long)]
        name: String,
        /// Exact redirect URI (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uri: Vec<String>,
        /// Where to go after logout (repeat for several).
        #[arg(long = "post-logout-uri")]
        post_logout_uri: Vec<String>,
        /// A public client (single-page or mobile app): no secret, PKCE required.
        #[arg(long)]
        public: bool,
        /// The province's own application: no consent screen.
        #[arg(long)]
        first_party: bool,
        /// Allowed scopes, space-separated.
        #[arg(long, default_value = "openid profile email offline_access")]
        scopes: String,
        /// The application's start page, listed in the portal.
        #[arg(long, default_value = "")]
        home_url: String,
        /// Only these roles see it in the portal (repeat; none = every role).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Only staff of these agencies see it in the portal (repeat; none = every agency).
        #[arg(long = "agency")]
        agencies: Vec<String>,
        /// The information system whose client-credentials tokens act in the gateway.
        #[arg(long)]
        system: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check the hash chain of the audit log; exits non-zero naming the first broken entry.
    Verify,
}

#[derive(Subcommand)]
enum DatasetAction {
    /// Create a dataset from a JSON or TOML definition file (by extension).
    Create {
        #[arg(long)]
        file: PathBuf,
    },
    /// List datasets with their latest version and quality.
    List,
}

#[derive(Subcommand)]
enum ApikeyAction {
    /// Create an API key for a user; the key is printed on the last line.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        /// read or read_write.
        #[arg(long, default_value = "read")]
        access: String,
        /// Narrow the key to this agency's subtree.
        #[arg(long)]
        agency: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user (e.g. the first system administrator). The password is
    /// taken from TINHSO_NEW_PASSWORD, or generated and printed.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        #[arg(long, default_value = "system_admin")]
        role: String,
        #[arg(long)]
        agency: Option<String>,
    },
}

fn load_config(common: &Common, listen: Option<&str>) -> anyhow::Result<Config> {
    let mut c = Config::default();
    let env: Vec<(String, String)> = std::env::vars().collect();
    // The data dir decides where the default config file is, so resolve it first.
    let data_dir =
        common.data_dir.clone().or_else(|| env.iter().find(|(k, _)| k == "TINHSO_DATA_DIR").map(|(_, v)| v.clone()));
    let file = common.config.clone().or_else(|| {
        let d = PathBuf::from(data_dir.clone().unwrap_or_else(|| "./tinhso-data".into()));
        Some(d.join("tinhso.toml")).filter(|p| p.exists())
    });
    if let Some(f) = &file {
        c.merge_file(f)?;
    }
    c.merge_env(env.into_iter())?;
    if let Some(d) = &common.data_dir {
        c.set_flag("data_dir", d)?;
    }
    if let Some(l) = listen {
        c.set_flag("listen", l)?;
    }
    Ok(c)
}

fn init_logging(c: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "{},sqlx=warn,buoyant_kernel=warn,deltalake_core=warn,datafusion=warn",
            c.log_level
        ))
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match c.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn open_store(c: &Config) -> anyhow::Result<Store> {
    if c.database_url.is_empty() {
        std::fs::create_dir_all(&c.data_dir).with_context(|| {
            format!("Không tạo được thư mục dữ liệu / cannot create the data directory {}", c.data_dir.display())
        })?;
    }
    Store::open(&c.database_url()).await.map_err(|e| anyhow!("{e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn open_warehouse(c: &Config, store: &Store) -> anyhow::Result<Warehouse> {
    std::fs::create_dir_all(&c.data_dir)
        .with_context(|| format!("Không tạo được thư mục dữ liệu / cannot create {}", c.data_dir.display()))?;
    Warehouse::open(store.clone(), &c.data_dir, &c.province_code).await.map_err(|e| anyhow!("{e}"))
}

/// The DX programme tracker with the configured review schedule and the built-in DTI frameworks.
async fn tracker_of(c: &Config, store: &Store, warehouse: &Warehouse) -> anyhow::Result<tinhso_dx::Tracker> {
    let schedule = tinhso_dx::Schedule {
        open_day: c.review_open_day,
        due_day: c.review_due_day,
        ..tinhso_dx::Schedule::default()
    };
    let tracker = tinhso_dx::Tracker::new(store.clone(), warehouse.clone(), schedule);
    tracker.install_builtins().await.map_err(|e| anyhow!("{e}"))?;
    Ok(tracker)
}

async fn serve(c: Config, store: Store, warehouse: Warehouse) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(c.listen)
        .await
        .with_context(|| format!("Không mở được cổng / cannot listen on {}", c.listen))?;
    let addr = listener.local_addr()?;
    println!("tinhso đang chạy tại / is running at http://{addr}");
    tracing::info!(%addr, province = %c.province_code, backend = ?store.backend(), "listening");
    let issuer = if c.public_url.is_empty() { format!("http://{addr}") } else { c.public_url.clone() };
    let mail = (!c.mail_host.is_empty()).then(|| tinhso_ioc::MailConfig {
        host: c.mail_host.clone(),
        port: c.mail_port,
        security: c.mail_security.clone(),
        username: c.mail_username.clone(),
        password: c.mail_password.clone(),
        from: c.mail_from.clone(),
    });
    let ioc = tinhso_ioc::Ioc::new(warehouse.clone(), mail, &issuer);
    let installed = ioc.install_builtins().await?;
    if installed > 0 {
        tracing::info!(installed, "built-in dashboards installed");
    }
    if c.alert_interval_seconds > 0 {
        let ioc = ioc.clone();
        let every = std::time::Duration::from_secs(c.alert_interval_seconds);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match ioc.check_alerts().await {
                    Ok(out) => {
                        let firing = out.iter().filter(|o| o.state == "firing").count();
                        tracing::debug!(rules = out.len(), firing, "alert rules checked");
                    }
                    Err(e) => tracing::warn!(error = %e.en, "alert check failed"),
                }
            }
        });
    }
    let tracker = tracker_of(&c, &store, &warehouse).await?;
    if c.dx_interval_seconds > 0 {
        let tracker = tracker.clone();
        let every = std::time::Duration::from_secs(c.dx_interval_seconds);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut computed: Option<chrono::NaiveDate> = None;
            loop {
                tick.tick().await;
                let now = tinhso_store::now();
                match tracker.tick(now).await {
                    Ok(done) if !done.is_empty() => tracing::info!(?done, "DX programme: scheduled work"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.en, "DX programme: scheduled work failed"),
                }
                // SQL KPIs are computed for the current month once a day.
                let day = tinhso_dx::review::vn_day(now);
                if computed != Some(day) {
                    computed = Some(day);
                    match tracker.compute_all(&tinhso_warehouse::Actor::system(), tinhso_dx::Month::of(day)).await {
                        Ok(failed) => {
                            for (code, e) in failed {
                                tracing::warn!(kpi = %code, error = %e.en, "KPI not computed");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e.en, "KPIs not computed"),
                    }
                }
            }
        });
    }
    let state = AppState {
        store: store.clone(),
        warehouse,
        ioc,
        tracker,
        sso: tinhso_sso::Provider::new(store.clone(), &issuer),
        config: WebConfig {
            province_code: c.province_code.clone(),
            session_ttl_secs: c.session_ttl_hours * 3600,
            secure_cookies: c.secure_cookies,
            rate_limit_per_minute: c.rate_limit_per_minute,
        },
    };
    tinhso_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

async fn run(cli: Cli, common: Common) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(a) => {
            let c = load_config(&common, a.listen.as_deref())?;
            init_logging(&c);
            let store = open_store(&c).await?;
            let wh = open_warehouse(&c, &store).await?;
            serve(c, store, wh).await
        }
        Command::Demo(a) => {
            let mut c = load_config(&common, a.listen.as_deref())?;
            c.province_code = demo::DEMO_PROVINCE.into();
            init_logging(&c);
            let store = open_store(&c).await?;
            let password = std::env::var("TINHSO_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
            let report = demo::seed(&store, password.as_deref()).await.map_err(|e| anyhow!("{e}"))?;
            println!("Tỉnh demo: Gia Lai (52) — {} cơ quan mới / new agencies", report.agencies_created);
            println!("Tài khoản demo / demo accounts:");
            for u in &report.users {
                let pw = u
                    .password
                    .clone()
                    .unwrap_or_else(|| "(đã có, giữ mật khẩu cũ / exists, password unchanged)".into());
                println!(
                    "  {:<16} {:<13} {:<10} {}",
                    u.username,
                    u.role.as_str(),
                    u.agency_code.as_deref().unwrap_or("-"),
                    pw
                );
            }
            let wh = open_warehouse(&c, &store).await?;
            let today = chrono::Utc::now().date_naive();
            let skip = std::env::var_os("TINHSO_DEMO_SKIP_WAREHOUSE").is_some();
            let n = if skip { 0 } else { demo_data::seed(&wh, today).await? };
            if n > 0 {
                println!("Kho dữ liệu demo / demo warehouse: {n} bộ dữ liệu mới / new datasets");
            }
            if !skip {
                demo_data::seed_gateway(&wh).await?;
            }
            let tracker = tracker_of(&c, &store, &wh).await?;
            if tinhso_dx::demo::seed(&tracker, tinhso_dx::review::vn_day(tinhso_store::now()))
                .await
                .map_err(|e| anyhow!("{e}"))?
            {
                println!(
                    "Chương trình chuyển đổi số demo / demo DX programme: kế hoạch, chỉ tiêu, 12 kỳ rà soát 2023, DTI"
                );
            }
            serve(c, store, wh).await
        }
        Command::Migrate => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            open_store(&c).await?;
            println!("Đã cập nhật cơ sở dữ liệu / database migrated");
            Ok(())
        }
        Command::Apikey { action: ApikeyAction::Create { user, name, access, agency } } => {
            let c = load_config(&common, None)?;
            let store = open_store(&c).await?;
            let owner = store
                .user_by_username(&user)
                .await
                .map_err(|e| anyhow!("{e}"))?
                .ok_or_else(|| anyhow!("Không có người dùng {user} / no such user {user}"))?;
            let access = ApiKeyAccess::parse(&access).map_err(|e| anyhow!("{e}"))?;
            let (key, secret) =
                store.create_api_key(&owner, &name, agency.as_deref(), access).await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "Khoá API «{}» của {} ({}) — chỉ hiện một lần / shown once:",
                key.name,
                owner.username,
                key.access.as_str()
            );
            println!("{secret}");
            Ok(())
        }
        Command::User { action: UserAction::Create { username, full_name, role, agency } } => {
            let c = load_config(&common, None)?;
            let store = open_store(&c).await?;
            let (password, generated) = match std::env::var("TINHSO_NEW_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (tinhso_store::credentials::random_hex(10), true),
            };
            Password::parse(&password).map_err(|e| anyhow!("{e}"))?;
            let input = UserInput {
                username,
                full_name,
                email: String::new(),
                role,
                agency_code: agency,
                password: password.clone(),
            };
            let u = store.create_user(Role::SystemAdmin, &Scope::Province, &input).await.map_err(|e| anyhow!("{e}"))?;
            println!("Đã tạo người dùng / created user {} ({})", u.username, u.role.as_str());
            if generated {
                println!("Mật khẩu / password: {password}");
            }
            Ok(())
        }
        Command::Dataset { action } => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            let store = open_store(&c).await?;
            let wh = open_warehouse(&c, &store).await?;
            match action {
                DatasetAction::Create { file } => warehouse_cli::create(&wh, &file).await,
                DatasetAction::List => warehouse_cli::list(&wh).await,
            }
        }
        Command::Ingest { slug, file, mode, sheet, no_progress } => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            let store = open_store(&c).await?;
            let wh = open_warehouse(&c, &store).await?;
            warehouse_cli::ingest(&wh, &slug, &file, &mode, sheet, !no_progress).await
        }
        Command::Oidc { action } => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            let store = open_store(&c).await?;
            let issuer = if c.public_url.is_empty() { format!("http://{}", c.listen) } else { c.public_url.clone() };
            let sso = tinhso_sso::Provider::new(store.clone(), &issuer);
            match action {
                OidcAction::RotateKey => {
                    let kid = sso.rotate_key().await.map_err(|e| anyhow!("{}", e.description()))?;
                    println!("Khoá ký mới / new signing key: {kid}");
                    Ok(())
                }
                OidcAction::Client {
                    action:
                        OidcClientAction::Create {
                            name,
                            redirect_uri,
                            post_logout_uri,
                            public,
                            first_party,
                            scopes,
                            home_url,
                            roles,
                            agencies,
                            system,
                        },
                } => {
                    for r in &roles {
                        Role::parse(r).map_err(|e| anyhow!("{e}"))?;
                    }
                    let known = tinhso_sso::SCOPES;
                    let scopes: Vec<String> = scopes.split_whitespace().map(str::to_string).collect();
                    if let Some(bad) = scopes.iter().find(|s| !known.contains(&s.as_str())) {
                        return Err(anyhow!(
                            "phạm vi không hỗ trợ / unsupported scope «{bad}» (known: {})",
                            known.join(" ")
                        ));
                    }
                    let system_id = match system {
                        Some(code) => Some(
                            store
                                .system_by_code(&code)
                                .await
                                .map_err(|e| anyhow!("{e}"))?
                                .ok_or_else(|| anyhow!("không có hệ thống / there is no system «{code}»"))?
                                .id,
                        ),
                        None => None,
                    };
                    let admin = store.user_by_username("admin").await.map_err(|e| anyhow!("{e}"))?.map(|u| u.id);
                    let input = tinhso_store::OidcClientInput {
                        name,
                        public,
                        redirect_uris: redirect_uri,
                        post_logout_uris: post_logout_uri,
                        scopes,
                        first_party,
                        home_url,
                        roles,
                        agencies,
                        system_id,
                    };
                    let (client, secret) = store.create_oidc_client(&input, admin).await.map_err(|e| anyhow!("{e}"))?;
                    println!(
                        "Ứng dụng / application «{}» ({})",
                        client.name,
                        if client.is_public() { "public" } else { "confidential" }
                    );
                    println!("{}", client.client_id);
                    if let Some(s) = secret {
                        println!("{s}");
                    }
                    Ok(())
                }
            }
        }
        Command::Audit { action: AuditAction::Verify } => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            let store = open_store(&c).await?;
            let v = store.verify_audit(Some(&c.data_dir.join("audit.head"))).await.map_err(|e| anyhow!("{e}"))?;
            match v.broken {
                None => {
                    println!(
                        "Nhật ký truy cập nguyên vẹn: {n} mục, chuỗi băm khớp.\nThe audit log is intact: {n} entries, the hash chain matches.",
                        n = v.entries
                    );
                    Ok(())
                }
                Some((seq, vi, en)) => Err(anyhow!(
                    "nhật ký truy cập bị can thiệp tại mục {seq} / the audit log was tampered with at entry {seq}\n{vi}\n{en}\n({} mục trước đó khớp / earlier entries match)",
                    v.entries
                )),
            }
        }
        Command::Report { action: ReportAction::Monthly { month, out, issuer, signer } } => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            let m = tinhso_dx::Month::parse("month", &month).map_err(|e| anyhow!("{} / {}", e.vi, e.en))?;
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if ext != "docx" && ext != "xlsx" {
                return Err(anyhow!(
                    "tệp kết quả phải có đuôi .docx hoặc .xlsx / the output must end in .docx or .xlsx: {}",
                    out.display()
                ));
            }
            let store = open_store(&c).await?;
            let wh = open_warehouse(&c, &store).await?;
            let tracker = tracker_of(&c, &store, &wh).await?;
            let opts = tinhso_dx::report::Options { issuer, signer_name: signer, ..Default::default() };
            let report = tracker
                .monthly_report(&tinhso_warehouse::Actor::system(), m, &opts)
                .await
                .map_err(|e| anyhow!("{} / {}", e.vi, e.en))?;
            let bytes = if ext == "docx" { report.docx() } else { report.xlsx() }
                .map_err(|e| anyhow!("{} / {}", e.vi, e.en))?;
            // Written beside the target, then renamed: an interrupted run leaves no half file.
            let tmp = out.with_extension(format!("{ext}.part"));
            std::fs::write(&tmp, &bytes).with_context(|| format!("không ghi được / cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &out).with_context(|| format!("không ghi được / cannot write {}", out.display()))?;
            println!("{} ({} bytes)", out.display(), bytes.len());
            store.close().await;
            Ok(())
        }
        Command::Sql { sql } => {
            let c = load_config(&common, None)?;
            init_logging(&c);
            let store = open_store(&c).await?;
            let wh = open_warehouse(&c, &store).await?;
            warehouse_cli::sql(&wh, &sql).await
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let common = cli.common.clone();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tinhso: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli, common)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tinhso: {e:#}");
            ExitCode::FAILURE
        }
    }
}
