//! The OpenAPI document: committed at `docs/openapi.json` and current, with an
//! operation for every route the router serves under `/api/v1/`, and served
//! as JSON and as the HTML reference.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::Value;

use super::{client, spawn};

const REGENERATE: &str = "UPDATE_OPENAPI=1 cargo test -p tinhso-web openapi";

fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn openapi_document_is_committed_and_current() {
    let generated = tinhso_web::document_json();
    let path = committed_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed.lines().zip(generated.lines()).position(|(a, b)| a != b).map(|i| i + 1);
        panic!(
            "docs/openapi.json is not the document the code generates (first difference at line {}).\n\
             Regenerate it with `{REGENERATE}` and review the diff.",
            line.map_or("end".to_string(), |l| l.to_string())
        );
    }
}

/// `(METHOD, path)` of every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(tinhso_web::document()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// `(METHOD, path)` of every `.route("/api/v1/…", get(…).post(…))` in the
/// crate's sources, whichever file registers it.
fn routed() -> BTreeSet<(String, String)> {
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut out = BTreeSet::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&p).unwrap();
        for (at, _) in src.match_indices(".route(") {
            let call = &src[at + ".route(".len()..];
            let Some(rest) = call.trim_start().strip_prefix('"') else { continue };
            let path = &rest[..rest.find('"').unwrap()];
            if !path.starts_with("/api/v1/") {
                continue;
            }
            // The method router: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let end = call
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let methods = &call[..end];
            let mut found = false;
            for method in ["get", "put", "post", "delete", "patch"] {
                let called = methods.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0 || !methods.as_bytes()[i - 1].is_ascii_alphanumeric() && methods.as_bytes()[i - 1] != b'_'
                });
                if called {
                    out.insert((method.to_uppercase(), path.to_string()));
                    found = true;
                }
            }
            assert!(found, "{}: no method found for route {path}", p.display());
        }
    }
    out
}

#[test]
fn openapi_documents_every_api_v1_route() {
    let routed = routed();
    // Guards the scan itself: the routes of api.rs and datasets.rs at least.
    assert!(routed.len() >= 24, "the source scan found only {routed:?}");
    let documented = documented();
    let missing: Vec<_> = routed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes without an operation in the OpenAPI document: {missing:?}\n\
         Annotate each handler with #[utoipa::path(...)], list it in paths(...) in src/openapi.rs, \
         then run `{REGENERATE}`."
    );
}

/// A value for a path parameter.
fn sample(param: &str) -> &'static str {
    match param {
        "id" | "n" => "1",
        "code" => "21550",
        _ => "khong-co",
    }
}

#[tokio::test]
async fn openapi_operations_are_all_served() {
    let app = spawn().await;
    let c = client();
    for (method, path) in documented() {
        let url = path
            .split('/')
            .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) => sample(p),
                None => seg,
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = c.request(method.parse().unwrap(), app.url(&url)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: documented but not routed");
        assert!(!body.contains("No such API endpoint"), "{method} {path}: documented but not routed");
        assert!(status.as_u16() < 500, "{method} {path}: {status} {body}");
    }
}

#[tokio::test]
async fn openapi_json_and_docs_page_are_served() {
    let app = spawn().await;
    let r = client().get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.text().await.unwrap(), tinhso_web::document_json());
    let doc: Value = serde_json::from_str(&tinhso_web::document_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let r = client().get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Tài liệu API") && html.contains("API reference"));
    for (method, path) in documented() {
        assert!(html.contains(&format!("{method}</span> {path}</code>")), "{method} {path} missing from /api/docs");
    }
    assert!(html.contains("id=\"schema-Problem\"") && html.contains("application/problem+json"));
    assert!(!html.contains("<script"), "the reference needs no script");
}

/// The schema's `properties` of component `name`.
fn properties(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["properties"].as_object().unwrap().keys().cloned().collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// The definition is the warehouse's format; its schema is written by hand in
/// `datasets.rs` and must describe every key the warehouse reads and writes.
#[test]
fn openapi_definition_schema_follows_the_warehouse() {
    let full = serde_json::json!({
        "slug": "truong-hoc", "name": "Trường học", "name_en": "Schools", "zone": "shared", "owner": "SGDDT",
        "sector": "Giáo dục", "description": "Danh sách", "frequency": "yearly", "key": ["ma"],
        "coverage": {"field": "xa", "level": "commune"}, "policy": {"max_reject_share": 0.2}, "demo": true,
        "fields": [
            {"name": "ma", "label": "Mã", "label_en": "Code", "type": "text", "required": true, "personal": "none",
             "min_length": 2, "max_length": 10, "pattern": "^[A-Z0-9]+$", "aliases": ["Mã trường"], "description": "Mã"},
            {"name": "loai", "type": "enum", "values": ["công lập", "tư thục"]},
            {"name": "hoc_sinh", "type": "integer", "min": 0, "max": 10000},
            {"name": "xa", "type": "admin_unit"},
            {"name": "ngay_sinh", "type": "date"},
            {"name": "ngay_vao", "type": "date", "not_before": "ngay_sinh"},
            {"name": "cccd", "type": "cccd", "personal": "sensitive", "birth_date_field": "ngay_sinh"},
            {"name": "truong_me", "type": "reference", "references": "truong-hoc"}
        ]
    });
    let def = tinhso_warehouse::Definition::parse(&full.to_string(), false).unwrap();
    let written = serde_json::to_value(&def).unwrap();
    let doc = serde_json::to_value(tinhso_web::document()).unwrap();
    assert_eq!(keys(&written), properties(&doc, "DatasetDefinition"));
    let field_keys: BTreeSet<String> = written["fields"].as_array().unwrap().iter().flat_map(keys).collect();
    assert_eq!(field_keys, properties(&doc, "DatasetField"));
    assert_eq!(keys(&written["coverage"]), properties(&doc, "Coverage"));
    assert_eq!(keys(&written["policy"]), properties(&doc, "Policy"));
    let enum_values =
        |name: &str| -> Vec<Value> { doc["components"]["schemas"][name]["enum"].as_array().unwrap().clone() };
    let types: Vec<&str> = tinhso_warehouse::FieldType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(enum_values("FieldType"), types.iter().map(|t| Value::from(*t)).collect::<Vec<_>>());
    for v in enum_values("Zone") {
        serde_json::from_value::<tinhso_warehouse::Zone>(v).unwrap();
    }
    for v in enum_values("Frequency") {
        serde_json::from_value::<tinhso_warehouse::Frequency>(v).unwrap();
    }
    for v in enum_values("Role") {
        tinhso_domain::Role::parse(v.as_str().unwrap()).unwrap();
    }
    for v in enum_values("Personal") {
        serde_json::from_value::<tinhso_warehouse::Personal>(v).unwrap();
    }
}
