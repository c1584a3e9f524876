"""Checkers for the ICS feeds: a byte-level lint, ical.js under Node, and an icalendar oracle."""
