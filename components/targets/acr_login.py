"""Log in to an ACR whose admin user is disabled: exchange an Entra token for an ACR token.

This is the flow `az acr login` uses (documented in the ACR AAD-OAuth
guide): POST the deploying identity's Entra access token to
`https://<registry>/oauth2/exchange` and use the returned refresh token as
the password of the fixed user `00000000-0000-0000-0000-000000000000`.
Nothing long-lived is created: the token expires with the Entra token's
session (about 3 hours), and it stays a secret Output.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping

ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000"  # noqa: S105 - a fixed user name

Post = Callable[[str, Mapping[str, str]], str]
"""(url, form fields) -> response body."""

TokenExchange = Callable[[str, str, str], str]
"""(login server, tenant id, Entra access token) -> ACR refresh token."""


def _post_form(url: str, fields: Mapping[str, str]) -> str:
    if not url.startswith("https://"):
        msg = f"refusing to send a token over a non-TLS URL: {url}"
        raise ValueError(msg)
    data = urllib.parse.urlencode(dict(fields)).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - https checked above
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - https checked above
        body: bytes = response.read()
    return body.decode()


def exchange_token(server: str, tenant: str, access_token: str, post: Post = _post_form) -> str:
    """The ACR refresh token for `access_token` (an ARM-audience Entra token)."""
    body = post(
        f"https://{server}/oauth2/exchange",
        {
            "grant_type": "access_token",
            "service": server,
            "tenant": tenant,
            "access_token": access_token,
        },
    )
    token = json.loads(body).get("refresh_token")
    if not isinstance(token, str) or not token:
        msg = f"ACR {server} returned no refresh_token from /oauth2/exchange"
        raise ValueError(msg)
    return token
