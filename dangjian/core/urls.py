from django.urls import path

from dangjian.core.views import home

urlpatterns = [path("", home, name="home")]
