"""Signed webhooks: HubSpot's (X-HubSpot-Signature-v3) and a generic one for any sender."""
