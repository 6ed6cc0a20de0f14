//! Single sign-on over HTTP: discovery, the authorization code flow with
//! PKCE through the real login form and consent screen, ID tokens checked
//! against the JWKS, refresh rotation, userinfo, logout; and every attack the
//! issue names: wrong redirect URI, reused code, PKCE mismatch, expired and
//! tampered tokens, `alg: none`, refresh-token reuse.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;
use tinhso_store::OidcClientInput;

use super::{client, hidden, spawn, App, PW};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

async fn register(app: &App, public: bool, first_party: bool) -> (String, Option<String>) {
    let input = OidcClientInput {
        name: "Hệ thống một cửa điện tử".into(),
        public,
        redirect_uris: vec![REDIRECT.into()],
        post_logout_uris: vec!["http://127.0.0.1:9/bye".into()],
        scopes: ["openid", "profile", "email", "offline_access"].map(String::from).to_vec(),
        first_party,
        home_url: "https://motcua.gialai.gov.vn".into(),
        roles: vec!["agency_admin".into(), "data_officer".into()],
        ..Default::default()
    };
    let (c, secret) = app.store.create_oidc_client(&input, None).await.unwrap();
    (c.client_id, secret)
}

fn authorize_path(client_id: &str, redirect: &str, challenge: Option<&str>) -> String {
    let mut p = format!(
        "/oidc/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20profile%20email%20offline_access&state=st-123&nonce=n-456",
        tinhso_sso::with_query("", &[("x", redirect)]).trim_start_matches("?x=")
    );
    if let Some(c) = challenge {
        p.push_str(&format!("&code_challenge={c}&code_challenge_method=S256"));
    }
    p
}

/// Logs in through the real form after being sent there by /authorize; returns
/// the client and the redirect (to the consent page or the application).
async fn login_via_authorize(app: &App, path: &str) -> (reqwest::Client, reqwest::Response) {
    let c = client();
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_login = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to_login.starts_with("/login?next=/oidc/authorize%3F"), "{to_login}");
    let page = c.get(app.url(&to_login)).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let next = hidden(&page, "next").replace("&#38;", "&").replace("&#34;", "\"").replace("&#39;", "'");
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "health-admin"), ("password", PW), ("csrf", &csrf), ("next", &next)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("/oidc/authorize?"), "{back}");
    let r = c.get(app.url(&back)).send().await.unwrap();
    (c, r)
}

fn code_of(location: &str) -> String {
    let q = location.split_once('?').unwrap().1;
    let mut code = None;
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        if k == "state" {
            assert_eq!(v, "st-123");
        }
        if k == "code" {
            code = Some(v.into_owned());
        }
    }
    code.unwrap_or_else(|| panic!("no code in {location}"))
}

async fn token(app: &App, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = client().post(app.url("/oidc/token")).form(form).send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn verify(app: &App, id_token: &str, aud: &str) -> Value {
    let jwks: Value = client().get(app.url("/oidc/jwks")).send().await.unwrap().json().await.unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let key =
        jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header.kid.clone().unwrap().as_str()).unwrap();
    let dk =
        jsonwebtoken::DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[aud]);
    v.set_issuer(&[&app.base]);
    jsonwebtoken::decode::<Value>(id_token, &dk, &v).unwrap().claims
}

#[tokio::test]
async fn discovery_lists_the_endpoints() {
    let app = spawn().await;
    let d: Value =
        client().get(app.url("/.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["issuer"], app.base);
    for k in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        assert!(d[k].as_str().unwrap().starts_with(&app.base), "{k}");
    }
    assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
}

#[tokio::test]
async fn code_flow_with_pkce_consent_refresh_userinfo_and_logout() {
    let app = spawn().await;
    let (id, _) = register(&app, true, false).await;
    let challenge = tinhso_sso::s256(VERIFIER);
    let (browser, r) = login_via_authorize(&app, &authorize_path(&id, REDIRECT, Some(&challenge))).await;
    // Not first-party: the consent screen.
    let page = r.text().await.unwrap();
    assert!(page.contains("Hệ thống một cửa điện tử") && page.contains("consent-allow"), "{page}");
    let csrf = hidden(&page, "csrf");
    let mut form: Vec<(String, String)> = Vec::new();
    for name in [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    ] {
        form.push((
            name.into(),
            hidden(&page, name).replace("&#38;", "&").replace("&#34;", "\"").replace("&#39;", "'"),
        ));
    }
    form.push(("csrf".into(), csrf));
    form.push(("decision".into(), "allow".into()));
    let r = browser.post(app.url("/oidc/authorize")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(REDIRECT) && loc.contains(&format!("iss={}", urlenc(&app.base))), "{loc}");
    let code = code_of(&loc);

    // PKCE mismatch and a wrong redirect URI are refused (and burn the code).
    let (s, e) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &id),
            ("code_verifier", &"x".repeat(43)),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert!(e["error_description"].as_str().unwrap().contains("PKCE"));

    // A fresh code (consent remembered: no screen the second time).
    let r = browser.get(app.url(&authorize_path(&id, REDIRECT, Some(&challenge)))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = code_of(r.headers()["location"].to_str().unwrap());
    let (s, e) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("client_id", &id),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    let r = browser.get(app.url(&authorize_path(&id, REDIRECT, Some(&challenge)))).send().await.unwrap();
    let code = code_of(r.headers()["location"].to_str().unwrap());
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", id.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (s, t) = token(&app, &form).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let claims = verify(&app, t["id_token"].as_str().unwrap(), &id).await;
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["agency"], "SYT");
    assert_eq!(claims["roles"], serde_json::json!(["agency_admin"]));
    assert_eq!(claims["preferred_username"], "health-admin");
    assert!(claims["email"].as_str().unwrap().contains('@'));
    let access = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();

    // The code is single-use: a replay is refused and revokes what it issued.
    let (s, e) = token(&app, &form).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let r = client().get(app.url("/oidc/userinfo")).bearer_auth(&access).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Start again for refresh and userinfo.
    let r = browser.get(app.url(&authorize_path(&id, REDIRECT, Some(&challenge)))).send().await.unwrap();
    let code = code_of(r.headers()["location"].to_str().unwrap());
    let (_, t) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &id),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    let access = t["access_token"].as_str().unwrap().to_string();
    let refresh = {
        let _ = refresh;
        t["refresh_token"].as_str().unwrap().to_string()
    };
    let id_token = t["id_token"].as_str().unwrap().to_string();
    let info: Value =
        client().get(app.url("/oidc/userinfo")).bearer_auth(&access).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["name"], "Quản trị Sở Y tế");
    assert_eq!(info["sub"], claims["sub"]);

    let (s, t2) =
        token(&app, &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &id)]).await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    let refresh2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh2, refresh, "rotated");
    // Reusing the old refresh token revokes the whole family, the new one included.
    let (s, e) = token(&app, &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &id)]).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (s, _) =
        token(&app, &[("grant_type", "refresh_token"), ("refresh_token", &refresh2), ("client_id", &id)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let r =
        client().get(app.url("/oidc/userinfo")).bearer_auth(t2["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Tampered and alg:none ID tokens are refused as id_token_hint.
    let parts: Vec<&str> = id_token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = Value::from("1");
    let forged_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{none_header}.{forged_payload}.");
    for bad in [tampered, alg_none] {
        let r = browser
            .get(app.url(&format!(
                "/oidc/logout?id_token_hint={bad}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    // An unregistered post-logout address is refused.
    let r = browser
        .get(app.url(&format!(
            "/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Logout: back to the application with its state; the session is over.
    let r = browser
        .get(app.url(&format!(
            "/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=s9"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "http://127.0.0.1:9/bye?state=s9");
    let r = browser.get(app.url(&authorize_path(&id, REDIRECT, Some(&challenge)))).send().await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
    let r = client().get(app.url("/oidc/userinfo")).bearer_auth(&access).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "logout revoked the application's tokens");

    // Every login and token issue is in the audit log.
    let log = app
        .store
        .audit_entries(&tinhso_store::AuditQuery {
            action_prefix: Some("sso.".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(log.iter().any(|r| r.entry.action == "sso.token" && r.entry.outcome == "ok"));
    assert!(log.iter().any(|r| r.entry.action == "sso.token" && r.entry.outcome == "refused"));
    assert!(log.iter().any(|r| r.entry.action == "sso.authorize" && r.entry.username == "health-admin"));
    assert!(log.iter().any(|r| r.entry.action == "sso.logout"));
}

fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn bad_requests_expired_tokens_confidential_clients_and_machines() {
    let app = spawn().await;
    let (public_id, _) = register(&app, true, true).await;
    let (conf_id, secret) = register(&app, false, true).await;
    let secret = secret.unwrap();
    let c = client();
    // Unknown client, unregistered redirect: an error page, never a redirect.
    for path in [
        authorize_path("tsc_khong_co", REDIRECT, None),
        authorize_path(&public_id, "https://evil.example/cb", Some(&tinhso_sso::s256(VERIFIER))),
    ] {
        let r = c.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(r.headers().get("location").is_none());
    }
    // A public client without PKCE, or with plain PKCE: an error back to the application.
    let r = c.get(app.url(&authorize_path(&public_id, REDIRECT, None))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().contains("error=invalid_request"));
    let plain =
        format!("{}&code_challenge={VERIFIER}&code_challenge_method=plain", authorize_path(&public_id, REDIRECT, None));
    let r = c.get(app.url(&plain)).send().await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().contains("error=invalid_request"));

    // First-party confidential client: no consent screen, secret required at the token endpoint.
    let (browser, r) = login_via_authorize(&app, &authorize_path(&conf_id, REDIRECT, None)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "first-party: no consent");
    let code = code_of(r.headers()["location"].to_str().unwrap());
    let (s, e) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &conf_id),
            ("client_secret", "sai"),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let r = browser.get(app.url(&authorize_path(&conf_id, REDIRECT, None))).send().await.unwrap();
    let code = code_of(r.headers()["location"].to_str().unwrap());
    let t: Value = c
        .post(app.url("/oidc/token"))
        .basic_auth(&conf_id, Some(&secret))
        .form(&[("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = t["access_token"].as_str().unwrap().to_string();
    // Introspection and revocation by the client.
    let i: Value = c
        .post(app.url("/oidc/introspect"))
        .basic_auth(&conf_id, Some(&secret))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i["active"], true);
    assert_eq!(i["username"], "health-admin");
    // An expired access token.
    app.store.execute_raw("UPDATE oidc_tokens SET expires_at = 1 WHERE kind = 'access'").await.unwrap();
    let r = c.get(app.url("/oidc/userinfo")).bearer_auth(&access).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    let i: Value = c
        .post(app.url("/oidc/introspect"))
        .basic_auth(&conf_id, Some(&secret))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i["active"], false);
    // An expired code.
    let r = browser.get(app.url(&authorize_path(&conf_id, REDIRECT, None))).send().await.unwrap();
    let code = code_of(r.headers()["location"].to_str().unwrap());
    app.store.execute_raw("UPDATE oidc_codes SET expires_at = 1").await.unwrap();
    let (s, e) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &conf_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Revoking a refresh token ends its family.
    let refresh = t["refresh_token"].as_str().unwrap();
    let r = c
        .post(app.url("/oidc/revoke"))
        .basic_auth(&conf_id, Some(&secret))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, _) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &conf_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Unsupported grant types and missing parameters.
    let (s, e) = token(&app, &[("grant_type", "password"), ("client_id", &conf_id), ("client_secret", &secret)]).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
    let (s, e) =
        token(&app, &[("grant_type", "authorization_code"), ("client_id", &conf_id), ("client_secret", &secret)]).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));

    // The portal lists the applications for the user's role.
    let page = browser.get(app.url("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("https://motcua.gialai.gov.vn"), "{page}");
    let leader = app.login("leader").await;
    let page = leader.get(app.url("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("https://motcua.gialai.gov.vn"));
}

#[tokio::test]
async fn client_credentials_act_as_the_system_in_the_gateway() {
    let app = spawn().await;
    let dx = app.store.user_by_username("dx-office").await.unwrap().unwrap();
    let system = app.store.create_system(&dx, "app-may", "Ứng dụng máy", "SGDDT", "").await.unwrap();
    let input = OidcClientInput {
        name: "Máy chủ đồng bộ".into(),
        redirect_uris: vec![REDIRECT.into()],
        scopes: vec!["gateway".into()],
        system_id: Some(system.id),
        ..Default::default()
    };
    let (client_rec, secret) = app.store.create_oidc_client(&input, Some(dx.id)).await.unwrap();
    let secret = secret.unwrap();
    let c = client();
    let t: Value = c
        .post(app.url("/oidc/token"))
        .basic_auth(&client_rec.client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "gateway")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = t["access_token"].as_str().unwrap();
    assert!(t.get("id_token").is_none() && t.get("refresh_token").is_none());
    // The gateway takes it like an API key of the system: deny by default, audited as the system.
    let r = c.get(app.url("/api/v1/grants")).bearer_auth(access).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.get(app.url("/api/v1/me")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // openid is not for machines.
    let r = c
        .post(app.url("/oidc/token"))
        .basic_auth(&client_rec.client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn keys_rotate_and_old_ones_stay_published() {
    let app = spawn().await;
    let first: Value = client().get(app.url("/oidc/jwks")).send().await.unwrap().json().await.unwrap();
    assert_eq!(first["keys"].as_array().unwrap().len(), 1);
    let provider = tinhso_sso::Provider::new(app.store.clone(), &app.base);
    let kid = provider.rotate_key().await.unwrap();
    let after: Value = client().get(app.url("/oidc/jwks")).send().await.unwrap().json().await.unwrap();
    let kids: Vec<&str> = after["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids.len(), 2);
    assert_eq!(kids[0], kid, "the new key first");
    assert!(kids.contains(&first["keys"][0]["kid"].as_str().unwrap()));
    // Long after the old key's tokens expired, it is no longer published.
    app.store.execute_raw("UPDATE oidc_keys SET retired_at = 1 WHERE retired_at IS NOT NULL").await.unwrap();
    let later: Value = client().get(app.url("/oidc/jwks")).send().await.unwrap().json().await.unwrap();
    assert_eq!(later["keys"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_system_admin_registers_applications() {
    let app = spawn().await;
    let admin = app.key("admin", tinhso_store::ApiKeyAccess::ReadWrite).await;
    let dx = app.key("dx-office", tinhso_store::ApiKeyAccess::ReadWrite).await;
    let c = client();
    let body = serde_json::json!({"name": "Cổng dịch vụ công", "redirect_uris": ["https://dichvucong.gialai.gov.vn/oidc/callback"],
        "home_url": "https://dichvucong.gialai.gov.vn", "first_party": true});
    let r = c.post(app.url("/api/v1/oidc/clients")).bearer_auth(&dx).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c.post(app.url("/api/v1/oidc/clients")).bearer_auth(&admin).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let secret = v["client_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 64);
    // The secret is never shown again, and only its hash is stored.
    let list: Value =
        c.get(app.url("/api/v1/oidc/clients")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert!(list[0].get("client_secret").is_none());
    let stored = app.store.oidc_client(v["client_id"].as_str().unwrap()).await.unwrap().unwrap();
    assert_ne!(stored.secret_hash.as_deref(), Some(secret));
    for bad in [
        serde_json::json!({"name": "x", "redirect_uris": ["http://evil.example/cb"]}),
        serde_json::json!({"name": "x", "redirect_uris": []}),
        serde_json::json!({"name": "", "redirect_uris": ["https://a.vn/cb"]}),
        serde_json::json!({"name": "x", "redirect_uris": ["https://a.vn/cb"], "scopes": ["admin"]}),
        serde_json::json!({"name": "x", "redirect_uris": ["https://a.vn/cb"], "roles": ["vua"]}),
        serde_json::json!({"name": "x", "redirect_uris": ["https://a.vn/cb"], "khac": 1}),
    ] {
        let r = c.post(app.url("/api/v1/oidc/clients")).bearer_auth(&admin).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
