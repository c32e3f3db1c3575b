from django.urls import path

from . import import_views as views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/roster.xlsx", views.roster_template, name="roster_template"),
    path("template/orgs.xlsx", views.org_template, name="org_template"),
    path("export/members.xlsx", views.export_members, name="export_members"),
    path("<str:token>/", views.preview, name="preview"),
    path("<str:token>/confirm/", views.confirm, name="confirm"),
    path("<str:token>/cancel/", views.cancel, name="cancel"),
]
