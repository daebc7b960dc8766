"""Demo data: realistic, seeded B2B funnel journeys as canonical records or HubSpot exports."""
