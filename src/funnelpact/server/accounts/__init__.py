"""Who may call funnelpact from outside: API tokens with scopes, and webhook secrets.

The web app's users and roles come later and may extend this app.
"""
