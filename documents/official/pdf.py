"""An official document printed to PDF (WeasyPrint, the template documents/official.html)."""
from django.template.loader import render_to_string


def render_pdf(document):
    """The document as PDF bytes, in the Decree 30 layout."""
    from weasyprint import HTML

    html = render_to_string("documents/official.html", {"doc": document})
    return HTML(string=html).write_pdf()
