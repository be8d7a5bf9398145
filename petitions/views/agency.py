"""The agency portal: a responder sees only the petitions forwarded to their agency."""

def inbox(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404

def answer(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404

def extension(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404

def attachment(request, *args, **kwargs):  # placeholder until written
    from django.http import Http404
    raise Http404
