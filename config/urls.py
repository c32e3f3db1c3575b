from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from dangjian.core.health import healthz

admin.site.site_header = "党建工作平台 后台管理"
admin.site.site_title = "党建工作平台"

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("dangjian.accounts.urls")),
    path("", include("dangjian.reports.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.orgs.member_urls")),
    path("imports/", include("dangjian.orgs.import_urls")),
    path("activities/", include("dangjian.activities.urls")),
    path("compliance/", include("dangjian.requirements.urls")),
    path("campaigns/", include("dangjian.campaigns.urls")),
    path("feedback/", include("dangjian.feedback.urls")),
    path("rectification/", include("dangjian.rectification.urls")),
    path("research/", include("dangjian.research.urls")),
    path("cases/", include("dangjian.cases.urls")),
]
