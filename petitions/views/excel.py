"""Export the petition list to Excel and import an edited sheet back."""

def export(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404

def import_sheet(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404

def template(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404
