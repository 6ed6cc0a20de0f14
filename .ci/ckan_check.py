#!/usr/bin/env python3
"""Checks tinhso's CKAN-compatible catalogue with the real `ckanapi` client
(the one CKAN harvesters and scripts use) and its DCAT-AP export with rdflib.

Usage: ckan_check.py BASE_URL [API_KEY]

BASE_URL is a running `tinhso demo`; API_KEY, when given, is a DX office key,
which must see more than the public. Exits non-zero at the first failure.
"""

import importlib.metadata
import json
import sys
import urllib.request
from datetime import datetime

import ckanapi
import rdflib


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"  ok  {what}")


def check_package(pkg, base):
    name = pkg["name"]
    check(pkg["id"] == name and pkg["type"] == "dataset", f"{name}: id = name, type dataset")
    check(isinstance(pkg["title"], str) and pkg["title"], f"{name}: title «{pkg['title']}»")
    org = pkg["organization"]
    check(org["name"] == pkg["owner_org"] and org["title"], f"{name}: organization {org['name']} «{org['title']}»")
    datetime.fromisoformat(pkg["metadata_modified"])
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    check({"zone", "sector", "frequency"} <= extras.keys(), f"{name}: extras zone={extras.get('zone')}, frequency={extras.get('frequency')}")
    check(pkg["num_resources"] == len(pkg["resources"]) >= 1, f"{name}: {pkg['num_resources']} resources")
    for res in pkg["resources"]:
        check(res["package_id"] == pkg["id"] and res["url"].startswith(base + "/api/v1/datasets/" + name + "/rows?format="),
              f"{name}: resource {res['id']} ({res['format']}) -> {res['url']}")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    base = sys.argv[1].rstrip("/")
    key = sys.argv[2] if len(sys.argv) == 3 else None
    public = ckanapi.RemoteCKAN(base, user_agent="tinhso-ci")

    print(f"ckanapi {importlib.metadata.version('ckanapi')}, rdflib {rdflib.__version__}, against {base}")
    print("package_list (anonymous)")
    names = public.action.package_list()
    check(isinstance(names, list) and names and all(isinstance(n, str) for n in names), f"{len(names)} packages: {names}")

    print("package_show and resource_show (first three)")
    for name in names[:3]:
        pkg = public.action.package_show(id=name)
        check(pkg["name"] == name and pkg["private"] is False, f"{name}: public")
        check_package(pkg, base)
        res = pkg["resources"][0]
        shown = public.action.resource_show(id=res["id"])
        check(shown["id"] == res["id"] and shown["url"] == res["url"], f"resource_show {res['id']}")
        # A harvester downloads the resource anonymously: the gateway's rows API answers.
        for r in pkg["resources"]:
            with urllib.request.urlopen(r["url"]) as resp:
                body = resp.read()
                ctype = resp.headers.get("content-type", "")
            fmt = r["format"].lower()
            ok = {"csv": ctype.startswith("text/csv"), "json": ctype.startswith("application/json"),
                  "parquet": body[:4] == b"PAR1"}.get(fmt, False)
            check(ok and len(body) > 20, f"{name}: download {r['format']} ({len(body)} bytes, {ctype})")

    print("package_search")
    plain = public.action.package_search(q="du lich", rows=5)
    marked = public.action.package_search(q="du lịch", rows=5)
    found = sorted(p["name"] for p in plain["results"])
    check(plain["count"] >= 1 and set(found) <= set(names), f"q=du lich: {plain['count']} found {found}")
    check(sorted(p["name"] for p in marked["results"]) == found, "q=du lịch finds the same")
    org = plain["results"][0]["organization"]["name"]
    by_org = public.action.package_search(fq=f"organization:{org}", rows=100)
    check(by_org["count"] >= 1 and all(p["organization"]["name"] == org for p in by_org["results"]),
          f"fq=organization:{org}: {by_org['count']}")
    getter = ckanapi.RemoteCKAN(base, user_agent="tinhso-ci", get_only=True)
    paged = getter.action.package_search(rows=1, start=1, sort="id asc")
    check(paged["count"] == len(names) and [p["name"] for p in paged["results"]] == sorted(names)[1:2],
          f"GET paging rows=1 start=1 sort=id asc: {[p['name'] for p in paged['results']]}")

    print("organization_list and organization_show")
    orgs = public.action.organization_list()
    check(isinstance(orgs, list) and orgs and all(isinstance(o, str) for o in orgs), f"{len(orgs)} organizations: {orgs}")
    full = public.action.organization_list(all_fields=True)
    check(sum(o["package_count"] for o in full) == len(names), "all_fields: package counts add up to package_list")
    shown = public.action.organization_show(id=orgs[0], include_datasets=True)
    check(shown["name"] == orgs[0] and shown["package_count"] == len(shown["packages"]) >= 1,
          f"organization_show {orgs[0]} «{shown['title']}»: {shown['package_count']} packages")

    print("errors come back as ckanapi exceptions")
    for action, kwargs in [("package_show", {"id": "khong-ton-tai"}), ("resource_show", {"id": "khong-ton-tai-csv"}),
                           ("organization_show", {"id": "khong-ton-tai"})]:
        try:
            public.call_action(action, kwargs)
        except ckanapi.errors.NotFound as e:
            check(True, f"{action}({kwargs}) raised NotFound: {e}")
        else:
            raise AssertionError(f"{action}({kwargs}) did not raise NotFound")
    try:
        public.action.package_search(fq="author:x")
    except ckanapi.errors.SearchQueryError as e:
        check(True, f"package_search(fq=author:x) raised SearchQueryError: {e}")
    else:
        raise AssertionError("an unsupported fq did not raise SearchQueryError")

    if key:
        print("with a DX office API key")
        staff = ckanapi.RemoteCKAN(base, apikey=key, user_agent="tinhso-ci")
        every = staff.action.package_list()
        hidden = sorted(set(every) - set(names))
        check(set(names) < set(every), f"{len(every)} packages, {len(hidden)} more than the public sees")
        pkg = staff.action.package_show(id=hidden[0])
        check(pkg["private"] is True, f"{hidden[0]}: private")
        check_package(pkg, base)
        try:
            public.action.package_show(id=hidden[0])
        except ckanapi.errors.NotFound:
            check(True, f"{hidden[0]} is NotFound for the public")
        else:
            raise AssertionError(f"{hidden[0]} is visible to the public")

    print("DCAT-AP JSON-LD")
    with urllib.request.urlopen(base + "/api/v1/catalogue/dcat.jsonld") as r:
        check(r.headers["Content-Type"] == "application/ld+json", "content type application/ld+json")
        text = r.read().decode("utf-8")
    doc = json.loads(text)
    open_names = sorted(d["dct:identifier"] for d in doc["dcat:dataset"])
    check(open_names == sorted(names), f"dcat:dataset = the open zone: {open_names}")
    g = rdflib.Graph().parse(data=text, format="json-ld")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    datasets = set(g.subjects(rdflib.RDF.type, dcat.Dataset))
    distributions = set(g.subjects(rdflib.RDF.type, dcat.Distribution))
    check(len(datasets) == len(names) and len(distributions) == 3 * len(names),
          f"rdflib reads {len(g)} triples: {len(datasets)} dcat:Dataset, {len(distributions)} dcat:Distribution")

    print(f"ckanapi check passed: {len(names)} open packages, {len(orgs)} organizations")


if __name__ == "__main__":
    main()
