from django.core.paginator import Paginator


def paginate(request, rows, per_page):
    """The requested page of `rows`, and the request's other parameters (filters, search) to keep
    in the page links."""
    page_obj = Paginator(rows, per_page).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return page_obj, querystring.urlencode()
