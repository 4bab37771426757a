"""Which site a request addresses: the first path segment is the site's URL prefix.

``/customers/services/...`` addresses the site whose ``url_prefix`` is ``customers``; the site's
name slugged (``Partner Portal`` → ``partner-portal``) works too. A site with an empty prefix
answers at the root (``/services/...``), as an Experience Cloud site without a path would.
"""

from __future__ import annotations

import re

from otp_bench.domain.model import Site

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _NON_SLUG.sub("-", name.lower()).strip("-")


def site_path(site: Site) -> str:
    """The path segment a client uses for ``site``: its prefix, else its slugged name."""
    return site.url_prefix or slug(site.name)


def resolve_site(sites: list[Site], segment: str) -> Site | None:
    """The site ``segment`` names (``""`` for the root), prefix first, then slugged name."""
    if segment == "":
        roots = [s for s in sites if s.url_prefix == ""]
        # several sites without a prefix: the root is ambiguous, so none answers there
        return roots[0] if len(roots) == 1 else None
    for site in sites:
        if site.url_prefix and site.url_prefix.lower() == segment.lower():
            return site
    wanted = slug(segment)
    for site in sites:
        if slug(site.name) == wanted:
            return site
    return None
