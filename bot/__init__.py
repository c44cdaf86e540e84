"""agendabot: track what a Korean inter-ministerial meeting decided, and whether it happens."""

__version__ = "0.1.0"
