from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from parvis.api import approval as approval_views
from parvis.api import approval_override as approval_override_views
from parvis.api import campaigns as campaign_views
from parvis.api import imports as import_views
from parvis.api import inbox as inbox_views
from parvis.api import inbox_check as inbox_check_views
from parvis.api import media as media_views
from parvis.api import pause as pause_views
from parvis.api import queue as queue_views
from parvis.api import views
from parvis.core.ids import register_converters
from parvis.web.csp import api_docs

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "api"
urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),  # Swagger UI, under its own Content-Security-Policy
    path("workspaces/", views.WorkspaceList.as_view(), name="workspaces"),
    path("workspaces/<id:pk>/", views.WorkspaceDetail.as_view(), name="workspace"),
    path("workspaces/<id:workspace_id>/accounts/", views.AccountList.as_view(), name="accounts"),
    path("workspaces/<id:workspace_id>/posts/", views.PostList.as_view(), name="posts"),
    path("workspaces/<id:workspace_id>/charter/", views.CharterDetail.as_view(), name="charter"),
    path("workspaces/<id:workspace_id>/campaigns/", campaign_views.CampaignList.as_view(), name="campaigns"),
    path("workspaces/<id:workspace_id>/labels/", campaign_views.LabelList.as_view(), name="labels"),
    path("workspaces/<id:workspace_id>/publications/", views.PublicationList.as_view(),
         name="publications"),
    path("workspaces/<id:workspace_id>/pause/", pause_views.WorkspacePause.as_view(), name="workspace-pause"),
    path("workspaces/<id:workspace_id>/resume/", pause_views.WorkspaceResume.as_view(), name="workspace-resume"),
    path("workspaces/<id:workspace_id>/media/", media_views.MediaList.as_view(), name="media"),
    path("media/<id:pk>/", media_views.MediaDetail.as_view(), name="media-detail"),
    path("posts/<id:pk>/", views.PostDetail.as_view(), name="post"),
    path("posts/<id:pk>/cancel/", views.PostCancel.as_view(), name="post-cancel"),
    path("posts/<id:pk>/submit/", approval_views.PostSubmit.as_view(), name="post-submit"),
    path("posts/<id:pk>/approve/", approval_views.PostApprove.as_view(), name="post-approve"),
    path("posts/<id:pk>/request-changes/", approval_views.PostRequestChanges.as_view(),
         name="post-request-changes"),
    path("posts/<id:pk>/comments/", approval_views.PostComments.as_view(), name="post-comments"),
    path("posts/<id:pk>/publish-without-approval/", approval_override_views.PostPublishWithoutApproval.as_view(),
         name="post-publish-without-approval"),
    path("publications/<id:pk>/", views.PublicationDetail.as_view(), name="publication"),
    path("publications/<id:pk>/retry/", views.PublicationRetry.as_view(), name="publication-retry"),
    path("publications/<id:pk>/cancel/", views.PublicationCancel.as_view(),
         name="publication-cancel"),
    path("workspaces/<id:workspace_id>/imports/", import_views.ImportCreate.as_view(), name="imports"),
    path("workspaces/<id:workspace_id>/imports/template.csv", import_views.ImportTemplate.as_view(),
         name="import-template"),
    path("imports/<id:pk>/", import_views.ImportDetail.as_view(), name="import"),
    path("imports/<id:pk>/run/", import_views.ImportRun.as_view(), name="import-run"),
    path("accounts/<id:pk>/queue/", queue_views.AccountQueueDetail.as_view(), name="account-queue"),
    path("accounts/<id:pk>/queue/shuffle/", queue_views.AccountQueueShuffle.as_view(),
         name="account-queue-shuffle"),
    # The unified inbox and the saved replies (FAQ).
    path("inbox/items/", inbox_views.InboxItemList.as_view(), name="inbox-items"),
    path("inbox/items/<id:pk>/", inbox_views.InboxItemDetail.as_view(), name="inbox-item"),
    path("inbox/items/<id:pk>/notes/", inbox_views.InboxItemNotes.as_view(), name="inbox-item-notes"),
    path("inbox/items/<id:pk>/corrections/", inbox_views.InboxItemCorrections.as_view(),
         name="inbox-item-corrections"),
    path("inbox/items/<id:pk>/reply/", inbox_views.InboxItemReply.as_view(), name="inbox-item-reply"),
    path("inbox/items/<id:pk>/actions/", inbox_views.InboxItemActions.as_view(), name="inbox-item-actions"),
    path("workspaces/<id:workspace_id>/inbox/check-now/", inbox_check_views.WorkspaceInboxCheckNow.as_view(),
         name="workspace-inbox-check-now"),
    path("workspaces/<id:workspace_id>/saved-replies/", inbox_views.SavedReplyList.as_view(),
         name="saved-replies"),
    path("workspaces/<id:workspace_id>/saved-replies/<id:pk>/", inbox_views.SavedReplyDetail.as_view(),
         name="saved-reply"),
]
