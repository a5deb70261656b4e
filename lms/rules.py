"""Pure rules of lesson completion and video watching (no database access)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

# A required video counts as watched when this share of it has really been played.
VIDEO_WATCHED_SHARE = 0.9
# Players may run faster than real time (1.5x, 2x); more than this cannot be watching.
MAX_PLAYBACK_RATE = 2.0
# Network jitter between the player's clock and ours.
PLAYBACK_TOLERANCE_SECONDS = 3.0
MAX_VIDEO_SECONDS = 24 * 3600


def heartbeat_cap_seconds() -> int:
    """The most one heartbeat may credit (the page beats about every 30 s)."""
    return settings.SNOWLAND_HEARTBEAT_CAP_SECONDS


def credit_seconds(*, now: datetime, last_beat_at: datetime | None) -> int:
    """Real time since the learner's previous accepted heartbeat, capped per beat.

    The first beat only starts the clock. A replayed or early beat credits only the
    real time that passed, so time cannot be inflated by sending more beats.
    """
    if last_beat_at is None or now <= last_beat_at:
        return 0
    return int(min((now - last_beat_at).total_seconds(), heartbeat_cap_seconds()))


def merge_segments(segments: list[list[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted(segments):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def watched_seconds(segments: list[list[float]]) -> float:
    return sum(end - start for start, end in merge_segments(segments))


def allowed_segment_end(*, start: float, end: float, elapsed_seconds: float) -> float:
    """Clamp a reported played segment to what real time allows: seeking is not watching."""
    longest = elapsed_seconds * MAX_PLAYBACK_RATE + PLAYBACK_TOLERANCE_SECONDS
    return min(end, start + max(longest, 0.0))


@dataclass(frozen=True)
class LessonRule:
    required_seconds: int
    required_videos: dict[str, int | None]  # block id → authored length, if given
    checkpoints: frozenset[str]
    video_ids: frozenset[str] = frozenset()  # every video block, required or not

    @classmethod
    def for_lesson(cls, lesson) -> "LessonRule":
        return cls.from_content(
            raw_body=lesson.body.raw_data,
            min_study_minutes=lesson.min_study_minutes,
            estimated_minutes=lesson.estimated_minutes,
        )

    @classmethod
    def from_content(
        cls, *, raw_body, min_study_minutes: int | None, estimated_minutes: int
    ) -> "LessonRule":
        """The rule of a lesson with this stream data (raw: no block objects are built)
        and these minutes."""
        videos: dict[str, int | None] = {}
        video_ids, checkpoints = set(), set()
        for block in raw_body:
            if block["type"] == "video":
                video_ids.add(block["id"])
                if block["value"].get("required"):
                    videos[block["id"]] = block["value"].get("duration_seconds") or None
            elif block["type"] == "checkpoint":
                checkpoints.add(block["id"])
        minutes = min_study_minutes or estimated_minutes
        return cls(
            required_seconds=round(minutes * 60 * settings.SNOWLAND_STUDY_TIME_SCALE),
            required_videos=videos,
            checkpoints=frozenset(checkpoints),
            video_ids=frozenset(video_ids),
        )

    def video_watched(self, block_id: str, record: dict | None) -> bool:
        if not record:
            return False
        length = self.required_videos.get(block_id) or record.get("duration") or 0
        if length <= 0:
            return False
        return watched_seconds(record.get("segments", [])) >= VIDEO_WATCHED_SHARE * length

    def met(self, *, study_seconds: int, video_segments: dict, checkpoints: dict) -> bool:
        return (
            study_seconds >= self.required_seconds
            and all(self.video_watched(b, video_segments.get(b)) for b in self.required_videos)
            and self.checkpoints <= checkpoints.keys()
        )
