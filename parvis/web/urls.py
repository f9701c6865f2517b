from django.contrib.auth import views as auth_views
from django.urls import path

from parvis.web.views import people, planning, posts, workspaces

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
    path("w/<int:workspace_id>/compose/", posts.compose, name="compose"),
    path("w/<int:workspace_id>/compose/check/", posts.compose_check, name="compose_check"),
    path("w/<int:workspace_id>/posts/<int:post_id>/edit/", posts.compose, name="post_edit"),
    path("w/<int:workspace_id>/posts/<int:post_id>/cancel/", posts.post_cancel, name="post_cancel"),
    path("w/<int:workspace_id>/media/<int:media_id>/", posts.media_file, name="media"),
    path("w/<int:workspace_id>/publications/", planning.publication_list, name="publications"),
    path("w/<int:workspace_id>/publications/<int:publication_id>/", planning.publication_detail, name="publication"),
    path("w/<int:workspace_id>/publications/<int:publication_id>/retry/", planning.publication_retry,
         name="publication_retry"),
    path("w/<int:workspace_id>/publications/<int:publication_id>/cancel/", planning.publication_cancel,
         name="publication_cancel"),
    path("w/<int:workspace_id>/calendar/", planning.calendar, name="calendar"),
]
