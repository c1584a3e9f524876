"""The HTTP API: Litestar app, JSON, ICS feeds and the widget."""
