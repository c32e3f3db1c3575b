from django.urls import path

from dangjian.core.views import placeholder

app_name = "members"
urlpatterns = [path("", placeholder, name="list")]
