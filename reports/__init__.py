"""Committee papers: the tracker annex (HTML, PDF, XLSX), made from plain records."""
