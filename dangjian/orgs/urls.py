from django.urls import path

from dangjian.core.views import placeholder

app_name = "orgs"
urlpatterns = [path("", placeholder, name="tree")]
