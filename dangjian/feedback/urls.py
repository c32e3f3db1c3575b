from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_index, name="index"),
    path("<int:pk>/", views.feedback_detail, name="detail"),
]
