//! Static assets embedded in the binary: the stylesheet, the app script, htmx,
//! and for dashboards Apache ECharts, `dashboard.js`/`.css` and the boundaries
//! (the 34 provinces, the demo province's communes).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

const APP_CSS: &str = include_str!("../assets/app.css");
const APP_JS: &str = include_str!("../assets/app.js");
const HTMX: &str = include_str!("../assets/vendor/htmx-2.0.11.min.js");
const ECHARTS: &str = include_str!("../assets/vendor/echarts-6.1.0.min.js");
const DASHBOARD_JS: &str = include_str!("../assets/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("../assets/dashboard.css");
const GEO_PROVINCES: &str = include_str!("../assets/geo/provinces.json");
const GEO_COMMUNES: &str = include_str!("../assets/geo/communes.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/assets/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/assets/htmx.min.js", get(|| async { asset("text/javascript; charset=utf-8", HTMX) }))
        .route("/assets/echarts.min.js", get(|| async { asset("text/javascript; charset=utf-8", ECHARTS) }))
        .route("/assets/dashboard.js", get(|| async { asset("text/javascript; charset=utf-8", DASHBOARD_JS) }))
        .route("/assets/dashboard.css", get(|| async { asset("text/css; charset=utf-8", DASHBOARD_CSS) }))
        .route("/assets/geo/provinces.json", get(|| async { asset("application/json", GEO_PROVINCES) }))
        .route("/assets/geo/communes.json", get(|| async { asset("application/json", GEO_COMMUNES) }))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
