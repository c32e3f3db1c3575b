from django.urls import path

from . import views

app_name = "research"
urlpatterns = [
    path("", views.topic_list, name="list"),
    path("new/", views.topic_create, name="create"),
    path("<int:pk>/", views.topic_detail, name="detail"),
    path("<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("<int:pk>/report/", views.report_submit, name="report"),
    path("<int:pk>/report/file/", views.report_download, name="report_file"),
    path("<int:pk>/convert/problem/", views.convert_problem, name="convert_problem"),
    path("<int:pk>/convert/suggestion/", views.convert_suggestion, name="convert_suggestion"),
]
