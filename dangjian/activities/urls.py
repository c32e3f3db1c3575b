from django.urls import path

from dangjian.core.views import placeholder

app_name = "activities"
urlpatterns = [path("", placeholder, name="list")]
