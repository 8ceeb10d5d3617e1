"""Reporters: turn analyses (data) into rich tables, JSON, CSV and Markdown. No arithmetic here."""
