from django.urls import path

from dangjian.core.views import placeholder

app_name = "imports"
urlpatterns = [path("", placeholder, name="index")]
