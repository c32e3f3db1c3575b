from django.urls import path

from . import records_views, views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("start/", views.campaign_start_view, name="start"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/lagging/", views.lagging, name="lagging"),
    path("<int:pk>/todo/", views.todo, name="todo"),
    path("<int:pk>/idle/", views.idle, name="idle"),
    path("<int:pk>/uniform/", views.uniform, name="uniform"),
    path("<int:pk>/burden/", views.burden, name="burden"),
    path("<int:pk>/weekly/", views.weekly, name="weekly"),
    path("<int:pk>/weekly/file/", views.weekly_file, name="weekly_file"),
    path("<int:pk>/weekly/units/", views.weekly_units, name="weekly_units"),
    path("plans/<int:plan_pk>/close/", views.weekly_close, name="weekly_close"),
    # 宣传报道, 人工确认, 批次调整
    path("<int:pk>/publicity/", records_views.publicity_list, name="publicity"),
    path("<int:pk>/publicity/new/", records_views.publicity_new, name="publicity_new"),
    path("<int:pk>/confirmations/", records_views.confirmation_list, name="confirmations"),
    path("<int:pk>/confirmations/new/", records_views.confirm, name="confirm"),
    path(
        "confirmations/<int:cpk>/withdraw/", records_views.confirmation_withdraw, name="confirmation_withdraw"
    ),
    path("<int:pk>/batches/<int:batch_pk>/", records_views.batch_edit_view, name="batch_edit"),
    path("<int:pk>/materials/", records_views.materials, name="materials"),
    path("self-study/", records_views.self_study, name="self_study"),
]
