"""Django's ModelBackend, with each user's permission sets kept in the cache (and the
user's row read by a statement built once, not by the ORM on every request).

Every signed-in page asks permission questions (the menu shows the HR, authoring and
admin links by permission), and ModelBackend answers them with two queries per
request: the user's own permissions and their groups'. Those sets change rarely, so
they are read from the cache in one round trip instead (docs/decisions/0014).

What keeps them right:

* `is_active` and `is_superuser` come from the user's row, read on every request as
  before: a deactivated user has no permission at once, whatever the cache holds.
* The entry is stamped with a *permissions generation*, a token that any change to
  who is in which group, to a user's or a group's permissions, or to a group or a
  permission itself replaces (receivers below), now and again when the write
  commits, so that a set computed from uncommitted data in between is not kept.
* The key holds the user's id, superuser flag and joining time, so that a
  recycled id (a test database rolled back) never meets another user's entry.
* Entries expire after `PERMISSION_CACHE_SECONDS` whatever happens, so that a
  change made behind the ORM's back (raw SQL, a bulk insert of group memberships)
  is seen within minutes; the only writer that does so is the benchmark's data
  generator.
"""

import logging

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import User
from accounts.shared_cache import cache_get_many, stamp_current, stamp_replace, unstamped

logger = logging.getLogger(__name__)

GENERATION_KEY = "snowland:permissions:generation"
_USER_BY_ID = f"SELECT * FROM {User._meta.db_table} WHERE {User._meta.pk.column} = %s"  # noqa: S608
PERMISSION_CACHE_SECONDS = 300
_KINDS = ("user", "group")


def _entry_key(user: User) -> str:
    joined = user.date_joined.timestamp() if user.date_joined else 0
    return f"snowland:permissions:{user.pk}:{int(user.is_superuser)}:{joined}"


def permissions_generation_bump() -> None:
    """Invalidate every cached permission set: now, and again once the write commits.
    A cache error is only logged: entries expire within minutes anyway."""
    stamp_replace(GENERATION_KEY, strict=False)


class CachedPermissionsBackend(ModelBackend):
    """ModelBackend whose user and group permission sets come from the cache."""

    def get_user(self, user_id):
        # Every signed-in request's one unavoidable query: a raw statement, so that the
        # ORM does not build it anew each time (40 % of the heartbeat's own work).
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = next(iter(User._default_manager.raw(_USER_BY_ID, [pk])), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        attribute = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, attribute):
            for kind, permissions in self._cached_sets(user_obj).items():
                setattr(user_obj, f"_{kind}_perm_cache", permissions)
        return getattr(user_obj, attribute)

    def _cached_sets(self, user_obj) -> dict[str, set[str]]:
        key = _entry_key(user_obj)
        try:
            found = cache_get_many([GENERATION_KEY, key])
            # Taken before the database is read: a change meanwhile replaces it.
            generation = stamp_current(GENERATION_KEY, found.get(GENERATION_KEY))
        except Exception:  # the cache is down: answer from the database, as Django does
            logger.warning("Permission cache unavailable; reading the database.", exc_info=True)
            generation = None
        kept = unstamped(found.get(key), generation) if generation is not None else None
        if kept:
            return {kind: set(permissions) for kind, permissions in zip(_KINDS, kept, strict=True)}
        database = super()._get_permissions
        sets = {kind: database(user_obj, None, kind) for kind in _KINDS}
        if generation is not None:
            entry = (generation, *(sorted(sets[kind]) for kind in _KINDS))
            try:
                cache.set(key, entry, timeout=PERMISSION_CACHE_SECONDS)
            except Exception:
                logger.warning("Could not cache a permission set.", exc_info=True)
        return sets


def _membership_or_grant_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        permissions_generation_bump()


def _group_or_permission_changed(sender, **kwargs):
    permissions_generation_bump()


def connect_receivers() -> None:
    """Called from AccountsConfig.ready()."""
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            _membership_or_grant_changed,
            sender=through,
            dispatch_uid=f"accounts.permission_cache.{through._meta.label}",
        )
    for model in (Group, Permission):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                _group_or_permission_changed,
                sender=model,
                dispatch_uid=f"accounts.permission_cache.{model._meta.label}.{name}",
            )
