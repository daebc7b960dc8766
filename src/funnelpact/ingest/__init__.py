"""The outside world -> canonical records: CRM exports (HubSpot, Salesforce, any CSV through a
mapping), with every problem located by file, row, line and column.

This package knows CSV, not the database: ``prepare_*`` returns an ``ImportJob`` whose batches
the caller hands to the store.
"""
