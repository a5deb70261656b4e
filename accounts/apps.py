from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


def _sync_roles_after_last_app(sender, **kwargs):
    # post_migrate fires once per app; permissions of every app exist only once the
    # last app has had its turn, so the roles are synced then.
    if sender.label != list(apps.get_app_configs())[-1].label:
        return
    from accounts.services import roles_sync

    roles_sync(using=kwargs.get("using", "default"))


class AccountsConfig(AppConfig):
    default = True  # apps.py holds two configs; this one is the app's own
    name = "accounts"
    verbose_name = _("Accounts and institutions")

    def ready(self):
        post_migrate.connect(_sync_roles_after_last_app, dispatch_uid="accounts.roles_sync")
        from accounts.permission_cache import connect_receivers

        connect_receivers()


class SnowlandUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with the profile fields on its forms."""

    default = False
    user_viewset = "accounts.viewsets.UserViewSet"
