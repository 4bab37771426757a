"""The Salesforce headless identity API, emulated on loopback over the engine (SPEC §2 item 7).

app.py serves the endpoints, server.py runs them on a loopback port, client.py is the Qt-free
client the GUI's headless pane uses, cli.py is ``otp-bench headless``.
"""
