"""Who a token belongs to, in the shapes Salesforce answers: id_token claims, userinfo, /id.

Field names follow Salesforce's userinfo endpoint and Identity URL responses; values the bench
doesn't model (time zone, locale, photos) carry fixed defaults (bench assumption).
"""

from __future__ import annotations

from typing import Any

from otp_bench.domain.model import User

ZONEINFO = "America/Los_Angeles"  # bench assumption: the bench has no per-user time zone
LOCALE = "en_US"
USER_TYPE = "CSP_LITE_PORTAL"  # Salesforce's user type of a customer community user


def _verified(user: User) -> bool:
    return user.flags.user_verified or user.flags.admin_verified


def user_claims(user: User) -> dict[str, Any]:
    """The OpenID Connect profile claims of an id_token."""
    return {
        "name": user.display_name, "preferred_username": user.username,
        "nickname": user.username.split("@")[0], "given_name": user.first_name,
        "family_name": user.last_name, "email": user.email or user.username,
        "email_verified": bool(user.email), "phone_number": user.mobile,
        "phone_number_verified": _verified(user), "zoneinfo": ZONEINFO,
    }


def urls(community: str, org_id: str, user_id: str) -> dict[str, str]:
    rest = f"{community}/services/data/v62.0"
    return {
        "rest": rest + "/", "sobjects": rest + "/sobjects/", "query": rest + "/query/",
        "profile": f"{community}/{user_id}", "userinfo": f"{community}/services/oauth2/userinfo",
        "custom_domain": community,
        "id": f"{community}/id/{org_id}/{user_id}",
    }


def userinfo(user: User, community: str, org_id: str) -> dict[str, Any]:
    """``/services/oauth2/userinfo`` (GET or POST)."""
    return {
        "sub": f"{community}/id/{org_id}/{user.id}", "user_id": user.id,
        "organization_id": org_id, **user_claims(user),
        "mobile_phone": user.mobile, "mobile_phone_verified": _verified(user),
        "active": user.active, "user_type": USER_TYPE, "language": LOCALE, "locale": LOCALE,
        "utcOffset": -28800000, "urls": urls(community, org_id, user.id),
    }


def identity(user: User, community: str, org_id: str) -> dict[str, Any]:
    """The Identity URL response (``/id/<org>/<user>``)."""
    return {
        "id": f"{community}/id/{org_id}/{user.id}", "asserted_user": True, "user_id": user.id,
        "organization_id": org_id, "username": user.username,
        "nick_name": user.username.split("@")[0], "display_name": user.display_name,
        "email": user.email or user.username, "email_verified": bool(user.email),
        "first_name": user.first_name, "last_name": user.last_name, "timezone": ZONEINFO,
        "mobile_phone": user.mobile, "mobile_phone_verified": _verified(user),
        "active": user.active, "user_type": USER_TYPE, "language": LOCALE, "locale": LOCALE,
        "utcOffset": -28800000, "urls": urls(community, org_id, user.id),
    }
