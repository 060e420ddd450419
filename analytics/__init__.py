"""Disproportionality analytics: synthetic borough, counts, relative rate indices, disclosure
control, narratives and exports. UI-free: the dashboard, the CLI and the tests call this."""

__version__ = "0.1.0"
