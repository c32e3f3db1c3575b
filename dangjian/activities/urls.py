from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("attendees/", views.activity_attendees, name="attendees"),
    path("calendar/", views.activity_calendar, name="calendar"),
    path("mine/", views.activity_mine, name="mine"),
    path("absences/", views.activity_absences, name="absences"),
    path("export/records.xlsx", views.export_records, name="export_records"),
    path("export/attendance.xlsx", views.export_attendance, name="export_attendance"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/delete/", views.activity_delete, name="delete"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
