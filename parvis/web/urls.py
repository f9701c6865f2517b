from django.contrib.auth import views as auth_views
from django.urls import path

from parvis.web.views import (
    approvals,
    audit,
    campaigns,
    comments,
    imports,
    people,
    planning,
    portal,
    posts,
    review,
    workspaces,
)
from parvis.web.views import calendar as calendar_views
from parvis.web.views import library as library_views
from parvis.web.views import pause as pause_views
from parvis.web.views import queue as queue_views
from parvis.web.views import series as series_views
from parvis.web.views.charter import charter_settings

app_name = "web"
urlpatterns = [
    path("login/", people.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitations/<str:token>/", people.accept_invitation, name="accept_invitation"),
    path("settings/", people.user_settings, name="settings"),
    path("settings/tokens/", people.api_tokens, name="api_tokens"),
    path("notifications/", people.notifications, name="notifications"),
    path("", workspaces.home, name="home"),
    path("workspaces/new/", workspaces.workspace_create, name="workspace_create"),
    path("w/<int:workspace_id>/settings/", workspaces.workspace_settings, name="workspace_settings"),
    path("w/<int:workspace_id>/accounts/", workspaces.accounts, name="accounts"),
    path("w/<int:workspace_id>/accounts/<int:account_id>/disconnect/", workspaces.disconnect, name="disconnect"),
    path("w/<int:workspace_id>/members/", workspaces.members, name="members"),
    path("w/<int:workspace_id>/charter/", charter_settings, name="charter"),
    path("w/<int:workspace_id>/compose/", posts.compose, name="compose"),
    path("w/<int:workspace_id>/compose/check/", posts.compose_check, name="compose_check"),
    path("w/<int:workspace_id>/posts/<int:post_id>/edit/", posts.compose, name="post_edit"),
    path("w/<int:workspace_id>/posts/<int:post_id>/cancel/", posts.post_cancel, name="post_cancel"),
    path("w/<int:workspace_id>/media/<int:media_id>/", posts.media_file, name="media"),
    # The media library.
    path("w/<int:workspace_id>/library/", library_views.library_index, name="library"),
    path("w/<int:workspace_id>/library/picker/", library_views.library_picker, name="library_picker"),
    path("w/<int:workspace_id>/library/<int:asset_id>/", library_views.library_asset, name="library_asset"),
    path("w/<int:workspace_id>/library/<int:asset_id>/delete/", library_views.library_delete,
         name="library_delete"),
    path("w/<int:workspace_id>/library/<int:asset_id>/file/", library_views.library_file, name="library_file"),
    path("w/<int:workspace_id>/library/<int:asset_id>/thumb/", library_views.library_thumb, name="library_thumb"),
    path("w/<int:workspace_id>/publications/", planning.publication_list, name="publications"),
    path("w/<int:workspace_id>/publications/<int:publication_id>/", planning.publication_detail, name="publication"),
    path("w/<int:workspace_id>/publications/<int:publication_id>/retry/", planning.publication_retry,
         name="publication_retry"),
    path("w/<int:workspace_id>/publications/<int:publication_id>/cancel/", planning.publication_cancel,
         name="publication_cancel"),
    # The calendar (planning tool), its drag-and-drop rescheduling and its private ICS feed;
    # campaigns and labels; internal comments.
    path("calendar/", calendar_views.calendar_all, name="calendar_all"),
    path("w/<int:workspace_id>/calendar/", calendar_views.calendar, name="calendar"),
    path("w/<int:workspace_id>/calendar/feed/", calendar_views.calendar_feed, name="calendar_feed"),
    path("w/<int:workspace_id>/posts/<int:post_id>/reschedule/", calendar_views.post_reschedule,
         name="post_reschedule"),
    path("ics/<str:token>.ics", calendar_views.ics_feed, name="ics_feed"),
    path("w/<int:workspace_id>/campaigns/", campaigns.campaign_list, name="campaigns"),
    path("w/<int:workspace_id>/campaigns/<int:campaign_id>/", campaigns.campaign_edit, name="campaign_edit"),
    path("w/<int:workspace_id>/campaigns/<int:campaign_id>/archive/", campaigns.campaign_archive,
         name="campaign_archive"),
    path("w/<int:workspace_id>/labels/<int:label_id>/", campaigns.label_edit, name="label_edit"),
    path("w/<int:workspace_id>/labels/<int:label_id>/delete/", campaigns.label_delete, name="label_delete"),
    path("w/<int:workspace_id>/posts/<int:post_id>/comments/", comments.post_comment, name="post_comment"),
    path("w/<int:workspace_id>/pause/", pause_views.workspace_pause, name="workspace_pause"),
    path("w/<int:workspace_id>/resume/", pause_views.workspace_resume, name="workspace_resume"),
    # Approval: settings and client approvers, the team's review, the audit log, the client portal.
    path("w/<int:workspace_id>/approvals/", approvals.approval_settings, name="approval_settings"),
    path("w/<int:workspace_id>/approvals/clients/<int:client_id>/send/", approvals.client_send_link,
         name="client_send_link"),
    path("w/<int:workspace_id>/approvals/clients/<int:client_id>/revoke/", approvals.client_revoke,
         name="client_revoke"),
    path("w/<int:workspace_id>/approvals/links/<int:link_id>/revoke/", approvals.link_revoke, name="link_revoke"),
    path("w/<int:workspace_id>/review/", review.review_list, name="review"),
    path("w/<int:workspace_id>/posts/<int:post_id>/review/", review.post_review, name="post_review"),
    path("w/<int:workspace_id>/posts/<int:post_id>/review/act/", review.post_review_action,
         name="post_review_action"),
    path("w/<int:workspace_id>/audit/", audit.audit_log, name="audit"),
    path("portal/<str:token>/", portal.portal, name="portal"),
    path("portal/<str:token>/posts/<int:post_id>/", portal.portal_action, name="portal_action"),
    path("portal/<str:token>/media/<int:media_id>/", portal.portal_media, name="portal_media"),
    # Bulk import from CSV.
    path("w/<int:workspace_id>/imports/", imports.import_upload, name="import_upload"),
    path("w/<int:workspace_id>/imports/template.csv", imports.import_template, name="import_template"),
    path("w/<int:workspace_id>/imports/<int:batch_id>/", imports.import_detail, name="import_detail"),
    path("w/<int:workspace_id>/imports/<int:batch_id>/progress/", imports.import_progress, name="import_progress"),
    path("w/<int:workspace_id>/imports/<int:batch_id>/run/", imports.import_run, name="import_run"),
    # Queue slots per account, recurring posts.
    path("w/<int:workspace_id>/accounts/<int:account_id>/queue/", queue_views.queue_page, name="queue"),
    path("w/<int:workspace_id>/accounts/<int:account_id>/queue/move/<int:publication_id>/", queue_views.queue_move,
         name="queue_move"),
    path("w/<int:workspace_id>/accounts/<int:account_id>/queue/shuffle/", queue_views.queue_shuffle,
         name="queue_shuffle"),
    path("w/<int:workspace_id>/accounts/<int:account_id>/queue/pause/", queue_views.queue_pause, name="queue_pause"),
    path("w/<int:workspace_id>/series/", series_views.series_list, name="series_list"),
    path("w/<int:workspace_id>/series/<int:series_id>/", series_views.series_detail, name="series"),
    path("w/<int:workspace_id>/series/<int:series_id>/stop/", series_views.series_stop, name="series_stop"),
]
