"""The store: canonical CRM records (contacts, stage changes, touches, deals, ...) in Django.

Write through ``services.store_records``; read through ``repository``.
"""
