"""Study time can only grow with real time; videos count only when really played."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from lms.errors import CheckpointRejected, HeartbeatRejected
from lms.models import LessonProgress
from lms.rules import credit_seconds, merge_segments
from lms.services import checkpoint_answer, heartbeat_record
from lms.services.progress import VideoReport
from tests.accounts.factories import UserFactory
from tests.concurrency import require_postgresql, run_at_once
from tests.courses.factories import LessonPageFactory
from tests.lms.builders import course_with_lessons, enrolled, opened

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def setup(catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=2, minutes=1)
    enrollment = enrolled(learner, course)
    return {
        "course": course,
        "lessons": lessons,
        "enrollment": enrollment,
        "progress": opened(enrollment, lessons[0]),
    }


def beat(learner, lesson, seconds, **kw):
    return heartbeat_record(learner=learner, lesson_id=lesson.pk, now=at(seconds), **kw)


def test_first_beat_starts_the_clock_and_later_beats_credit_real_time(learner, setup):
    lesson = setup["lessons"][0]
    assert beat(learner, lesson, 0).credited_seconds == 0
    assert beat(learner, lesson, 30).credited_seconds == 30
    result = beat(learner, lesson, 45)
    assert result.credited_seconds == 15
    assert result.study_seconds == 45


def test_a_long_gap_is_capped(learner, setup, settings):
    lesson = setup["lessons"][0]
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 3600).credited_seconds == settings.SNOWLAND_HEARTBEAT_CAP_SECONDS


def test_replayed_and_rapid_beats_cannot_inflate_time(learner, setup):
    lesson = setup["lessons"][0]
    beat(learner, lesson, 0)
    credited = [beat(learner, lesson, 10).credited_seconds for _ in range(20)]
    assert credited == [10] + [0] * 19  # the same moment replayed credits nothing more
    rapid = sum(beat(learner, lesson, 10 + i * 0.5).credited_seconds for i in range(1, 41))
    assert rapid <= 20  # 40 beats in 20 s of real time credit at most 20 s
    assert LessonProgress.objects.get(pk=setup["progress"].pk).study_seconds <= 30


def test_two_tabs_do_not_double_the_time(learner, setup):
    first, second = setup["lessons"]
    opened(setup["enrollment"], second)
    beat(learner, first, 0)
    beat(learner, second, 1)
    total = 0
    for t in range(30, 301, 30):
        total += beat(learner, first, t).credited_seconds
        total += beat(learner, second, t + 1).credited_seconds
    assert total <= 301


def test_restart_credits_nothing(learner, setup):
    lesson = setup["lessons"][0]
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 40, restart=True).credited_seconds == 0
    assert beat(learner, lesson, 70).credited_seconds == 30


def test_another_learners_lesson_is_refused(setup):
    intruder = UserFactory()
    with pytest.raises(LessonProgress.DoesNotExist):
        heartbeat_record(learner=intruder, lesson_id=setup["lessons"][0].pk, now=at(0))


def test_lesson_completes_after_its_minimum_time(learner, setup):
    lesson = setup["lessons"][0]  # 1 minute
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 30).lesson_complete is False
    result = beat(learner, lesson, 60)
    assert result.lesson_complete is True
    assert LessonProgress.objects.get(pk=setup["progress"].pk).completed_at == at(60)


def test_study_time_scale_shortens_the_rule_without_bypassing_it(learner, setup, settings):
    settings.SNOWLAND_STUDY_TIME_SCALE = 0.25  # 15 s instead of 60
    lesson = setup["lessons"][0]
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 10).lesson_complete is False
    assert beat(learner, lesson, 16).lesson_complete is True


def test_a_changed_study_time_scale_applies_to_a_kept_rule(learner, setup, settings):
    lesson = setup["lessons"][0]  # 1 minute
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 10).lesson_complete is False  # the rule is kept: 60 s
    settings.SNOWLAND_STUDY_TIME_SCALE = 0.25  # 15 s instead of 60
    assert beat(learner, lesson, 16).lesson_complete is True


def test_credit_rule_is_pure():
    assert credit_seconds(now=at(10), last_beat_at=None) == 0
    assert credit_seconds(now=at(10), last_beat_at=at(20)) == 0  # clock went backwards
    assert merge_segments([[5, 10], [0, 6], [20, 30]]) == [[0, 10], [20, 30]]


# Videos ---------------------------------------------------------------------------


@pytest.fixture
def video_lesson(catalogue, learner):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    course, _ = course_with_lessons(catalogue, lessons=0)
    video = get_document_model().objects.create(title="v", file=ContentFile(b"x", name="v.mp4"))
    lesson = LessonPageFactory(
        parent=course,
        estimated_minutes=1,
        body=[
            (
                "video",
                {"title": "演示", "video_file": video, "required": True, "duration_seconds": 100},
            )
        ],
    )
    opened(enrolled(learner, course), lesson)
    block_id = lesson.body[0].id
    return lesson, block_id


def test_seeking_ahead_does_not_count_as_watching(learner, video_lesson):
    lesson, block = video_lesson
    beat(learner, lesson, 0)
    # 5 s of real time, but the player claims 0 → 95 s (a seek): clamped to 2x real time.
    beat(learner, lesson, 5, video=VideoReport(block, 0, 95, 100))
    progress = LessonProgress.objects.get(lesson=lesson)
    [[start, end]] = progress.video_segments[block]["segments"]
    assert start == 0
    assert end <= 5 * 2 + 3


def test_required_video_must_be_ninety_percent_watched(learner, video_lesson):
    lesson, block = video_lesson
    beat(learner, lesson, 0)
    t = 0
    for position in range(0, 80, 20):  # watch 0 → 80 in real time
        t += 20
        result = beat(learner, lesson, t, video=VideoReport(block, position, position + 20, 100))
    assert result.study_seconds >= 60
    assert result.lesson_complete is False  # 80% watched
    result = beat(learner, lesson, t + 12, video=VideoReport(block, 80, 92, 100))
    assert result.lesson_complete is True


@pytest.mark.parametrize(
    "report",
    [
        VideoReport("no-such-block", 0, 10, 100),
        VideoReport("BLOCK", -5, 10, 100),
        VideoReport("BLOCK", 10, 5, 100),
        VideoReport("BLOCK", 0, 10**9, 10**9),
    ],
)
def test_bad_video_reports_are_rejected_and_change_nothing(learner, video_lesson, report):
    lesson, block = video_lesson
    beat(learner, lesson, 0)
    if report.block_id == "BLOCK":
        report = VideoReport(block, report.start, report.end, report.duration)
    with pytest.raises(HeartbeatRejected):
        beat(learner, lesson, 20, video=report)
    progress = LessonProgress.objects.get(lesson=lesson)
    assert progress.study_seconds == 0
    assert progress.video_segments == {}


# Checkpoints ------------------------------------------------------------------------


@pytest.fixture
def checkpoint_lesson(catalogue, learner):
    course, _ = course_with_lessons(catalogue, lessons=0)
    lesson = LessonPageFactory(
        parent=course,
        estimated_minutes=1,
        body=[
            (
                "checkpoint",
                {
                    "question": "首选药物？",
                    "kind": "single",
                    "choices": [
                        {"text": "乙酰唑胺", "correct": True},
                        {"text": "阿司匹林", "correct": False},
                    ],
                    "explanation": "<p>乙酰唑胺加快习服。</p>",
                },
            )
        ],
    )
    opened(enrolled(learner, course), lesson)
    return lesson, lesson.body[0].id


def test_checkpoint_must_be_answered_before_the_lesson_completes(learner, checkpoint_lesson):
    lesson, block = checkpoint_lesson
    beat(learner, lesson, 0)
    beat(learner, lesson, 30)
    assert beat(learner, lesson, 60).lesson_complete is False
    result = checkpoint_answer(learner=learner, lesson_id=lesson.pk, block_id=block, answer=[1])
    assert result.correct is False
    assert "乙酰唑胺加快习服" in result.explanation
    assert result.lesson_complete is True


@pytest.mark.parametrize("answer", [[], [5], [0, 1], [-1]])
def test_bad_checkpoint_answers_are_rejected(learner, checkpoint_lesson, answer):
    lesson, block = checkpoint_lesson
    with pytest.raises(CheckpointRejected):
        checkpoint_answer(learner=learner, lesson_id=lesson.pk, block_id=block, answer=answer)
    assert LessonProgress.objects.get(lesson=lesson).checkpoints == {}


def test_checkpoint_page_never_shows_the_correct_answer(client, learner, checkpoint_lesson):
    lesson, _block = checkpoint_lesson
    client.force_login(learner)
    html = client.get(lesson.url).content.decode()
    assert "首选药物" in html
    assert "correct" not in html.replace('data-correct="', "").lower().replace("correct.", "")
    assert "乙酰唑胺加快习服" not in html  # the explanation waits for an answer


# The endpoint ------------------------------------------------------------------------


def post_beat(client, payload):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post("/learn/heartbeat/", body, content_type="application/json")


def test_heartbeat_endpoint_queries(client, learner, setup, django_assert_num_queries):
    client.force_login(learner)
    lesson = setup["lessons"][0]
    post_beat(client, {"lesson": lesson.pk, "restart": True})
    # The user (the session is in the cache), then one read of the progress row with the
    # learner's latest beat, and one small write. The lesson is not read: its rule is kept
    # until the next publish.
    with django_assert_num_queries(3) as captured:
        response = post_beat(client, {"lesson": lesson.pk})
    assert response.status_code == 200
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["SELECT", "SELECT", "UPDATE"]
    assert "accounts_user" in captured.captured_queries[0]["sql"]
    assert "lms_lessonprogress" in captured.captured_queries[1]["sql"]
    assert "courses_lessonpage" not in " ".join(q["sql"] for q in captured.captured_queries)


def test_a_publish_costs_the_next_beat_one_read_of_the_lesson(
    client, learner, setup, django_assert_num_queries
):
    client.force_login(learner)
    lesson = setup["lessons"][0]
    post_beat(client, {"lesson": lesson.pk, "restart": True})
    lesson.save_revision().publish()
    with django_assert_num_queries(4) as captured:
        assert post_beat(client, {"lesson": lesson.pk}).status_code == 200
    assert "courses_lessonpage" in captured.captured_queries[2]["sql"]
    with django_assert_num_queries(3):
        assert post_beat(client, {"lesson": lesson.pk}).status_code == 200


def test_republishing_a_lesson_with_another_rule_applies_it_to_the_next_beat(catalogue, learner):
    course, [lesson] = course_with_lessons(catalogue, lessons=1, minutes=2)
    progress = opened(enrolled(learner, course), lesson)
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 30).lesson_complete is False
    assert beat(learner, lesson, 60).lesson_complete is False  # 2 minutes required: kept
    lesson.min_study_minutes = 1
    lesson.save_revision().publish()
    result = beat(learner, lesson, 61)
    assert result.lesson_complete is True  # the kept rule (2 minutes) would say no
    assert LessonProgress.objects.get(pk=progress.pk).completed_at == at(61)


def test_republishing_a_lesson_with_a_longer_minimum_holds_completion_back(catalogue, learner):
    course, [lesson] = course_with_lessons(catalogue, lessons=1, minutes=1)
    opened(enrolled(learner, course), lesson)
    beat(learner, lesson, 0)
    assert beat(learner, lesson, 30).lesson_complete is False
    lesson.min_study_minutes = 3
    lesson.save_revision().publish()
    assert beat(learner, lesson, 60).lesson_complete is False  # the kept rule would say yes
    assert beat(learner, lesson, 90).lesson_complete is False


def test_a_video_added_on_republish_is_accepted_in_reports(learner, setup):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    lesson = setup["lessons"][0]
    beat(learner, lesson, 0)
    report = VideoReport("new-video", 0, 10, 100)
    with pytest.raises(HeartbeatRejected):
        beat(learner, lesson, 10, video=report)
    video = get_document_model().objects.create(title="v", file=ContentFile(b"x", name="v.mp4"))
    lesson.body = [("video", {"title": "新", "video_file": video, "required": True})]
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    block = lesson.body[0].id
    result = beat(learner, lesson, 20, video=VideoReport(block, 0, 10, 100))
    assert result.lesson_complete is False  # the new required video is not watched yet
    assert LessonProgress.objects.get(lesson=lesson).video_segments[block]["segments"] == [[0, 10]]


@pytest.mark.django_db(transaction=True)
def test_racing_beats_on_one_lesson_credit_the_time_once(migration_data, catalogue, learner):
    require_postgresql()
    course, lessons = course_with_lessons(catalogue, lessons=2, minutes=1)
    progress = opened(enrolled(learner, course), lessons[0])
    LessonProgress.objects.filter(pk=progress.pk).update(study_seconds=40)
    beat(learner, lessons[0], 0)
    results, errors = run_at_once(lambda: beat(learner, lessons[0], 30), threads=8)
    assert errors == []
    assert sorted(r.credited_seconds for r in results) == [0] * 7 + [30]
    progress.refresh_from_db()
    assert progress.study_seconds == 70
    assert progress.last_beat_at == at(30)
    # The beat that was credited completed the lesson; the others saw it incomplete.
    assert progress.completed_at == at(30)
    assert [r.lesson_complete for r in results if r.credited_seconds] == [True]
    assert not any(r.course_complete for r in results)  # the second lesson is not done


@pytest.mark.django_db(transaction=True)
def test_racing_first_beats_on_a_new_lesson_credit_the_time_once(
    migration_data, catalogue, learner
):
    require_postgresql()
    course, (first, second) = course_with_lessons(catalogue, lessons=2, minutes=5)
    enrollment = enrolled(learner, course)
    opened(enrollment, first)
    progress = opened(enrollment, second)
    beat(learner, first, 0)
    # The second lesson's first beats continue the study time of the first lesson.
    results, errors = run_at_once(lambda: beat(learner, second, 30), threads=8)
    assert errors == []
    assert sorted(r.credited_seconds for r in results) == [0] * 7 + [30]
    progress.refresh_from_db()
    assert (progress.study_seconds, progress.last_beat_at) == (30, at(30))


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        {"lesson": "abc"},
        {"lesson": -3},
        {},
        {"lesson": 1, "video_block": "x"},
        b"{" + b" " * 5000 + b"}",
    ],
)
def test_malformed_heartbeats_get_400(client, learner, setup, payload):
    client.force_login(learner)
    response = post_beat(client, payload)
    assert response.status_code == 400
    assert "error" in response.json()
    assert LessonProgress.objects.get(pk=setup["progress"].pk).study_seconds == 0


def test_heartbeat_for_someone_elses_lesson_is_404(client, setup):
    client.force_login(UserFactory())
    response = post_beat(client, {"lesson": setup["lessons"][0].pk})
    assert response.status_code == 404


def test_anonymous_heartbeat_is_401(client, setup):
    assert post_beat(client, {"lesson": setup["lessons"][0].pk}).status_code == 401


def test_heartbeat_reports_the_form_accepts_are_still_accepted(client, learner, setup):
    """Beats of the page's usual shape skip the form; others are cleaned by it alike."""
    client.force_login(learner)
    lesson = setup["lessons"][0]
    assert post_beat(client, {"lesson": str(lesson.pk), "restart": "true"}).status_code == 200
    response = post_beat(client, {"lesson": f"{lesson.pk}.0", "restart": 0, "extra": 1})
    assert response.status_code == 200
    assert response.json()["credited_seconds"] >= 0
    restarted = post_beat(client, {"lesson": lesson.pk, "restart": True})
    assert restarted.json()["credited_seconds"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"lesson": True},
        {"lesson": 0},
        {"lesson": 1.5},
        {"lesson": None},
        {"lesson": [1]},
        {"lesson": 1, "video_block": "x", "video_start": 0, "video_end": 1},
    ],
)
def test_oddly_typed_heartbeats_get_400(client, learner, setup, payload):
    client.force_login(learner)
    response = post_beat(client, payload)
    assert response.status_code == 400
    assert response.json() == {"error": str(HeartbeatRejected.MALFORMED)}
