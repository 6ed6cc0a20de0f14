//! The CKAN-compatible catalogue and the DCAT-AP export over HTTP, as a
//! harvester or another portal would call them.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_store::ApiKeyAccess;

use super::{client, spawn, App};

/// Three datasets: two open (one with an uploaded version), one shared with a personal-data field.
async fn seed(app: &App) -> String {
    let dx = app.key("dx-office", ApiKeyAccess::ReadWrite).await;
    let defs = [
        json!({"slug": "diem-du-lich", "name": "Điểm du lịch", "name_en": "Tourism sites", "zone": "open",
               "owner": "SVHTTDL", "sector": "Du lịch", "description": "Các điểm du lịch và di tích của tỉnh.",
               "frequency": "yearly", "key": ["ma_diem"],
               "fields": [{"name": "ma_diem", "type": "text", "required": true}, {"name": "ten_diem", "type": "text"}]}),
        json!({"slug": "vung-thien-tai", "name": "Vùng thường xảy ra thiên tai", "name_en": "Disaster-prone areas",
               "zone": "open", "owner": "SNNMT", "sector": "Phòng, chống thiên tai", "frequency": "monthly",
               "fields": [{"name": "ma_vung", "type": "text"}]}),
        json!({"slug": "co-so-y-te", "name": "Cơ sở y tế", "name_en": "Health facilities", "zone": "shared",
               "owner": "SYT", "sector": "Y tế", "frequency": "quarterly",
               "fields": [{"name": "ma_co_so", "type": "text"}, {"name": "cccd_giam_doc", "type": "cccd", "personal": "basic"}]}),
    ];
    for d in defs {
        let r = client().post(app.url("/api/v1/datasets")).bearer_auth(&dx).json(&d).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    let r = client()
        .post(app.url("/api/v1/datasets/diem-du-lich/versions"))
        .bearer_auth(&dx)
        .header("content-type", "text/csv")
        .body("ma_diem,ten_diem\nD01,Biển Quy Nhơn\nD02,Tháp Đôi\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    dx
}

/// `GET /api/3/action/{action}?{query}`, optionally with a Bearer key: status and body.
async fn get(app: &App, action_and_query: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = client().get(app.url(&format!("/api/3/action/{action_and_query}")));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    (status, r.json().await.unwrap())
}

/// What `ckanapi` sends: a JSON POST to the unversioned path, the key as a bare `Authorization` header.
async fn post(app: &App, action: &str, body: Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = client().post(app.url(&format!("/api/action/{action}"))).json(&body);
    if let Some(k) = key {
        req = req.header("authorization", k);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|n| n.as_str().or_else(|| n["name"].as_str()).unwrap()).collect()
}

fn assert_ckan_error(status: StatusCode, v: &Value, expect_status: u16, expect_type: &str) {
    assert_eq!(status.as_u16(), expect_status, "{v}");
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(v["error"]["__type"], expect_type, "{v}");
    assert!(v["help"].as_str().unwrap().contains("/api/3/action/help_show?name="));
}

#[tokio::test]
async fn package_list_shows_the_public_the_open_zone_and_staff_more() {
    let app = spawn().await;
    let dx = seed(&app).await;
    let (s, v) = get(&app, "package_list", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["success"], true);
    assert_eq!(v["help"], format!("{}/api/3/action/help_show?name=package_list", app.base));
    assert_eq!(names(&v["result"]), ["diem-du-lich", "vung-thien-tai"]);
    // With an API key (Bearer, or the bare header ckanapi sends) or a session: every entry.
    let (_, v) = get(&app, "package_list", Some(&dx)).await;
    assert_eq!(names(&v["result"]), ["co-so-y-te", "diem-du-lich", "vung-thien-tai"]);
    let (_, v) = post(&app, "package_list", json!({"limit": 2, "offset": 1}), Some(&dx)).await;
    assert_eq!(names(&v["result"]), ["diem-du-lich", "vung-thien-tai"]);
    let session = app.login("dx-office").await;
    let v: Value = session.get(app.url("/api/3/action/package_list")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["result"].as_array().unwrap().len(), 3);
    // A cookie on a POST without its CSRF token (a cross-site form) counts for nothing.
    let v: Value = session
        .post(app.url("/api/3/action/package_list"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&v["result"]), ["diem-du-lich", "vung-thien-tai"]);
    // A data officer sees the catalogue entries too (rows stay behind may_read).
    let officer = app.key("health-officer", ApiKeyAccess::Read).await;
    let (_, v) = get(&app, "package_list", Some(&officer)).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 3);
    // A wrong key is refused, not taken for anonymous.
    let (s, v) = get(&app, "package_list", Some("tsk_nope_nope")).await;
    assert_ckan_error(s, &v, 403, "Authorization Error");
    let (s, v) = post(&app, "package_list", json!({}), Some("tsk_nope_nope")).await;
    assert_ckan_error(s, &v, 403, "Authorization Error");
}

#[tokio::test]
async fn package_show_maps_the_dataset_and_hides_restricted_ones() {
    let app = spawn().await;
    let dx = seed(&app).await;
    let (s, v) = get(&app, "package_show?id=diem-du-lich", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p = &v["result"];
    assert_eq!((p["name"].as_str(), p["id"].as_str()), (Some("diem-du-lich"), Some("diem-du-lich")));
    assert_eq!(p["title"], "Điểm du lịch");
    assert_eq!(p["notes"], "Các điểm du lịch và di tích của tỉnh.");
    assert_eq!(p["private"], false);
    assert_eq!(p["organization"]["name"], "svhttdl");
    assert_eq!(p["organization"]["title"], "Sở Văn hóa, Thể thao và Du lịch");
    assert_eq!(p["version"], "1");
    let modified = p["metadata_modified"].as_str().unwrap();
    assert!(modified.len() == 26 && modified.as_bytes()[10] == b'T', "{modified}");
    let extra = |k: &str| p["extras"].as_array().unwrap().iter().find(|e| e["key"] == k).map(|e| e["value"].clone());
    assert_eq!(extra("zone"), Some(json!("open")));
    assert_eq!(extra("sector"), Some(json!("Du lịch")));
    assert_eq!(extra("frequency"), Some(json!("yearly")));
    for q in ["quality_correct", "quality_complete", "quality_clean", "quality_live", "quality_score"] {
        assert!(extra(q).and_then(|v| v.as_str()?.parse::<i64>().ok()).is_some(), "{q}");
    }
    assert_eq!(p["tags"][0]["name"], "Du lịch");
    assert_eq!(p["num_resources"], 3);
    let res = p["resources"].as_array().unwrap();
    assert_eq!(res[0]["id"], "diem-du-lich-csv");
    assert_eq!(res[0]["url"], format!("{}/api/v1/datasets/diem-du-lich/rows?format=csv&limit=100000", app.base));
    assert_eq!(res[1]["url"], format!("{}/api/v1/datasets/diem-du-lich/rows?format=json&limit=10000", app.base));
    assert_eq!(res[2]["format"], "Parquet");
    // Never a row: the uploaded values do not appear.
    assert!(!v.to_string().contains("Tháp Đôi"));

    // A restricted dataset answers exactly as one that does not exist.
    let (s, hidden) = get(&app, "package_show?id=co-so-y-te", None).await;
    assert_ckan_error(s, &hidden, 404, "Not Found Error");
    let (s, missing) = get(&app, "package_show?id=khong-co", None).await;
    assert_ckan_error(s, &missing, 404, "Not Found Error");
    let msg = |v: &Value, slug: &str| v["error"]["message"].as_str().unwrap().replace(slug, "…");
    assert_eq!(msg(&hidden, "co-so-y-te"), msg(&missing, "khong-co"));
    assert!(msg(&hidden, "co-so-y-te").contains("Không") && msg(&hidden, "co-so-y-te").contains("Not found"));
    assert!(!hidden.to_string().contains("Sở Y tế"));
    // Staff see it, marked private, with no personal-data field named anywhere.
    let (s, v) = get(&app, "package_show?id=co-so-y-te", Some(&dx)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"]["private"], true);
    assert!(!v.to_string().contains("cccd"));

    // Links follow the Host the caller used (and the scheme a proxy reports).
    let r = client()
        .get(app.url("/api/3/action/package_show?id=vung-thien-tai"))
        .header("host", "dulieu.gialai.gov.vn")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["result"]["resources"][0]["url"],
        "https://dulieu.gialai.gov.vn/api/v1/datasets/vung-thien-tai/rows?format=csv&limit=100000"
    );
}

#[tokio::test]
async fn package_search_ignores_diacritics_and_filters_by_organization() {
    let app = spawn().await;
    let dx = seed(&app).await;
    let found = |v: &Value| names(&v["result"]["results"]).into_iter().map(str::to_string).collect::<Vec<_>>();
    for q in ["du%20l%E1%BB%8Bch", "du%20lich", "DU+LICH"] {
        let (s, v) = get(&app, &format!("package_search?q={q}"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(found(&v), ["diem-du-lich"], "{q}");
        assert_eq!(v["result"]["count"], 1);
    }
    let (_, v) = get(&app, "package_search?q=thi%C3%AAn%20tai", None).await;
    assert_eq!(found(&v), ["vung-thien-tai"]);
    let (_, v) = get(&app, "package_search?fq=organization:svhttdl", None).await;
    assert_eq!(found(&v), ["diem-du-lich"]);
    // The public never finds a restricted dataset; staff do.
    let (_, v) = get(&app, "package_search?q=y%20te", None).await;
    assert_eq!(v["result"]["count"], 0);
    let (_, v) = get(&app, "package_search?q=y%20te", Some(&dx)).await;
    assert_eq!(found(&v), ["co-so-y-te"]);
    let (_, v) = get(&app, "package_search?fq=organization:syt&include_private=false", Some(&dx)).await;
    assert_eq!(v["result"]["count"], 0);
    // How ckanext-harvest pages through a catalogue.
    let (_, v) = get(
        &app,
        "package_search?rows=1&start=1&sort=id+asc&fq=organization:svhttdl%20OR%20organization:snnmt%20metadata_modified:%5B2020-01-01T00:00:00Z%20TO%20*%5D",
        None,
    )
    .await;
    assert_eq!((v["result"]["count"].as_u64(), found(&v)), (Some(2), vec!["vung-thien-tai".to_string()]));
    // As ckanapi posts it, with facets.
    let (s, v) =
        post(&app, "package_search", json!({"q": "", "facet.field": ["organization"], "rows": 10}), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"]["count"], 2);
    assert_eq!(v["result"]["facets"]["organization"], json!({"snnmt": 1, "svhttdl": 1}));
    assert_eq!(v["result"]["results"][0]["resources"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn organizations_and_resources_follow_what_the_caller_may_see() {
    let app = spawn().await;
    let dx = seed(&app).await;
    let (s, v) = get(&app, "organization_list", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"], json!(["snnmt", "svhttdl"]));
    let (_, v) = get(&app, "organization_list?all_fields=true", None).await;
    let first = &v["result"][0];
    assert_eq!((first["name"].as_str(), first["package_count"].as_u64()), (Some("snnmt"), Some(1)));
    assert_eq!(first["title"], "Sở Nông nghiệp và Môi trường");
    assert_eq!(first["is_organization"], true);
    let (_, v) = get(&app, "organization_list", Some(&dx)).await;
    assert_eq!(v["result"], json!(["snnmt", "svhttdl", "syt"]));

    let (s, v) = get(&app, "organization_show?id=svhttdl&include_datasets=true", None).await;
    assert_eq!(s, StatusCode::OK);
    let o = &v["result"];
    assert_eq!((o["title"].as_str(), o["package_count"].as_u64()), (Some("Sở Văn hóa, Thể thao và Du lịch"), Some(1)));
    assert_eq!(o["packages"][0]["name"], "diem-du-lich");
    let (s, v) = get(&app, "organization_show?id=SVHTTDL", None).await;
    assert_eq!((s, v["result"].get("packages")), (StatusCode::OK, None));
    let (s, v) = get(&app, "organization_show?id=syt", None).await;
    assert_ckan_error(s, &v, 404, "Not Found Error");
    let (s, _) = get(&app, "organization_show?id=syt", Some(&dx)).await;
    assert_eq!(s, StatusCode::OK);

    let (s, v) = get(&app, "resource_show?id=diem-du-lich-parquet", None).await;
    assert_eq!(s, StatusCode::OK);
    let r = &v["result"];
    assert_eq!((r["package_id"].as_str(), r["format"].as_str()), (Some("diem-du-lich"), Some("Parquet")));
    assert_eq!(r["url"], format!("{}/api/v1/datasets/diem-du-lich/rows?format=parquet&limit=100000", app.base));
    for id in ["co-so-y-te-csv", "diem-du-lich-xlsx", "diem-du-lich"] {
        let (s, v) = get(&app, &format!("resource_show?id={id}"), None).await;
        assert_ckan_error(s, &v, 404, "Not Found Error");
    }
    let (s, _) = get(&app, "resource_show?id=co-so-y-te-csv", Some(&dx)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn unknown_actions_and_bad_parameters_answer_in_ckan_shape() {
    let app = spawn().await;
    seed(&app).await;
    let (s, v) = get(&app, "package_create", None).await;
    assert_ckan_error(s, &v, 400, "Bad request");
    assert!(v["error"]["message"].as_str().unwrap().contains("Action name not known: package_create"));
    let (s, v) = post(&app, "package_delete", json!({"id": "diem-du-lich"}), None).await;
    assert_ckan_error(s, &v, 400, "Bad request");
    let (s, v) = get(&app, "package_show", None).await;
    assert_ckan_error(s, &v, 409, "Validation Error");
    assert!(v["error"]["id"][0].as_str().unwrap().contains("Missing value"));
    let (s, v) = get(&app, "package_search?rows=nhieu", None).await;
    assert_ckan_error(s, &v, 409, "Validation Error");
    let (s, v) = get(&app, "package_search?fq=author:ai", None).await;
    assert_ckan_error(s, &v, 400, "Search Query Error");
    let r = client().post(app.url("/api/3/action/package_list")).body("{not json").send().await.unwrap();
    let s = r.status();
    assert_ckan_error(s, &r.json().await.unwrap(), 400, "Bad request");
    let (s, v) = get(&app, "help_show?name=package_search", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["result"].as_str().unwrap().contains("organization:"));
    let (s, v) = get(&app, "status_show", None).await;
    assert_eq!((s, v["result"]["ckan_version"].as_str()), (StatusCode::OK, Some("2.10.0")));
    let v: Value = client().get(app.url("/api/3")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({"version": 3}));
}

#[tokio::test]
async fn dcat_export_lists_the_open_zone_whoever_asks() {
    let app = spawn().await;
    let dx = seed(&app).await;
    for key in [None, Some(dx.as_str())] {
        let mut req = client().get(app.url("/api/v1/catalogue/dcat.jsonld"));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/ld+json");
        let doc: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        for prefix in ["dcat", "dct", "foaf", "vcard", "xsd"] {
            assert!(doc["@context"][prefix].as_str().unwrap().starts_with("http"), "{prefix}");
        }
        assert_eq!(doc["@type"], "dcat:Catalog");
        let langs: Vec<&str> =
            doc["dct:title"].as_array().unwrap().iter().map(|t| t["@language"].as_str().unwrap()).collect();
        assert_eq!(langs, ["vi", "en"]);
        assert_eq!(doc["dct:publisher"]["foaf:name"][0]["@value"], "Tỉnh Gia Lai");
        let ds = doc["dcat:dataset"].as_array().unwrap();
        let ids: Vec<&str> = ds.iter().map(|d| d["dct:identifier"].as_str().unwrap()).collect();
        assert_eq!(ids, ["diem-du-lich", "vung-thien-tai"]);
        for d in ds {
            for k in [
                "dct:title",
                "dct:description",
                "dct:publisher",
                "dcat:keyword",
                "dcat:theme",
                "dct:accrualPeriodicity",
                "dct:modified",
                "dcat:distribution",
            ] {
                assert!(!d[k].is_null(), "{k} in {d}");
            }
            assert_eq!(d["dct:publisher"]["@type"], "foaf:Agent");
            let dist = d["dcat:distribution"].as_array().unwrap();
            assert_eq!(dist.len(), 3);
            assert!(dist.iter().all(|x| x["dcat:downloadURL"]["@id"].as_str().unwrap().starts_with(&app.base)));
        }
        assert_eq!(
            ds[1]["dct:accrualPeriodicity"]["@id"],
            "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
        );
        assert!(!doc.to_string().contains("co-so-y-te"));
    }
}
