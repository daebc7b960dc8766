"""The JSON API (django-ninja): live events in, contacts and timelines out; OpenAPI at /api/docs."""
