"""Certificate downloads (filled by the certificate-records work)."""

certificate_urlpatterns: list = []
