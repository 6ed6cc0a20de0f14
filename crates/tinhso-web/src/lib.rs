//! The HTTP edge of tinhso: axum routes, HTML pages (askama + htmx), the JSON
//! API, authentication (session cookies, API keys), CSRF, metrics and health.
//!
//! This is the only crate that knows HTTP, HTML and the wire format: it
//! parses a request into domain values, calls the store, renders the result.
//! The OpenAPI document of the JSON API is generated from the handlers (`openapi.rs`).

mod api;
mod assets;
mod auth;
mod ckan;
mod dashboard_pages;
mod dashboards;
mod datasets;
mod dx;
mod dx_pages;
mod error;
mod gateway;
mod gateway_pages;
mod import;
mod oidc;
mod openapi;
mod ops;
mod pages;
mod project_pages;
mod projects;
mod warehouse_pages;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tinhso_store::Store;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

pub use error::problem_json;
pub use openapi::{document, document_json};

/// The largest upload accepted (agency and user imports).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The deployment's province (GSO code, e.g. "52").
    pub province_code: String,
    /// How long a login session lasts.
    pub session_ttl_secs: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Requests per minute per API key unless the key sets its own.
    pub rate_limit_per_minute: i64,
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub warehouse: tinhso_warehouse::Warehouse,
    /// The OpenID Connect provider (single sign-on).
    pub sso: tinhso_sso::Provider,
    /// IOC dashboards and alerts.
    pub ioc: tinhso_ioc::Ioc,
    /// The DX programme tracker.
    pub tracker: tinhso_dx::Tracker,
    pub config: WebConfig,
}

/// The whole application as a router.
pub fn router(state: AppState) -> Router {
    let x_request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(pages::routes())
        .merge(datasets::routes())
        .merge(gateway::routes())
        .merge(gateway_pages::routes())
        .merge(dashboards::routes())
        .merge(dashboard_pages::routes())
        .merge(dx::routes())
        .merge(dx_pages::routes())
        .merge(projects::routes())
        .merge(project_pages::routes())
        .merge(ckan::routes())
        .merge(warehouse_pages::routes())
        .merge(api::routes())
        .merge(oidc::routes())
        .merge(ops::routes())
        .merge(openapi::routes())
        .merge(assets::routes())
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(axum::middleware::from_fn(ops::track))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .layer(axum::middleware::from_fn(ops::timeout_unless_upload))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then
/// finishes the requests in flight (graceful shutdown).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    ops::install_metrics();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
