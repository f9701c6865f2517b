from django.http import HttpRequest, HttpResponse
from django.urls import path


def connect(request: HttpRequest, workspace_id: int) -> HttpResponse:
    return HttpResponse("Kestrel has nothing to connect to.")


app_name = "kestrel"
urlpatterns = [path("w/<int:workspace_id>/connect/kestrel/", connect, name="connect")]
