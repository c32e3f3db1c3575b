from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("start/", views.campaign_start_view, name="start"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/lagging/", views.lagging, name="lagging"),
    path("<int:pk>/todo/", views.todo, name="todo"),
]
