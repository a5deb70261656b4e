"""Public verification under /verify/ (filled by the certificate-records work)."""

app_name = "verify"
urlpatterns: list = []
