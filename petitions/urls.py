from django.urls import path

from .views import access_log, agency, dashboard, excel, lists, slips, staff
from .views import reports as report_views

app_name = "petitions"

urlpatterns = [
    path("", lists.petition_list, name="petition_list"),
    path("new/", staff.petition_new, name="petition_new"),
    path("similar/", staff.similar, name="similar"),
    path("bulk/", lists.bulk, name="bulk"),
    path("progress/", staff.progress, name="progress"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("submit/", staff.submit, name="submit"),
    path("forwardings/<int:pk>/", staff.forwarding_detail, name="forwarding_detail"),
    path("<int:pk>/", staff.petition_detail, name="petition_detail"),
    path("<int:pk>/classify/", staff.classify, name="classify"),
    path("<int:pk>/merge/", staff.merge, name="merge"),
    path("<int:pk>/unmerge/", staff.unmerge, name="unmerge"),
    path("<int:pk>/send-back/", staff.send_back, name="send_back"),
    path("<int:pk>/close/", staff.close, name="close"),
    path("<int:pk>/raise-again/", staff.raise_again, name="raise_again"),
    path("extensions/<int:pk>/decide/", staff.extension_decide, name="extension_decide"),
    path("floor/<int:session_pk>/", staff.floor, name="floor"),
    path("floor/<int:session_pk>/slips.pdf", slips.floor_slips_pdf, name="floor_slips"),
    path("<int:pk>/slip.pdf", slips.petition_slip_pdf, name="petition_slip"),
    path("lookup/", staff.lookup, name="lookup"),
    path("voter-access-log/", access_log.voter_access_log, name="voter_access_log"),
    path("agency/", agency.inbox, name="agency_inbox"),
    path("agency/<int:pk>/", agency.answer, name="agency_answer"),
    path("agency/<int:pk>/extension/", agency.extension, name="agency_extension"),
    path("answers/<int:pk>/attachment/", agency.attachment, name="answer_attachment"),
    path("export.xlsx", excel.export, name="export"),
    path("import/", excel.import_sheet, name="import"),
    path("import/template.xlsx", excel.template, name="import_template"),
    path("import/<int:pk>/", excel.import_job, name="import_job"),
    path("import/<int:pk>/status/", excel.import_job_status, name="import_job_status"),
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/files/", report_views.report_files, name="report_files"),
    path("reports/<int:pk>/issue/", report_views.report_issue, name="report_issue"),
    path("reports/<int:pk>/refresh/", report_views.report_refresh, name="report_refresh"),
    path("reports/<int:pk>/<str:fmt>/", report_views.report_download, name="report_download"),
]
