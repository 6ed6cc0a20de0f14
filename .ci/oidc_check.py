#!/usr/bin/env python3
"""Runs a real third-party OpenID Connect client, the PyPI library `authlib`,
against a running tinhso: discovery, the authorization-code flow with PKCE
(logging in through tinhso's real login form), the ID token verified against
the JWKS, refresh, userinfo and logout; then the attacks: reused code,
refresh-token reuse, PKCE mismatch, wrong redirect URI, tampered and
`alg: none` tokens.

Usage: oidc_check.py BASE_URL CLIENT_ID REDIRECT_URI USERNAME PASSWORD
(the client must be public, registered with REDIRECT_URI and the
post-logout address REDIRECT_URI + "/bye").
Exits non-zero at the first failure.
"""

import base64
import html
import json
import re
import secrets
import sys
import warnings
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

# authlib.jose is deprecated in favour of joserfc but still the API authlib's
# own OIDC client uses; the warning is noise here.
warnings.filterwarnings("ignore", message=".*authlib.jose.*")

import requests  # noqa: E402
from authlib.integrations.base_client.errors import OAuthError  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc7636 import create_s256_code_challenge


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"  ok  {what}")


def hidden(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    if not m:
        raise AssertionError(f"no hidden field {name}")
    return html.unescape(m.group(1))


def log_in_and_authorize(base, browser, auth_url, username, password, redirect_uri):
    """Follows tinhso's redirects like a browser: authorize → login form →
    authorize (→ consent) → the application's redirect URI (not fetched)."""
    r = browser.get(auth_url, allow_redirects=False)
    check(r.status_code == 303 and "/login?next=" in r.headers["location"], "authorize sends an anonymous user to the login form")
    login = browser.get(urljoin(base, r.headers["location"]))
    form = {"username": username, "password": password,
            "csrf": hidden(login.text, "csrf"), "next": hidden(login.text, "next")}
    r = browser.post(urljoin(base, "/login"), data=form, allow_redirects=False)
    check(r.status_code == 303, "the real login form accepts the password")
    r = browser.get(urljoin(base, r.headers["location"]), allow_redirects=False)
    if r.status_code == 200 and "consent-allow" in r.text:
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text))
        fields = {k: html.unescape(v) for k, v in fields.items()}
        fields["decision"] = "allow"
        check(True, "consent screen shown")
        r = browser.post(urljoin(base, "/oidc/authorize"), data=fields, allow_redirects=False)
    location = r.headers.get("location", "")
    check(r.status_code in (302, 303) and location.startswith(redirect_uri), f"back to the application: {location[:60]}…")
    return location


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    base, client_id, redirect_uri, username, password = sys.argv[1:]
    base = base.rstrip("/")
    print("discovery")
    meta = requests.get(base + "/.well-known/openid-configuration").json()
    check(meta["issuer"] == base, f"issuer {meta['issuer']}")
    check("S256" in meta["code_challenge_methods_supported"], "PKCE S256 advertised")
    jwks = requests.get(meta["jwks_uri"]).json()
    key_set = JsonWebKey.import_key_set(jwks)
    check(len(jwks["keys"]) >= 1, f"{len(jwks['keys'])} signing key(s) in the JWKS")

    print("authorization code + PKCE with authlib")
    client = OAuth2Session(client_id, redirect_uri=redirect_uri, scope="openid profile email offline_access",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    auth_url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    browser = requests.Session()
    callback = log_in_and_authorize(base, browser, auth_url, username, password, redirect_uri)
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    check({"access_token", "id_token", "refresh_token"} <= token.keys(), "tokens issued: access, ID, refresh")
    claims = jwt.decode(token["id_token"], key_set, claims_options={
        "iss": {"essential": True, "value": base}, "aud": {"essential": True, "value": client_id},
        "nonce": {"essential": True, "value": nonce}})
    claims.validate()
    check(claims["sub"] and claims.get("agency") and claims.get("roles"), f"ID token verified against the JWKS: sub={claims['sub']} agency={claims['agency']} roles={claims['roles']}")

    # The same code again: refused, and the tokens it gave are revoked.
    code = parse_qs(urlparse(callback).query)["code"][0]
    replay = requests.post(meta["token_endpoint"], data={"grant_type": "authorization_code", "code": code,
                           "redirect_uri": redirect_uri, "client_id": client_id, "code_verifier": verifier})
    check(replay.status_code == 400 and replay.json()["error"] == "invalid_grant", "a reused code is refused")
    r = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + token["access_token"]})
    check(r.status_code == 401, "…and the tokens issued from it are revoked")

    print("a second login (session kept), refresh, userinfo")
    client = OAuth2Session(client_id, redirect_uri=redirect_uri, scope="openid profile email offline_access",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = secrets.token_urlsafe(48)
    auth_url, _ = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    r = browser.get(auth_url, allow_redirects=False)
    callback = r.headers["location"]
    check(callback.startswith(redirect_uri), "single sign-on: no password asked the second time")
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    info = client.get(meta["userinfo_endpoint"]).json()
    check(info["sub"] == claims["sub"] and info.get("name"), f"userinfo: {info.get('name')}, {info.get('email')}")
    old_refresh = token["refresh_token"]
    new = client.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
    check(new["refresh_token"] != old_refresh and new["access_token"], "refresh rotates the refresh token")
    info = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + new["access_token"]})
    check(info.status_code == 200, "the refreshed access token works")
    try:
        client.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
        check(False, "refresh-token reuse must fail")
    except (OAuth2Error, OAuthError) as e:
        check(e.error == "invalid_grant", "refresh-token reuse is refused")
    r = requests.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": new["refresh_token"], "client_id": client_id})
    check(r.status_code == 400, "…and revokes the whole family")

    print("attacks")
    bad = OAuth2Session(client_id, redirect_uri=redirect_uri + "/other", scope="openid", code_challenge_method="S256")
    url, _ = bad.create_authorization_url(meta["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48))
    r = browser.get(url, allow_redirects=False)
    check(r.status_code == 400 and "location" not in r.headers, "an unregistered redirect URI is refused without redirecting")
    client = OAuth2Session(client_id, redirect_uri=redirect_uri, scope="openid", code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = secrets.token_urlsafe(48)
    url, _ = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    callback = browser.get(url, allow_redirects=False).headers["location"]
    try:
        client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=secrets.token_urlsafe(48))
        check(False, "PKCE mismatch must fail")
    except (OAuth2Error, OAuthError) as e:
        check(e.error == "invalid_grant", "a PKCE mismatch is refused")
    id_token = token["id_token"]
    head, payload, sig = id_token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["sub"] = "1"
    forged_b64 = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    for name, t in [("tampered", f"{head}.{forged_b64}.{sig}"), ("alg: none", f"{none_head}.{forged_b64}.")]:
        try:
            jwt.decode(t, key_set).validate()
            verified = True
        except Exception:
            verified = False
        r = browser.get(meta["end_session_endpoint"] + "?" + urlencode({"id_token_hint": t, "post_logout_redirect_uri": redirect_uri + "/bye"}), allow_redirects=False)
        check(not verified and r.status_code == 400, f"a {name} ID token fails verification and is refused by tinhso")

    print("logout")
    r = browser.get(meta["end_session_endpoint"] + "?" + urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": redirect_uri + "/bye", "state": "tam-biet"}), allow_redirects=False)
    check(r.status_code == 303 and r.headers["location"] == redirect_uri + "/bye?state=tam-biet", "RP-initiated logout returns to the application")
    r = browser.get(url, allow_redirects=False)
    check("/login" in r.headers.get("location", ""), "after logout, the next authorize asks for the password again")
    print("authlib check passed")


if __name__ == "__main__":
    main()
