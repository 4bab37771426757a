"""Inline SOQL, read-only, on User and Network: ``[SELECT f, … FROM User WHERE Id = :x …]``.

Records come from the host (``ApexEnvironment.user_by_id`` / ``network_by_id``), so a query must
pin ``Id`` (``=`` or ``IN``); further conditions filter those rows. A single-row assignment of
an empty result throws ``System.QueryException: List has no rows for assignment to SObject``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otp_bench.apex import syntax as s
from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.ops import equals, to_string
from otp_bench.apex.values import ApexList, ApexSet, SObject

if TYPE_CHECKING:
    from otp_bench.apex.evaluate import EvaluatorBase, Frame

FIELDS = {
    "user": ("Id", "Username", "Name", "FirstName", "LastName", "Email", "MobilePhone", "Phone",
             "LanguageLocaleKey", "LocaleSidKey", "TimeZoneSidKey", "IsActive", "ContactId",
             "AccountId", "ProfileId", "UserType", "Country", "CommunityNickname", "Alias"),
    "network": ("Id", "Name", "UrlPathPrefix", "Status", "Description"),
}
SOBJECT_NAMES = {"user": "User", "network": "Network"}


class SoqlResult(ApexList):
    """A query's rows: assignable to a single record (exactly one row) as in Apex."""

    __slots__ = ()

    def single(self) -> SObject:
        if not self:
            raise throw("QueryException", "List has no rows for assignment to SObject")
        if len(self) > 1:
            raise throw("QueryException", "List has more than 1 row for assignment to SObject")
        row: SObject = self[0]
        return row


def run_soql(rt: EvaluatorBase, node: s.Soql, frame: Frame) -> SoqlResult:
    rt.limits.query()
    known = {f.lower(): f for f in FIELDS[node.sobject]}
    for f in node.fields:
        if f.lower() not in known:
            raise Unsupported(f"SOQL field {SOBJECT_NAMES[node.sobject]}.{f} "
                              "(not in the bench's records)")
    ids: list[str] | None = None
    filters: list[tuple[str, str, Any]] = []
    for cond in node.where:
        value = rt.ev(cond.value, frame)
        if cond.field == "id" and cond.op in ("=", "IN") and ids is None:
            ids = _id_list(value)
        else:
            filters.append((cond.field, cond.op, value))
    if ids is None:
        raise Unsupported("SOQL without WHERE Id = :value (the bench looks records up by Id)")
    limit = rt.ev(node.limit, frame) if node.limit is not None else None
    fetch = rt.env.user_by_id if node.sobject == "user" else rt.env.network_by_id
    out = SoqlResult(s.TypeRef((SOBJECT_NAMES[node.sobject],)))
    for record_id in ids:
        data = fetch(record_id)
        if data is None:
            continue
        lowered = {k.lower(): v for k, v in data.items()}
        if not all(_matches(lowered.get(f), op, v) for f, op, v in filters):
            continue
        row = {"Id": lowered.get("id", record_id)}
        for f in node.fields:
            row[known[f.lower()]] = lowered.get(f.lower())
        out.append(SObject(SOBJECT_NAMES[node.sobject], row))
        if type(limit) is int and len(out) >= limit:
            break
    return out


def _id_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, ApexList | ApexSet):
        return [to_string(v) for v in value if v is not None]
    if isinstance(value, SObject):
        return [to_string(value.get("id"))]
    raise npe() if value is None else Unsupported("SOQL bind value for Id")


def _matches(actual: Any, op: str, value: Any) -> bool:
    if op == "=":
        return equals(actual, value)
    if op in ("!=", "<>"):
        return not equals(actual, value)
    if op in ("IN", "NOT IN"):
        values = list(value) if isinstance(value, ApexList) else list(getattr(value, "items", []))
        hit = any(equals(actual, v) for v in values)
        return hit if op == "IN" else not hit
    if op == "LIKE":
        import re

        pattern = re.escape(to_string(value)).replace("%", ".*").replace("_", ".")
        return actual is not None and re.fullmatch(pattern, str(actual), re.IGNORECASE) is not None
    raise Unsupported(f"SOQL operator {op}")
