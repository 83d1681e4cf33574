"""The annex as a tagged PDF: WeasyPrint prints the HTML with its print stylesheet.

The only module that imports WeasyPrint. PDF/UA-1 makes the PDF tagged (its structure
tree is the HTML's, so a screen reader reads table headers as headers); the title
is the HTML's <title>; the page size, page numbers and repeated header rows are
the stylesheet's (`annex.css`, @page and @media print).
"""

from __future__ import annotations

PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str) -> bytes:
    """Print a finished HTML document to PDF bytes."""
    from weasyprint import HTML  # loaded only when a PDF is made: it costs a second

    pdf: bytes = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
