"""List, create, edit and delete pages for the organisation's records.

One set of views serves every model; each model's page is a small `OrgPage` describing its
columns, filters and form. Reads go through `Model.objects.for_user`, writes through
`get_for_user(..., manage=True)`."""
import copy
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from .. import forms as org_forms
from ..access import get_for_user, require_council_staff, require_office
from ..models import (
    Agency,
    AgencyLevel,
    CalendarDay,
    Commune,
    Council,
    CouncilLevel,
    Delegate,
    DelegateGroup,
    DelegateKind,
    ElectoralUnit,
    Membership,
    Role,
    Term,
)
from ..pagination import paginate
from ..security import login_lock

PAGE_SIZE = 25


@dataclass
class Column:
    label: str
    value: callable


@dataclass
class OrgPage:
    slug: str
    model: type
    form_class: type
    title: str
    columns: list
    select_related: tuple = ()
    prefetch_related: tuple = ()
    filters: dict = field(default_factory=dict)  # GET name -> (label, lookup, choices callable(user))
    searchable: bool = True
    namespace: str = "delegations"
    # Called inside the saving transaction: after_save(saved, as_it_was_or_None, user=…), after_delete(deleted).
    after_save: callable = None
    after_delete: callable = None

    def url(self, action, pk=None):
        name = f"{self.namespace}:{self.slug}_{action}"
        return reverse(name, args=[pk]) if pk is not None else reverse(name)

    @property
    def url_list(self):
        return self.url("list")

    @property
    def url_create(self):
        return self.url("create")

    @property
    def url_update_name(self):
        return f"{self.namespace}:{self.slug}_update"

    @property
    def url_delete_name(self):
        return f"{self.namespace}:{self.slug}_delete"


def council_choices(user):
    return [(c.pk, c.name) for c in Council.objects.for_user(user)]


def group_choices(user):
    return [(g.pk, g.name) for g in DelegateGroup.objects.for_user(user).select_related(None)]


def names(values):
    return ", ".join(str(v) for v in values)


COUNCIL_FILTER = {"council": (_("Council"), "council_id", council_choices)}

PAGES = {
    page.slug: page
    for page in [
        OrgPage(
            "council", Council, org_forms.CouncilForm, _("Councils"),
            [Column(_("Name"), lambda o: o.name), Column(_("Level"), lambda o: o.get_level_display()),
             Column(_("Parent council"), lambda o: o.parent or "—"), Column(_("Place name"), lambda o: o.place_name)],
            select_related=("parent",),
            filters={"level": (_("Level"), "level", lambda user: CouncilLevel.choices)},
        ),
        OrgPage(
            "term", Term, org_forms.TermForm, _("Terms"),
            [Column(_("Council"), lambda o: o.council), Column(_("Term"), lambda o: o.name),
             Column(_("Years"), lambda o: f"{o.start_year}–{o.end_year}"),
             Column(_("Current"), lambda o: _("yes") if o.is_current else "")],
            select_related=("council",), filters=COUNCIL_FILTER, searchable=False,
        ),
        OrgPage(
            "commune", Commune, org_forms.CommuneForm, _("Communes"),
            [Column(_("Name"), lambda o: o.name), Column(_("Kind"), lambda o: o.get_kind_display()),
             Column(_("Code"), lambda o: o.code), Column(_("Commune council"), lambda o: o.own_council or "—"),
             Column(_("Kept by"), lambda o: o.council)],
            select_related=("council", "own_council"), filters=COUNCIL_FILTER,
        ),
        OrgPage(
            "electoral_unit", ElectoralUnit, org_forms.ElectoralUnitForm, _("Electoral units"),
            [Column(_("Unit"), lambda o: o), Column(_("Seats"), lambda o: o.seats),
             Column(_("Communes"), lambda o: names(o.communes.all())), Column(_("Council"), lambda o: o.council)],
            select_related=("council",), prefetch_related=("communes",), filters=COUNCIL_FILTER,
        ),
        OrgPage(
            "group", DelegateGroup, org_forms.DelegateGroupForm, _("Delegate groups"),
            [Column(_("Group"), lambda o: o.name), Column(_("Leader"), lambda o: o.leader or "—"),
             Column(_("Deputy"), lambda o: o.deputy or "—"),
             Column(_("Members"), lambda o: len(o.members.all())),
             Column(_("Communes covered"), lambda o: names(o.communes.all())),
             Column(_("Council"), lambda o: o.council)],
            select_related=("council", "leader", "deputy"), prefetch_related=("communes", "members"),
            filters=COUNCIL_FILTER,
        ),
        OrgPage(
            "delegate", Delegate, org_forms.DelegateForm, _("Delegates"),
            [Column(_("Full name"), lambda o: o.full_name), Column(_("Kind"), lambda o: o.get_kind_display()),
             Column(_("Position"), lambda o: o.position), Column(_("Organisation"), lambda o: o.organisation),
             Column(_("Group"), lambda o: o.group or "—"), Column(_("Phone"), lambda o: o.phone),
             Column(_("Council"), lambda o: o.council)],
            select_related=("council", "group"),
            filters={
                **COUNCIL_FILTER,
                "group": (_("Group"), "group_id", group_choices),
                "kind": (_("Kind"), "kind", lambda user: DelegateKind.choices),
            },
        ),
        OrgPage(
            "agency", Agency, org_forms.AgencyForm, _("Agencies"),
            [Column(_("Name"), lambda o: o.name), Column(_("Short name"), lambda o: o.short_name),
             Column(_("Level"), lambda o: o.get_level_display()), Column(_("Parent agency"), lambda o: o.parent or "—"),
             Column(_("Active"), lambda o: _("yes") if o.is_active else _("no")),
             Column(_("Council"), lambda o: o.council)],
            select_related=("council", "parent"),
            filters={**COUNCIL_FILTER, "level": (_("Level"), "level", lambda user: AgencyLevel.choices)},
        ),
        OrgPage(
            "membership", Membership, org_forms.MembershipForm, _("Users"),
            [Column(_("Username"), lambda o: o.user.username), Column(_("Full name"), lambda o: o.user.get_full_name()),
             Column(_("Role"), lambda o: o.get_role_display()),
             Column(_("Group / agency"), lambda o: o.group or o.agency or "—"),
             Column(_("Active"), lambda o: _("yes") if o.is_active else _("no")),
             Column(_("Council"), lambda o: o.council)],
            select_related=("council", "user", "group", "agency"),
            filters={**COUNCIL_FILTER, "role": (_("Role"), "role", lambda user: Role.choices)},
        ),
        OrgPage(
            "calendar_day", CalendarDay, org_forms.CalendarDayForm, _("Council days off and make-up days"),
            [Column(_("Date"), lambda o: o.date.strftime("%d/%m/%Y")), Column(_("Kind"), lambda o: o.get_kind_display()),
             Column(_("Reason"), lambda o: o.reason), Column(_("Council"), lambda o: o.council)],
            select_related=("council",), filters=COUNCIL_FILTER, searchable=False,
            # A day off added inside an open deadline's span moves it: CalendarDay.save()/delete()
            # recompute (whatever the path); the page says how many moved and where to see them.
            after_save=lambda day, before, user=None: None,
            after_delete=lambda day: None,
        ),
    ]
}


class OrgPageMixin(LoginRequiredMixin):
    pages = PAGES  # another app serves its simple records with these views and its own pages

    @property
    def page(self):
        return self.pages[self.kwargs["slug"]]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.kwargs["slug"] not in self.pages:
            raise Http404
        self.check_role(request.user)
        return super().dispatch(request, *args, **kwargs)

    def check_role(self, user):
        require_council_staff(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = self.page
        context["can_manage"] = self.page.model.objects.managed_by(self.request.user).exists() or (
            Council.objects.managed_by(self.request.user).exists()
        )
        return context


class OrgListView(OrgPageMixin, TemplateView):
    template_name = "delegations/org_list.html"

    def check_role(self, user):
        # Users and their roles are the office's business.
        if self.kwargs["slug"] == "membership":
            require_office(user)
        else:
            require_council_staff(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page, user, params = self.page, self.request.user, self.request.GET
        rows = page.model.objects.for_user(user)
        query = params.get("q", "").strip()
        if query and page.searchable:
            rows = rows.search(query)
        active_filters = []
        for name, (label, lookup, choices) in page.filters.items():
            options = [(str(value), text) for value, text in choices(user)]
            selected = params.get(name, "")
            if selected and selected in {value for value, _text in options}:
                rows = rows.filter(**{lookup: selected})
            active_filters.append({"name": name, "label": label, "options": options, "selected": selected})
        rows = rows.select_related(*page.select_related).prefetch_related(*page.prefetch_related)
        page_obj, querystring = paginate(self.request, rows, PAGE_SIZE)
        managed_councils = set(Council.objects.managed_by(user).values_list("pk", flat=True))
        context.update(
            query=query,
            filters=active_filters,
            page_obj=page_obj,
            querystring=querystring,
            rows=[
                {
                    "object": obj,
                    "cells": [column.value(obj) for column in page.columns],
                    "editable": self.row_council_id(obj) in managed_councils,
                }
                for obj in page_obj.object_list
            ],
        )
        return context

    def row_council_id(self, obj):
        return obj.pk if isinstance(obj, Council) else obj.council_id


class OrgFormView(OrgPageMixin, TemplateView):
    template_name = "delegations/org_form.html"

    def check_role(self, user):
        require_office(user)

    def get_object(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return self.page.model()
        return get_for_user(self.page.model, self.request.user, pk, manage=True)

    def get_form(self, obj):
        data = self.request.POST if self.request.method == "POST" else None
        return self.page.form_class(data, instance=obj, user=self.request.user)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_to_response(self.get_context_data(object=obj, form=self.get_form(obj)))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        before = copy.copy(obj) if obj.pk else None  # validation writes the new values onto obj
        form = self.get_form(obj)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                if self.page.after_save:
                    self.page.after_save(saved, before, user=self.request.user)
            messages.success(request, _("Saved: %(object)s.") % {"object": saved})
            deadlines_moved_message(request, saved)
            return redirect(self.page.url("list"))
        messages.error(request, _("Please correct the errors below."))
        return self.render_to_response(self.get_context_data(object=obj, form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = kwargs["object"]
        context["history"] = history_entries(obj) if obj.pk else []
        if isinstance(obj, Membership) and obj.pk:  # the office's unlock button (delegations/security.py)
            context["login_lock"] = login_lock(obj.user.get_username())
        return context


class OrgDeleteView(OrgPageMixin, TemplateView):
    template_name = "delegations/org_confirm_delete.html"

    def check_role(self, user):
        require_office(user)

    def get(self, request, *args, **kwargs):
        obj = get_for_user(self.page.model, request.user, kwargs["pk"], manage=True)
        return self.render_to_response(self.get_context_data(object=obj))

    def post(self, request, *args, **kwargs):
        obj = get_for_user(self.page.model, request.user, kwargs["pk"], manage=True)
        label = str(obj)
        try:
            with transaction.atomic():
                obj.delete()
                if self.page.after_delete:
                    self.page.after_delete(obj)
        except ProtectedError:
            messages.error(request, _("%(object)s is still used by other records and cannot be deleted.")
                           % {"object": label})
            return redirect(self.page.url("list"))
        messages.success(request, _("Deleted: %(object)s.") % {"object": label})
        deadlines_moved_message(request, obj)
        return redirect(self.page.url("list"))


def deadlines_moved_message(request, obj):
    """After a calendar change: how many open deadlines it moved (CalendarDay.save()/delete() leave
    them on the instance); the working-days page lists them."""
    moved = getattr(obj, "deadlines_moved", None)
    if moved:
        messages.info(request, ngettext(
            "%(n)s open deadline moved with this change: see them on the working-days page.",
            "%(n)s open deadlines moved with this change: see them on the working-days page.",
            len(moved)) % {"n": len(moved)})


def readable_value(model_field, value):
    """A recorded value as a person reads it: the related row's name, the choice's label."""
    if value in (None, "", []):
        return None
    if model_field.is_relation and model_field.many_to_many:
        # django-simple-history records an M2M as the through rows: [{"petition": 3, "petitionfield": 1}]
        target = model_field.m2m_reverse_field_name()
        ids = [row.get(target) for row in value if isinstance(row, dict)]
        names = model_field.related_model._default_manager.filter(pk__in=ids)
        return ", ".join(str(n) for n in names)
    if model_field.is_relation and model_field.many_to_one:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else value
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def history_entries(obj, limit=20):
    """The object's recorded changes, newest first, each with the fields that changed."""
    records = list(obj.history.select_related("history_user").order_by("-history_date")[: limit + 1])
    entries = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                if change.field == "search_text":
                    continue
                model_field = obj._meta.get_field(change.field)
                changes.append({
                    "field": model_field.verbose_name,
                    "old": readable_value(model_field, change.old),
                    "new": readable_value(model_field, change.new),
                })
        if newer.history_type == "~" and not changes:
            continue  # a save that changed nothing a person reads
        user = newer.history_user
        who = (user.get_full_name() or user.username) if user else _("system")
        entries.append({"record": newer, "changes": changes, "who": who})
    return entries[:limit]



def page_urls(pages):
    """List, create, edit and delete URLs for each page of `pages`."""
    patterns = []
    for slug in pages:
        prefix, extra = slug.replace("_", "-"), {"slug": slug}
        patterns += [
            path(f"{prefix}/", OrgListView.as_view(pages=pages), extra, name=f"{slug}_list"),
            path(f"{prefix}/new/", OrgFormView.as_view(pages=pages), extra, name=f"{slug}_create"),
            path(f"{prefix}/<int:pk>/edit/", OrgFormView.as_view(pages=pages), extra, name=f"{slug}_update"),
            path(f"{prefix}/<int:pk>/delete/", OrgDeleteView.as_view(pages=pages), extra, name=f"{slug}_delete"),
        ]
    return patterns
