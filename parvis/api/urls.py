from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from parvis.api import analytics as analytics_views
from parvis.api import approval as approval_views
from parvis.api import approval_override as approval_override_views
from parvis.api import approval_settings as approval_settings_views
from parvis.api import audit as audit_views
from parvis.api import calendar_feed as calendar_feed_views
from parvis.api import campaigns as campaign_views
from parvis.api import files as file_views
from parvis.api import imports as import_views
from parvis.api import inbox as inbox_views
from parvis.api import inbox_channels as channel_views
from parvis.api import inbox_check as inbox_check_views
from parvis.api import inbox_metrics as inbox_metrics_views
from parvis.api import inbox_rules as rule_views
from parvis.api import inbox_settings as inbox_settings_views
from parvis.api import me as me_views
from parvis.api import media as media_views
from parvis.api import members as member_views
from parvis.api import missions as mission_views
from parvis.api import pause as pause_views
from parvis.api import publications as publication_views
from parvis.api import queue as queue_views
from parvis.api import reports as report_views
from parvis.api import roi as roi_views
from parvis.api import series as series_views
from parvis.api import veille as veille_views
from parvis.api import veille_clusters as cluster_views
from parvis.api import veille_competitors as competitor_views
from parvis.api import veille_digests as digest_views
from parvis.api import veille_monitors as monitor_views
from parvis.api import views
from parvis.api import webhook_endpoints as webhook_views
from parvis.api import workspaces_admin as workspace_admin_views
from parvis.core.ids import register_converters
from parvis.web.csp import api_docs

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "api"
urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),  # Swagger UI, under its own Content-Security-Policy
    # The person behind the token.
    path("me/", me_views.Me.as_view(), name="me"),
    path("me/email/", me_views.MeEmail.as_view(), name="me-email"),
    path("me/notifications/", me_views.MyNotifications.as_view(), name="me-notifications"),
    path("me/notifications/read/", me_views.MyNotificationsRead.as_view(), name="me-notifications-read"),
    path("me/notification-choices/", me_views.MyNotificationChoices.as_view(), name="me-notification-choices"),
    path("workspaces/", workspace_admin_views.WorkspaceListCreate.as_view(), name="workspaces"),
    path("workspaces/<id:pk>/", workspace_admin_views.WorkspaceDetailUpdate.as_view(), name="workspace"),
    path("workspaces/<id:workspace_id>/members/", member_views.MemberList.as_view(), name="members"),
    path("workspaces/<id:workspace_id>/invitations/", member_views.InvitationList.as_view(), name="invitations"),
    path("invitations/<id:pk>/", member_views.InvitationDetail.as_view(), name="invitation"),
    path("workspaces/<id:workspace_id>/accounts/", views.AccountList.as_view(), name="accounts"),
    path("workspaces/<id:workspace_id>/posts/", views.PostList.as_view(), name="posts"),
    path("workspaces/<id:workspace_id>/charter/", views.CharterDetail.as_view(), name="charter"),
    path("workspaces/<id:workspace_id>/mission/<str:month>/", mission_views.MissionDetail.as_view(), name="mission"),
    path("workspaces/<id:workspace_id>/campaigns/", campaign_views.CampaignList.as_view(), name="campaigns"),
    path("workspaces/<id:workspace_id>/labels/", campaign_views.LabelList.as_view(), name="labels"),
    path("campaigns/<id:pk>/", campaign_views.CampaignDetail.as_view(), name="campaign"),
    path("campaigns/<id:pk>/archive/", campaign_views.CampaignArchive.as_view(), name="campaign-archive"),
    path("labels/<id:pk>/", campaign_views.LabelDetail.as_view(), name="label"),
    path("workspaces/<id:workspace_id>/publications/", publication_views.PublicationList.as_view(),
         name="publications"),
    path("publications/", publication_views.AllPublicationList.as_view(), name="all-publications"),
    path("workspaces/<id:workspace_id>/pause/", pause_views.WorkspacePause.as_view(), name="workspace-pause"),
    path("workspaces/<id:workspace_id>/resume/", pause_views.WorkspaceResume.as_view(), name="workspace-resume"),
    path("workspaces/<id:workspace_id>/media/", media_views.MediaList.as_view(), name="media"),
    path("media/<id:pk>/", media_views.MediaDetail.as_view(), name="media-detail"),
    path("media/<id:pk>/file/", file_views.MediaFile.as_view(), name="media-file"),
    path("posts/<id:pk>/", views.PostDetail.as_view(), name="post"),
    path("posts/<id:pk>/media/<id:media_id>/file/", file_views.PostMediaFile.as_view(), name="post-media-file"),
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
    path("publications/<id:pk>/confirm/", views.PublicationConfirm.as_view(), name="publication-confirm"),
    path("publications/<id:pk>/send-again/", views.PublicationSendAgain.as_view(),
         name="publication-send-again"),
    path("publications/<id:pk>/cancel/", views.PublicationCancel.as_view(),
         name="publication-cancel"),
    path("workspaces/<id:workspace_id>/imports/", import_views.ImportCreate.as_view(), name="imports"),
    path("workspaces/<id:workspace_id>/imports/template.csv", import_views.ImportTemplate.as_view(),
         name="import-template"),
    path("imports/<id:pk>/", import_views.ImportDetail.as_view(), name="import"),
    path("imports/<id:pk>/run/", import_views.ImportRun.as_view(), name="import-run"),
    path("accounts/<id:pk>/", workspace_admin_views.AccountDisconnect.as_view(), name="account"),
    path("accounts/<id:pk>/queue/", queue_views.AccountQueueDetail.as_view(), name="account-queue"),
    path("accounts/<id:pk>/queue/shuffle/", queue_views.AccountQueueShuffle.as_view(),
         name="account-queue-shuffle"),
    path("accounts/<id:pk>/queue/move/", queue_views.AccountQueueMove.as_view(), name="account-queue-move"),
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
    # The workspace's private calendar feed (ICS): its address only in the answer that issues it.
    path("workspaces/<id:workspace_id>/calendar-feed/", calendar_feed_views.CalendarFeed.as_view(),
         name="calendar-feed"),
    path("workspaces/<id:workspace_id>/calendar-feed/rotate/", calendar_feed_views.CalendarFeedRotate.as_view(),
         name="calendar-feed-rotate"),
    # Recurring posts.
    path("workspaces/<id:workspace_id>/series/", series_views.SeriesList.as_view(), name="series-list"),
    path("series/<id:pk>/", series_views.SeriesDetail.as_view(), name="series"),
    path("series/<id:pk>/stop/", series_views.SeriesStop.as_view(), name="series-stop"),
    # The inbox's settings: target and crisis thresholds, the model, crisis alerts, working hours,
    # the rota, notification channels, rules, response times.
    path("workspaces/<id:workspace_id>/inbox/settings/", inbox_settings_views.InboxSettingsDetail.as_view(),
         name="inbox-settings"),
    path("workspaces/<id:workspace_id>/inbox/retrain/", inbox_settings_views.InboxRetrain.as_view(),
         name="inbox-retrain"),
    path("workspaces/<id:workspace_id>/inbox/crisis-alerts/", inbox_settings_views.CrisisAlertList.as_view(),
         name="inbox-crisis-alerts"),
    path("inbox/crisis-alerts/<id:pk>/acknowledge/", inbox_settings_views.CrisisAlertAcknowledge.as_view(),
         name="inbox-crisis-alert-acknowledge"),
    path("workspaces/<id:workspace_id>/inbox/hours/", inbox_settings_views.InboxHours.as_view(), name="inbox-hours"),
    path("workspaces/<id:workspace_id>/inbox/rota/", inbox_settings_views.InboxRota.as_view(), name="inbox-rota"),
    path("inbox/rota/<id:pk>/", inbox_settings_views.InboxRotaSlot.as_view(), name="inbox-rota-slot"),
    # La veille: feeds followed (OPML in and out), folders, entries and one's marks.
    path("workspaces/<id:workspace_id>/feeds/", veille_views.FeedList.as_view(), name="feeds"),
    path("workspaces/<id:workspace_id>/feeds/import/", veille_views.FeedImport.as_view(), name="feeds-import"),
    path("workspaces/<id:workspace_id>/feeds/export/", veille_views.FeedExport.as_view(), name="feeds-export"),
    path("workspaces/<id:workspace_id>/feeds/watch/", veille_views.FeedWatch.as_view(), name="feeds-watch"),
    path("feeds/<id:pk>/", veille_views.FeedDetail.as_view(), name="feed"),
    path("feeds/<id:pk>/resume/", veille_views.FeedResume.as_view(), name="feed-resume"),
    path("workspaces/<id:workspace_id>/feed-folders/", veille_views.FolderList.as_view(), name="feed-folders"),
    path("feed-folders/<id:pk>/", veille_views.FolderDetail.as_view(), name="feed-folder"),
    path("workspaces/<id:workspace_id>/entries/", veille_views.EntryList.as_view(), name="entries"),
    path("workspaces/<id:workspace_id>/entries/marks/", veille_views.EntryMarks.as_view(), name="entry-marks"),
    path("workspaces/<id:workspace_id>/digests/", digest_views.DigestList.as_view(), name="digests"),
    path("workspaces/<id:workspace_id>/digests/schedule/", digest_views.DigestScheduleView.as_view(),
         name="digest-schedule"),
    path("digests/<id:pk>/", digest_views.DigestDetail.as_view(), name="digest"),
    path("workspaces/<id:workspace_id>/entries/share/", digest_views.EntryShare.as_view(), name="entry-share"),
    path("workspaces/<id:workspace_id>/veille/clusters/", cluster_views.ClusterList.as_view(), name="clusters"),
    path("workspaces/<id:workspace_id>/analytics/dashboard/", analytics_views.AnalyticsDashboard.as_view(),
         name="analytics-dashboard"),
    path("workspaces/<id:workspace_id>/analytics/posts/", analytics_views.AnalyticsPosts.as_view(),
         name="analytics-posts"),
    path("analytics/dashboard/", analytics_views.AgencyDashboard.as_view(), name="analytics-agency-dashboard"),
    path("accounts/<id:pk>/best-times/", analytics_views.AccountBestTimes.as_view(), name="account-best-times"),
    path("workspaces/<id:workspace_id>/timing-experiments/", analytics_views.TimingExperimentList.as_view(),
         name="timing-experiments"),
    path("timing-experiments/<id:pk>/", analytics_views.TimingExperimentDetail.as_view(), name="timing-experiment"),
    path("workspaces/<id:workspace_id>/short-links/", analytics_views.ShortLinkList.as_view(), name="short-links"),
    path("short-links/<id:pk>/clicks/", analytics_views.ShortLinkClicks.as_view(), name="short-link-clicks"),
    path("publications/<id:pk>/snapshots/", analytics_views.PublicationSnapshots.as_view(),
         name="publication-snapshots"),
    # What the CM's time costs and brings: figures, cost settings, time entered, conversions and their sources.
    path("workspaces/<id:workspace_id>/analytics/roi/", roi_views.Roi.as_view(), name="roi"),
    path("workspaces/<id:workspace_id>/cost-settings/", roi_views.CostSettingsDetail.as_view(), name="cost-settings"),
    path("workspaces/<id:workspace_id>/time-entries/", roi_views.TimeEntryList.as_view(), name="time-entries"),
    path("time-entries/<id:pk>/", roi_views.TimeEntryDetail.as_view(), name="time-entry"),
    path("workspaces/<id:workspace_id>/conversions/", roi_views.ConversionList.as_view(), name="conversions"),
    path("workspaces/<id:workspace_id>/conversions/import/", roi_views.ConversionImport.as_view(),
         name="conversions-import"),
    path("workspaces/<id:workspace_id>/conversion-sources/", roi_views.ConversionSourceList.as_view(),
         name="conversion-sources"),
    path("conversion-sources/<id:pk>/", roi_views.ConversionSourceDetail.as_view(), name="conversion-source"),
    # Client reports: what each holds and when it goes out, the runs and their files, the agency's look.
    path("workspaces/<id:workspace_id>/report-definitions/", report_views.ReportDefinitionList.as_view(),
         name="report-definitions"),
    path("report-definitions/<id:pk>/", report_views.ReportDefinitionDetail.as_view(), name="report-definition"),
    path("workspaces/<id:workspace_id>/report-runs/", report_views.ReportRunList.as_view(), name="report-runs"),
    path("report-runs/<id:pk>/", report_views.ReportRunDetail.as_view(), name="report-run"),
    path("report-runs/<id:pk>/send/", report_views.ReportRunSend.as_view(), name="report-run-send"),
    path("report-runs/<id:pk>/files/<str:format>/", report_views.ReportRunFile.as_view(), name="report-file"),
    path("report-look/", report_views.ReportLookDetail.as_view(), name="report-look"),
    path("workspaces/<id:workspace_id>/competitors/", competitor_views.CompetitorList.as_view(), name="competitors"),
    path("workspaces/<id:workspace_id>/competitors/board/", competitor_views.CompetitorBoard.as_view(),
         name="competitor-board"),
    path("competitors/<id:pk>/", competitor_views.CompetitorDetail.as_view(), name="competitor"),
    path("competitors/<id:pk>/accounts/", competitor_views.CompetitorAccounts.as_view(), name="competitor-accounts"),
    path("competitors/<id:pk>/posts/", competitor_views.CompetitorPosts.as_view(), name="competitor-posts"),
    path("competitor-accounts/<id:pk>/", competitor_views.CompetitorAccountDetail.as_view(),
         name="competitor-account"),
    path("competitor-accounts/<id:pk>/resume/", competitor_views.CompetitorAccountResume.as_view(),
         name="competitor-account-resume"),
    path("workspaces/<id:workspace_id>/monitors/", monitor_views.MonitorList.as_view(), name="monitors"),
    path("workspaces/<id:workspace_id>/monitors/lab/", monitor_views.MonitorLab.as_view(), name="monitor-lab"),
    path("monitors/<id:pk>/", monitor_views.MonitorDetail.as_view(), name="monitor"),
    path("monitors/<id:pk>/apply/", monitor_views.MonitorApply.as_view(), name="monitor-apply"),
    path("monitors/<id:pk>/hits/", monitor_views.MonitorHits.as_view(), name="monitor-hits"),
    path("monitors/<id:pk>/spikes/", monitor_views.MonitorSpikes.as_view(), name="monitor-spikes"),
    path("workspaces/<id:workspace_id>/inbox/channels/", channel_views.ChannelList.as_view(),
         name="inbox-channels"),
    path("inbox/channels/<id:pk>/", channel_views.ChannelDetail.as_view(), name="inbox-channel"),
    path("inbox/channels/<id:pk>/test/", channel_views.ChannelTest.as_view(), name="inbox-channel-test"),
    path("workspaces/<id:workspace_id>/inbox/rules/", rule_views.RuleList.as_view(), name="inbox-rules"),
    path("workspaces/<id:workspace_id>/inbox/rules/preview/", rule_views.RulePreview.as_view(),
         name="inbox-rule-preview"),
    path("inbox/rules/<id:pk>/", rule_views.RuleDetail.as_view(), name="inbox-rule"),
    path("inbox/rules/<id:pk>/move/", rule_views.RuleMove.as_view(), name="inbox-rule-move"),
    path("inbox/rules/<id:pk>/test/", rule_views.RuleTest.as_view(), name="inbox-rule-test"),
    path("workspaces/<id:workspace_id>/inbox/response-times/", inbox_metrics_views.ResponseTimes.as_view(),
         name="inbox-response-times"),
    # Approval settings and client approvers.
    path("workspaces/<id:workspace_id>/approval-settings/", approval_settings_views.ApprovalSettings.as_view(),
         name="approval-settings"),
    path("workspaces/<id:workspace_id>/client-approvers/", approval_settings_views.ClientApproverList.as_view(),
         name="client-approvers"),
    path("client-approvers/<id:pk>/send-link/", approval_settings_views.ClientApproverSendLink.as_view(),
         name="client-approver-send-link"),
    path("client-approvers/<id:pk>/revoke/", approval_settings_views.ClientApproverRevoke.as_view(),
         name="client-approver-revoke"),
    path("portal-links/<id:pk>/revoke/", approval_settings_views.PortalLinkRevoke.as_view(),
         name="portal-link-revoke"),
    # The audit log.
    path("workspaces/<id:workspace_id>/audit/", audit_views.AuditList.as_view(), name="audit"),
    path("workspaces/<id:workspace_id>/audit/export.csv", audit_views.AuditExport.as_view(), name="audit-export"),
    # Outgoing webhooks (Standard Webhooks): endpoints, their deliveries and attempts.
    path("workspaces/<id:workspace_id>/webhook-endpoints/", webhook_views.EndpointList.as_view(),
         name="webhook-endpoints"),
    path("workspaces/<id:workspace_id>/webhook-endpoints/<id:pk>/", webhook_views.EndpointDetail.as_view(),
         name="webhook-endpoint"),
    path("workspaces/<id:workspace_id>/webhook-endpoints/<id:pk>/rotate-secret/",
         webhook_views.EndpointRotateSecret.as_view(), name="webhook-endpoint-rotate-secret"),
    path("workspaces/<id:workspace_id>/webhook-endpoints/<id:pk>/ping/", webhook_views.EndpointPing.as_view(),
         name="webhook-endpoint-ping"),
    path("workspaces/<id:workspace_id>/webhook-endpoints/<id:pk>/deliveries/",
         webhook_views.DeliveryList.as_view(), name="webhook-deliveries"),
    path("workspaces/<id:workspace_id>/webhook-endpoints/<id:pk>/deliveries/<id:delivery_id>/send-again/",
         webhook_views.DeliverySendAgain.as_view(), name="webhook-delivery-send-again"),
]
