"""The Salesforce headless identity API, emulated on loopback over the engine (SPEC §2 item 7).

app.py serves the init endpoints and routes; oauth.py authorize (302), echo, token, refresh and
revoke; identity.py userinfo, /id, JWKS and discovery; clients.py the connected-app rules;
tokens.py and keys.py the tokens and the workspace's signing key; requests.py reads requests
with their limits; server.py runs it on a loopback port; client.py is the Qt-free client the
GUI's headless pane uses; cli.py is ``otp-bench headless``.
"""
