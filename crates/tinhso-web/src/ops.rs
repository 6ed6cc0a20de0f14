//! Operations: `/healthz`, Prometheus `/metrics`, request metrics and security headers.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder once.
pub fn install_metrics() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
            .expect("static buckets")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (several apps in one test
        // process); this handle then stays empty but valid.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics_text))
}

/// Whether the service can serve.
#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok` or `unavailable`.
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
    /// `ok` or `unreachable`.
    #[schema(value_type = String, example = "ok")]
    database: &'static str,
}

/// Tình trạng — Health
///
/// For load balancers and probes: checks the database. Public.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "ops",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "The database is unreachable", body = Health),
    )
)]
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(Health { status: "ok", database: "ok" })).into_response(),
        Err(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(Health { status: "unavailable", database: "unreachable" }))
                .into_response()
        }
    }
}

/// Số đo — Metrics
///
/// Request counts and durations by method, route pattern and status, in the
/// Prometheus text format. Public.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "ops",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
async fn metrics_text() -> Response {
    let body = install_metrics().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Counts requests and their duration by method, route pattern and status.
/// The route pattern (`/api/v1/agencies/{id}`), never the path, so that no
/// identifier or personal data reaches the metrics.
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("tinhso_http_requests_total", &labels).increment(1);
    metrics::histogram!("tinhso_http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    resp
}

/// Conservative browser security headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    resp
}

/// How long a request may take, except dataset uploads: a large file over a
/// slow link, and its ingest, may take longer (their size is capped instead).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Answers 408 to a request that takes longer than [`REQUEST_TIMEOUT`], uploads excepted.
pub async fn timeout_unless_upload(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let upload = req.method() == axum::http::Method::POST
        && (path.starts_with("/api/v1/datasets/") || path.starts_with("/datasets/"))
        && (path.ends_with("/versions") || path.ends_with("/upload"));
    if upload {
        return next.run(req).await;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}
