"""HAR 1.2 structure (http://www.softwareishard.com/blog/har-12-spec/) as data: for each object,
its required and optional fields with their types. ``problems(har)`` lists every violation;
fields outside the spec must start with ``_`` (the spec's custom-field rule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

NUM = (int, float)
STR = (str,)
INT = (int,)
OBJ = (dict,)
ARR = (list,)

# name: (required {field: types}, optional {field: types})
SPEC: dict[str, tuple[dict[str, tuple[type, ...]], dict[str, tuple[type, ...]]]] = {
    "log": ({"version": STR, "creator": OBJ, "entries": ARR},
            {"browser": OBJ, "pages": ARR, "comment": STR}),
    "creator": ({"name": STR, "version": STR}, {"comment": STR}),
    "page": ({"startedDateTime": STR, "id": STR, "title": STR, "pageTimings": OBJ},
             {"comment": STR}),
    "pageTimings": ({}, {"onContentLoad": NUM, "onLoad": NUM, "comment": STR}),
    "entry": ({"startedDateTime": STR, "time": NUM, "request": OBJ, "response": OBJ,
               "cache": OBJ, "timings": OBJ},
              {"pageref": STR, "serverIPAddress": STR, "connection": STR, "comment": STR}),
    "request": ({"method": STR, "url": STR, "httpVersion": STR, "cookies": ARR, "headers": ARR,
                 "queryString": ARR, "headersSize": INT, "bodySize": INT},
                {"postData": OBJ, "comment": STR}),
    "response": ({"status": INT, "statusText": STR, "httpVersion": STR, "cookies": ARR,
                  "headers": ARR, "content": OBJ, "redirectURL": STR, "headersSize": INT,
                  "bodySize": INT}, {"comment": STR}),
    "pair": ({"name": STR, "value": STR}, {"comment": STR}),
    "postData": ({"mimeType": STR}, {"params": ARR, "text": STR, "comment": STR}),
    "param": ({"name": STR}, {"value": STR, "fileName": STR, "contentType": STR,
                              "comment": STR}),
    "content": ({"size": INT, "mimeType": STR},
                {"compression": INT, "text": STR, "encoding": STR, "comment": STR}),
    "cache": ({}, {"beforeRequest": (dict, type(None)), "afterRequest": (dict, type(None)),
                   "comment": STR}),
    "timings": ({"send": NUM, "wait": NUM, "receive": NUM},
                {"blocked": NUM, "dns": NUM, "connect": NUM, "ssl": NUM, "comment": STR}),
}


def _check(obj: Any, kind: str, where: str, out: list[str]) -> None:
    if not isinstance(obj, dict):
        out.append(f"{where}: {kind} must be an object")
        return
    required, optional = SPEC[kind]
    for key, types in required.items():
        if key not in obj:
            out.append(f"{where}.{key}: required")
        elif not isinstance(obj[key], types) or (types is INT and isinstance(obj[key], bool)):
            out.append(f"{where}.{key}: must be {'/'.join(t.__name__ for t in types)}")
    for key, value in obj.items():
        if key in required:
            continue
        if key in optional:
            if not isinstance(value, optional[key]):
                out.append(f"{where}.{key}: wrong type {type(value).__name__}")
        elif not key.startswith("_"):
            out.append(f"{where}.{key}: not a HAR 1.2 field (custom fields start with _)")


def _iso(value: str, where: str, out: list[str]) -> None:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        out.append(f"{where}: {value!r} isn't ISO 8601")


def problems(har: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(har, dict) or set(har) != {"log"}:
        return ["top level must be an object with exactly one field, log"]
    log = har["log"]
    _check(log, "log", "log", out)
    if log.get("version") != "1.2":
        out.append("log.version: must be 1.2")
    _check(log.get("creator"), "creator", "log.creator", out)
    if "browser" in log:
        _check(log["browser"], "creator", "log.browser", out)
    page_ids = set()
    for i, page in enumerate(log.get("pages", [])):
        w = f"log.pages[{i}]"
        _check(page, "page", w, out)
        _check(page.get("pageTimings"), "pageTimings", f"{w}.pageTimings", out)
        _iso(page.get("startedDateTime", ""), f"{w}.startedDateTime", out)
        page_ids.add(page.get("id"))
    for i, e in enumerate(log.get("entries", [])):
        w = f"log.entries[{i}]"
        _check(e, "entry", w, out)
        _iso(e.get("startedDateTime", ""), f"{w}.startedDateTime", out)
        if "pageref" in e and e["pageref"] not in page_ids:
            out.append(f"{w}.pageref: no page {e['pageref']!r}")
        req, res = e.get("request", {}), e.get("response", {})
        _check(req, "request", f"{w}.request", out)
        _check(res, "response", f"{w}.response", out)
        for part, obj in (("request", req), ("response", res)):
            for j, c in enumerate(obj.get("cookies", [])):
                _check(c, "pair", f"{w}.{part}.cookies[{j}]", out)
            for j, h in enumerate(obj.get("headers", [])):
                _check(h, "pair", f"{w}.{part}.headers[{j}]", out)
        for j, q in enumerate(req.get("queryString", [])):
            _check(q, "pair", f"{w}.request.queryString[{j}]", out)
        if "postData" in req:
            _check(req["postData"], "postData", f"{w}.request.postData", out)
            for j, p in enumerate(req["postData"].get("params", [])):
                _check(p, "param", f"{w}.request.postData.params[{j}]", out)
        _check(res.get("content"), "content", f"{w}.response.content", out)
        _check(e.get("cache"), "cache", f"{w}.cache", out)
        t = e.get("timings", {})
        _check(t, "timings", f"{w}.timings", out)
        spent = sum(v for k, v in t.items() if k != "comment" and not k.startswith("_")
                    and isinstance(v, int | float) and v != -1)
        if isinstance(e.get("time"), int | float) and abs(spent - e["time"]) > 0.01:
            out.append(f"{w}.time: {e['time']} isn't the sum of its timings ({spent})")
    return out
