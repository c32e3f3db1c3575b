from django.urls import path

from dangjian.core.views import placeholder

urlpatterns = [path("", placeholder, name="home")]
