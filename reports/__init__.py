"""Committee papers: the tracker annex, impact statistics, the calendar (pure + templates)."""
