"""Reports on petitions (BC): the list with the form to ask for one, a report's page (its download
box polled by htmx while the worker renders it), issuing a draft, and the downloads. Office staff and
the standing committee only: they hold every petition of a round."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from delegations.access import get_for_user, require_role
from delegations.confirm import confirmation, is_confirmed
from delegations.dates import SensibleDateField
from delegations.downloads import file_download
from delegations.forms import DateInput
from delegations.models import OVERSIGHT_ROLES, Council, Role
from delegations.once import once
from delegations.pagination import paginate
from delegations.textforms import NormalisedForm
from plans.models import ContactRound, Sitting
from plans.services import document_number_next, document_number_text, document_number_used

from .. import reports
from ..forms import ReportIssueForm
from ..models import Report, ReportKind

PAGE_SIZE = 20


class RoundChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.plan.council} · {obj}"


class SittingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.council} · {obj}"


class ReportRequestForm(NormalisedForm):
    council = forms.ModelChoiceField(label=gettext_lazy("council"), queryset=Council.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("report"), choices=ReportKind.choices, widget=forms.RadioSelect,
                             initial=ReportKind.ROUND)
    round = RoundChoice(label=gettext_lazy("round"), queryset=ContactRound.objects.none(), required=False,
                        help_text=gettext_lazy("The consolidated report is about a round; a results report is "
                                               "for a round or for a sitting."))
    sitting = SittingChoice(label=gettext_lazy("sitting"), queryset=Sitting.objects.none(), required=False,
                            help_text=gettext_lazy("Results report only: the petitions forwarded before this "
                                                   "sitting, and those still open."))
    signing_lines = forms.CharField(label=gettext_lazy("signing authority and position"), widget=forms.Textarea(
        attrs={"rows": 2}), initial="TM. THƯỜNG TRỰC HĐND\nCHỦ TỊCH", required=False)
    signer_name = forms.CharField(label=gettext_lazy("signer's name"), max_length=150, required=False)
    intended_on = SensibleDateField(label=gettext_lazy("intended date"), required=False, widget=DateInput(),
                                    help_text=gettext_lazy("The draft prints its month and year; empty: today."))
    document_symbol = forms.CharField(label=gettext_lazy("document symbol"), max_length=30, required=False,
                                      help_text=gettext_lazy("Empty: the council's first symbol."))
    recipients = forms.CharField(label=gettext_lazy("recipients (Nơi nhận)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=gettext_lazy("One a line; leave empty for the usual list."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        councils = reports.request_councils(user).order_by("level", "name")
        self.fields["council"].queryset = councils
        self.fields["round"].queryset = (ContactRound.objects.filter(plan__council__in=councils)
                                         .select_related("plan__council").order_by("-starts_on"))
        self.fields["sitting"].queryset = (Sitting.objects.filter(council__in=councils)
                                           .select_related("council").order_by("-opens_on"))
        # The signer of the council's last report, to start from.
        last = (Report.objects.filter(council__in=councils).exclude(signer_name="")
                .order_by("-requested_at", "-pk").values_list("signing_lines", "signer_name").first())
        if last:
            self.fields["signing_lines"].initial, self.fields["signer_name"].initial = last
        first_two = list(councils[:2])
        self.only_council = first_two[0] if len(first_two) == 1 else None
        if self.only_council is not None:  # one council: nothing to choose
            self.fields["council"].initial = self.only_council
            self.fields["council"].required = False
            self.fields["council"].widget = forms.HiddenInput()

    def clean_council(self):
        return self.cleaned_data.get("council") or self.only_council


def _require_report_roles(user):
    """Reports are for the office and the standing committee: 403 for everyone else."""
    require_role(user, *OVERSIGHT_ROLES)


@login_required
def report_list(request):
    _require_report_roles(request.user)
    form = ReportRequestForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data

            def ask():
                report = reports.report_request(
                    user=request.user, council=data["council"], kind=data["kind"], round=data["round"],
                    sitting=data["sitting"], signer_name=data["signer_name"], signing_lines=data["signing_lines"],
                    recipients=data["recipients"], intended_on=data["intended_on"],
                    document_symbol=data["document_symbol"].strip())
                messages.success(request, _("The report is being prepared; it will be ready to download here."))
                return report.get_absolute_url()

            try:
                outcome = once(request, ask)  # a double click asks for one report
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if outcome.repeated:
                    messages.info(request, outcome.message)
                return redirect(outcome.url or "petitions:report_list")
        status = 400
    rows = Report.objects.for_user(request.user).select_related(
        "council", "round__plan", "sitting", "requested_by")
    page_obj, querystring = paginate(request, rows, PAGE_SIZE)
    return render(request, "petitions/report_list.html", {
        "form": form, "page_obj": page_obj, "querystring": querystring,
    }, status=status)


def _report(request, pk):
    _require_report_roles(request.user)
    return get_for_user(Report, request.user, pk)


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    can_request = Report.objects.requestable_by(request.user).filter(pk=report.pk).exists()
    can_issue = report.number is None and _may_issue(request.user, report)
    return render(request, "petitions/report_detail.html", {
        "report": report, "can_request": can_request, "can_issue": can_issue, "today": timezone.localdate(),
    })


def _may_issue(user, report):
    """Issuing takes a number of the council's register: its office only (reports._take_number)."""
    return user.is_superuser or user.memberships.filter(council=report.council, role=Role.OFFICE,
                                                        is_active=True).exists()


@login_required
def report_files(request, pk):
    """The download box, polled by htmx while the worker renders the report."""
    report = _report(request, pk)
    can_request = Report.objects.requestable_by(request.user).filter(pk=report.pk).exists()
    return render(request, "petitions/report_files.html", {"report": report, "can_request": can_request})


@login_required
@require_POST
def report_issue(request, pk):
    report = _report(request, pk)
    form = ReportIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(report)
    if not is_confirmed(request):
        if not _may_issue(request.user, report):  # as the service refuses it: before asking to confirm
            raise PermissionDenied
        if report.number is not None:  # issued meanwhile: the service says by whom
            messages.error(request, _("This report is already issued as %(number)s.") % {"number": report.number_text})
            return redirect(report)
        issued_on = form.cleaned_data["issued_on"] or timezone.localdate()
        typed = form.cleaned_data["number"]
        if typed and document_number_used(council=report.council, year=issued_on.year, type_code=Report.TYPE_CODE,
                                          number=typed):
            messages.error(request, _("Number %(number)02d/%(type)s is already used in %(year)s.")
                           % {"number": typed, "type": Report.TYPE_CODE, "year": issued_on.year})
            return redirect(report)
        number = typed or document_number_next(
            council=report.council, year=issued_on.year, type_code=Report.TYPE_CODE)
        text = document_number_text(council=report.council, number=number, type_code=Report.TYPE_CODE,
                                    symbol=report.document_symbol)
        return confirmation(request, title=_("Issue the report?"), subject=report.get_kind_display(), consequences=[
            _("Number %(number)s will be taken and cannot be taken back.") % {"number": text},
            _("The report is printed once more with its number and the date %(date)s; an issued report does not "
              "change after.") % {"date": issued_on.strftime("%d/%m/%Y")},
        ], button=_("Issue with number %(number)s") % {"number": text}, cancel_url=report.get_absolute_url())
    try:
        reports.report_issue(report=report, user=request.user, number=form.cleaned_data["number"],
                             issued_on=form.cleaned_data["issued_on"], confirm_order=form.cleaned_data["confirm_order"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is issued; its numbered copy is being prepared."))
    return redirect(report)


@login_required
@require_POST
def report_refresh(request, pk):
    report = _report(request, pk)
    if not Report.objects.requestable_by(request.user).filter(pk=report.pk).exists():
        raise PermissionDenied
    try:
        reports.report_refresh(report=report, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is being prepared again with today's data."))
    return redirect(report)


@login_required
def report_download(request, pk, fmt):
    report = _report(request, pk)
    if fmt not in Report.FILE_FORMATS or not report.is_ready:
        raise Http404
    file = getattr(report, fmt)
    if not file:
        raise Http404
    return file_download(file, reports.file_stem(report))
