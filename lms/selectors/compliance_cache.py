"""A learner's own credit standing, kept in the cache between their views.

`learner_compliance` costs three queries and a few milliseconds of arithmetic on every
view of the dashboard and the transcript, though what it reads changes rarely. Its
report is kept here, and never outlives what it was computed from:

* The key holds everything else the report depends on: the learner (id and joining
  time, so that a recycled id never meets another person's entry), the year, the day
  (with the date alone "on track" becomes "at risk"), the profile fields that choose
  the rule set (institution, profession, title level: read from the user row the
  request already holds), the language (labels and gaps are translated when
  computed), the at-risk setting and the code version (a deploy may change the
  engine or the translations).
* The entry is stamped with two tokens, read in the same round trip as the entry:
  the *rules generation*, which any save or delete of a rule set, a rule or an
  institution (the rule sets' scopes read its place in the tree and its kind)
  replaces; and the learner's *ledger stamp*, which any credit entry of theirs
  replaces. Both are replaced now and again once the write commits, so that a
  report computed in between from uncommitted data is not kept. A missing token
  (first use, or evicted) is created before the data are read, so an entry stamped
  with the old one is never served.
* Entries expire after `ENTRY_SECONDS` whatever happens, so that a change made behind
  the ORM's back is seen within the hour. The ledger is append-only; the only
  writers that bypass its signals are the benchmark data generators' bulk inserts
  (`generate_load_data`, `generate_hr_benchmark_data`), which run on an empty cache
  or for new people.

The HR pages and exports judge many people from their own summaries; only a learner
looking at their own standing goes through here.
"""

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from accounts.models import User
from accounts.shared_cache import cache_get_many, stamp_current, stamp_replace, unstamped
from courses.caching import code_version
from lms.compliance import ComplianceReport
from lms.selectors.compliance import learner_compliance

logger = logging.getLogger(__name__)

RULES_GENERATION_KEY = "snowland:compliance:rules"
_LEDGER_STAMP_KEY = "snowland:compliance:ledger:{learner_id}"
_ENTRY_KEY = "snowland:compliance:report:{learner_id}:{digest}"
ENTRY_SECONDS = 60 * 60
# Outlives the entries stamped with it; an expired stamp only costs a recomputation.
LEDGER_STAMP_SECONDS = 60 * 60 * 24


def _ledger_stamp_key(learner_id: int) -> str:
    return _LEDGER_STAMP_KEY.format(learner_id=learner_id)


def _entry_key(*, learner: User, year: int, today: datetime.date) -> str:
    joined = learner.date_joined.timestamp() if learner.date_joined else 0
    parts = (
        code_version(),
        joined,
        year,
        today.isoformat(),
        translation.get_language() or "",
        settings.SNOWLAND_COMPLIANCE_AT_RISK_LAG,
        # What chooses the rule set (lms.selectors.compliance.rule_set_fits); the
        # institution's place and kind are covered by the rules generation.
        learner.institution_id or "",
        learner.profession,
        learner.title_level,
    )
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return _ENTRY_KEY.format(learner_id=learner.pk, digest=digest)


def compliance_rules_generation_bump() -> None:
    """Invalidate every cached report: a rule set, a rule or an institution changed."""
    stamp_replace(RULES_GENERATION_KEY, strict=False)


def compliance_ledger_stamp_bump(*, learner_id: int) -> None:
    """Invalidate one learner's cached reports: their ledger changed."""
    stamp_replace(_ledger_stamp_key(learner_id), timeout=LEDGER_STAMP_SECONDS, strict=False)


def learner_compliance_cached(
    *, learner: User, year: int, today: datetime.date | None = None
) -> ComplianceReport:
    """`learner_compliance`, from the cache when nothing it depends on has changed:
    one cache round trip and no query on a repeat view. For the learner's own pages."""
    today = today or timezone.localdate()
    key = _entry_key(learner=learner, year=year, today=today)
    stamp_key = _ledger_stamp_key(learner.pk)
    try:
        found = cache_get_many([RULES_GENERATION_KEY, stamp_key, key])
    except Exception:  # the cache is down: answer from the database
        logger.warning("Compliance cache unavailable; reading the database.", exc_info=True)
        return learner_compliance(learner=learner, year=year, today=today)
    rules, ledger, entry = found.get(RULES_GENERATION_KEY), found.get(stamp_key), found.get(key)
    kept = unstamped(entry, rules, ledger)
    if kept:
        return kept[0]
    try:
        # The stamps are settled before the data are read: a write committing after
        # this point replaces them, so the entry stored below is never served.
        rules = stamp_current(RULES_GENERATION_KEY, rules)
        ledger = stamp_current(stamp_key, ledger, timeout=LEDGER_STAMP_SECONDS)
    except Exception:
        logger.warning("Compliance cache unavailable; reading the database.", exc_info=True)
        rules = ledger = None
    report = learner_compliance(learner=learner, year=year, today=today)
    if rules and ledger:
        try:
            cache.set(key, (rules, ledger, report), timeout=ENTRY_SECONDS)
        except Exception:
            logger.warning("Could not cache a compliance report.", exc_info=True)
    return report
