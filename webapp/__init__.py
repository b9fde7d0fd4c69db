"""The web application's wiring: settings, create_app, lifespan and scheduler. The hub,
channels, backoffice and the JSON API plug into it; nothing below imports it."""
