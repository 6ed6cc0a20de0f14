//! The gateway benchmark's baseline: `GET /rows/{key}` answers one row of a CSV
//! file from a `HashMap`, as JSON shaped like tinhso's keyed read, and does
//! nothing else: no API key, no grant, no masking, no audit entry. It is what
//! the same axum, tokio and serde_json cost on their own, so that the ratio
//! against it measures what tinhso's gateway adds.
//!
//!     gateway-baseline DATASET ROWS.csv KEY_COLUMN PORT
//!
//! Cells are JSON strings (null when empty). It prints `listening on
//! 127.0.0.1:PORT` once ready.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};

struct Rows {
    dataset: String,
    by_key: HashMap<String, Map<String, Value>>,
}

#[derive(Serialize)]
struct RowDto {
    dataset: String,
    version: i64,
    key: String,
    masked: Vec<String>,
    row: Map<String, Value>,
}

async fn row(State(rows): State<Arc<Rows>>, Path(key): Path<String>) -> Result<Json<RowDto>, StatusCode> {
    // Cloned per request, as tinhso builds each answer's cells from its key index.
    let row = rows.by_key.get(&key).ok_or(StatusCode::NOT_FOUND)?.clone();
    Ok(Json(RowDto { dataset: rows.dataset.clone(), version: 1, key, masked: Vec::new(), row }))
}

fn load(dataset: &str, path: &str, key_column: &str) -> Result<Rows, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let header: Vec<String> = r.headers().map_err(|e| format!("{path}: {e}"))?.iter().map(str::to_string).collect();
    let key_at = header.iter().position(|h| h == key_column).ok_or(format!("{path}: no column {key_column}"))?;
    let mut by_key = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{path}: {e}"))?;
        let mut m = Map::new();
        for (i, name) in header.iter().enumerate() {
            let cell = &rec[i];
            m.insert(name.clone(), if cell.is_empty() { Value::Null } else { Value::String(cell.to_string()) });
        }
        by_key.insert(rec[key_at].to_string(), m);
    }
    Ok(Rows { dataset: dataset.to_string(), by_key })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dataset, path, key_column, port] = &args[..] else {
        eprintln!("usage: gateway-baseline DATASET ROWS.csv KEY_COLUMN PORT");
        std::process::exit(2);
    };
    let rows = load(dataset, path, key_column).unwrap_or_else(|e| {
        eprintln!("gateway-baseline: {e}");
        std::process::exit(1);
    });
    let n = rows.by_key.len();
    let app = Router::new().route("/rows/{key}", get(row)).with_state(Arc::new(rows));
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.unwrap_or_else(|e| {
        eprintln!("gateway-baseline: cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1);
    });
    println!("{n} rows; listening on {}", listener.local_addr().expect("bound"));
    axum::serve(listener, app).await.expect("server");
}
