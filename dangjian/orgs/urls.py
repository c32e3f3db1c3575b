from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("search/", views.org_search, name="search"),
    path("overdue/", views.org_overdue, name="overdue"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/children/", views.org_children, name="children"),
    path("<int:pk>/new/", views.org_create, name="create"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/move/", views.org_move, name="move"),
    path("<int:pk>/delete/", views.org_delete, name="delete"),
]
