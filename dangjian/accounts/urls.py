from django.urls import path

from dangjian.core.views import placeholder

app_name = "accounts"
urlpatterns = [path("", placeholder, name="tokens")]
