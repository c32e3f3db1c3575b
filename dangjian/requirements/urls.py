from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("lagging/", views.lagging, name="lagging"),
    path("drill/", views.drill, name="drill"),
    path("todo/", views.todo, name="todo"),
    path("results/<int:pk>/missing/", views.missing, name="missing"),
    path("org/<int:org_id>/", views.org_detail, name="org"),
]
