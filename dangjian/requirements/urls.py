from django.urls import path

from dangjian.core.views import placeholder

app_name = "compliance"
urlpatterns = [path("", placeholder, name="dashboard")]
