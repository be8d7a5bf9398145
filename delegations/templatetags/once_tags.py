"""`{% form_token %}`: the hidden field that makes a form act once (delegations.once). A form shown
again after an error keeps the token it was sent with, so that fixing and resending it still acts
once."""
import uuid

from django import template
from django.utils.html import format_html

from delegations.once import FIELD, token_from

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context):
    request = context.get("request")
    token = token_from(request) if request is not None and request.method == "POST" else None
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token or uuid.uuid4())
