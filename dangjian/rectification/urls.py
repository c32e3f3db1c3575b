from django.urls import path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("lists/", views.office_lists, name="lists"),
    path("duplicates/", views.duplicate_report, name="duplicates"),
    path("new/", views.problem_create, name="create"),
    path("export/", views.ledger_export, name="export"),
    path("import/", views.ledger_import, name="import"),
    path("import/confirm/", views.ledger_import_confirm, name="import_confirm"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/edit/", views.problem_edit, name="edit"),
    path("<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("<int:pk>/start/", views.problem_start, name="start"),
    path("<int:pk>/progress/", views.problem_progress, name="progress"),
    path("<int:pk>/request-close/", views.problem_request_close, name="request_close"),
    path("<int:pk>/verify/", views.problem_verify, name="verify"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
]
