from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site pages")

    def ready(self):
        # The page cache's invalidation receivers and its Wagtail serve hook.
        from cms.page_cache import connect_invalidation

        connect_invalidation()
