from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/<int:org_pk>/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/pii/", views.member_pii, name="pii"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/transfer/", views.member_transfer, name="transfer"),
    path("<int:pk>/delete/", views.member_delete, name="delete"),
    path("<int:pk>/positions/new/", views.position_assign, name="position_assign"),
    path("positions/<int:pk>/end/", views.position_end, name="position_end"),
    path("<int:pk>/mobility/new/", views.mobility_start, name="mobility_start"),
    path("mobility/<int:pk>/end/", views.mobility_end, name="mobility_end"),
]
