"""GDPR requests for one contact: export every personal datum (access), erase them (erasure).

See ``services`` and docs/security.md ("Personal data requests").
"""
