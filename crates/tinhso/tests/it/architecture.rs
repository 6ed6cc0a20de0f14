//! Architecture checks: dependencies point inwards, and every source file
//! says what it is for on its first line.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// For each crate, the crates (internal and external) it must never depend on.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "tinhso-domain",
        &[
            "tinhso-store",
            "tinhso-warehouse",
            "tinhso-ioc",
            "tinhso-dx",
            "tinhso-web",
            "tinhso",
            "sqlx",
            "axum",
            "tokio",
            "askama",
            "serde",
            "arrow",
            "datafusion",
            "deltalake",
            "utoipa",
        ],
    ),
    (
        "tinhso-store",
        &[
            "tinhso-warehouse",
            "tinhso-ioc",
            "tinhso-dx",
            "tinhso-web",
            "tinhso",
            "axum",
            "askama",
            "tower-http",
            "deltalake",
            "utoipa",
        ],
    ),
    // The OpenAPI document describes the wire format, which only the web crate owns.
    (
        "tinhso-warehouse",
        &["tinhso-web", "tinhso-sso", "tinhso-ioc", "tinhso-dx", "tinhso", "axum", "askama", "tower-http", "utoipa"],
    ),
    (
        "tinhso-sso",
        &["tinhso-warehouse", "tinhso-web", "tinhso", "axum", "askama", "tower-http", "deltalake", "utoipa"],
    ),
    // Dashboards read the warehouse through its SQL (and so its access rules); HTTP is the web crate's.
    ("tinhso-ioc", &["tinhso-web", "tinhso-sso", "tinhso", "axum", "askama", "tower-http", "deltalake", "utoipa"]),
    // The tracker reads the warehouse through its SQL too; it knows no HTTP and no dashboards.
    (
        "tinhso-dx",
        &["tinhso-web", "tinhso-sso", "tinhso-ioc", "tinhso", "axum", "askama", "tower-http", "deltalake", "utoipa"],
    ),
    ("tinhso-web", &["tinhso"]),
];

fn dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            // Only normal dependencies count; tests may use anything.
            in_deps = l == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some((name, _)) = l.split_once('=') {
                deps.push(name.trim().split('.').next().unwrap().to_string());
            }
        }
    }
    deps
}

#[test]
fn dependencies_point_inwards() {
    for (krate, forbidden) in FORBIDDEN {
        let deps = dependencies(krate);
        assert!(!deps.is_empty() || *krate == "tinhso-domain", "{krate} has no dependencies?");
        for f in *forbidden {
            assert!(!deps.iter().any(|d| d == f), "{krate} must not depend on {f} (see ARCHITECTURE.md)");
        }
    }
}

#[test]
fn every_source_file_opens_with_a_doc_line() {
    let mut missing = Vec::new();
    let mut stack = vec![root().join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                if !text.starts_with("//!") {
                    missing.push(p.display().to_string());
                }
            }
        }
    }
    assert!(missing.is_empty(), "files without a `//!` first line: {missing:?}");
}

#[test]
fn every_message_key_in_templates_exists() {
    let dir = root().join("crates/tinhso-web/templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        for part in text.split("c.t(\"").skip(1) {
            let key = part.split('"').next().unwrap();
            assert!(tinhso_domain::Msg::has(key), "{}: unknown message key {key}", p.display());
        }
    }
}
