from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("start/", views.campaign_start_view, name="start"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/lagging/", views.lagging, name="lagging"),
    path("<int:pk>/todo/", views.todo, name="todo"),
    path("<int:pk>/idle/", views.idle, name="idle"),
    path("<int:pk>/uniform/", views.uniform, name="uniform"),
    path("<int:pk>/burden/", views.burden, name="burden"),
    path("<int:pk>/weekly/", views.weekly, name="weekly"),
    path("<int:pk>/weekly/file/", views.weekly_file, name="weekly_file"),
    path("<int:pk>/weekly/units/", views.weekly_units, name="weekly_units"),
    path("plans/<int:plan_pk>/close/", views.weekly_close, name="weekly_close"),
]
