from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from parvis.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("workspaces/", views.WorkspaceList.as_view(), name="workspaces"),
    path("workspaces/<int:pk>/", views.WorkspaceDetail.as_view(), name="workspace"),
    path("workspaces/<int:workspace_id>/accounts/", views.AccountList.as_view(), name="accounts"),
    path("workspaces/<int:workspace_id>/posts/", views.PostList.as_view(), name="posts"),
    path("workspaces/<int:workspace_id>/publications/", views.PublicationList.as_view(),
         name="publications"),
    path("posts/<int:pk>/", views.PostDetail.as_view(), name="post"),
    path("posts/<int:pk>/cancel/", views.PostCancel.as_view(), name="post-cancel"),
    path("publications/<int:pk>/", views.PublicationDetail.as_view(), name="publication"),
    path("publications/<int:pk>/retry/", views.PublicationRetry.as_view(), name="publication-retry"),
    path("publications/<int:pk>/cancel/", views.PublicationCancel.as_view(),
         name="publication-cancel"),
]
