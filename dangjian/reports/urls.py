from django.urls import path

from .views import campaign_bulletin, home

urlpatterns = [
    path("", home, name="home"),
    path("campaigns/<int:pk>/bulletin.docx", campaign_bulletin, name="campaign_bulletin"),
]
