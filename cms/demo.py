"""Demo content for a fresh install: institutions, one user per role, courses.

Everything is found-or-created by a natural key, so running it again changes
nothing (and never overwrites what an editor changed since).
"""

import html
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model

from accounts.choices import InstitutionKind, Profession, TitleLevel
from accounts.models import Institution, User
from accounts.roles import Role
from accounts.services import (
    department_get_or_create,
    hr_scope_grant,
    institution_create,
    user_add_role,
    user_profile_update,
)
from cms import demo_content
from cms.models import HomePage, HomePageFeaturedCourse, SiteBranding, SiteContact, StandardPage
from cms.services import page_publish, site_setup
from courses.choices import CreditClass, SubjectType
from courses.models import (
    AudienceProfession,
    AudienceTitleLevel,
    CourseCategory,
    CourseFaculty,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    Question,
    QuestionChoice,
)
from lms.models import (
    ActivityDecision,
    ActivityKind,
    ApprovalChain,
    ApprovalLevel,
    Enrollment,
    ExternalActivity,
)
from lms.services import (
    ActivityReport,
    approval_chain_save,
    course_assign,
    enrollment_complete,
    enrollment_create,
    external_activity_decide,
    external_activity_submit,
    heartbeat_record,
    lesson_open,
)

DEMO_PASSWORD = "Snowland-Demo-2026"  # noqa: S105 (printed for the demo; never a real account)

# (path of names from the region down, kind, code)
INSTITUTIONS: list[tuple[tuple[str, ...], str, str]] = [
    (("西藏自治区",), InstitutionKind.REGION, "540000"),
    (("西藏自治区", "拉萨市"), InstitutionKind.CITY, "540100"),
    (("西藏自治区", "拉萨市", "拉萨市卫生健康委员会"), InstitutionKind.HEALTH_COMMISSION, ""),
    (("西藏自治区", "拉萨市", "拉萨市人民医院"), InstitutionKind.TERTIARY_HOSPITAL, ""),
    (("西藏自治区", "拉萨市", "拉萨市藏医院"), InstitutionKind.TIBETAN_MEDICINE_HOSPITAL, ""),
    (("西藏自治区", "拉萨市", "拉萨市疾病预防控制中心"), InstitutionKind.CDC, ""),
    (("西藏自治区", "拉萨市", "林周县"), InstitutionKind.COUNTY, "540121"),
    (("西藏自治区", "拉萨市", "林周县", "林周县人民医院"), InstitutionKind.COUNTY_HOSPITAL, ""),
    (
        ("西藏自治区", "拉萨市", "林周县", "林周县春堆乡卫生院"),
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        "",
    ),
    (
        ("西藏自治区", "拉萨市", "林周县", "林周县春堆乡卫生院", "春堆村卫生室"),
        InstitutionKind.VILLAGE_CLINIC,
        "",
    ),
    (("西藏自治区", "拉萨市", "当雄县"), InstitutionKind.COUNTY, "540122"),
    (("西藏自治区", "拉萨市", "当雄县", "当雄县人民医院"), InstitutionKind.COUNTY_HOSPITAL, ""),
]
DEPARTMENTS = {
    "拉萨市人民医院": ["内科", "外科", "急诊科", "儿科", "护理部", "科教科"],
    "林周县人民医院": ["内科", "外科", "护理部", "人事科"],
    "林周县春堆乡卫生院": ["全科门诊", "公共卫生科"],
}


@dataclass(frozen=True)
class DemoUser:
    email: str
    real_name: str
    role: Role
    institution: str
    department: str
    profession: str
    title_level: str


DEMO_USERS = [
    DemoUser(
        "learner@demo.snowland-cme.cn",
        "次仁多吉",
        Role.LEARNER,
        "林周县人民医院",
        "内科",
        Profession.DOCTOR,
        TitleLevel.INTERMEDIATE,
    ),
    DemoUser(
        "nurse@demo.snowland-cme.cn",
        "央金",
        Role.LEARNER,
        "林周县春堆乡卫生院",
        "全科门诊",
        Profession.NURSE,
        TitleLevel.JUNIOR,
    ),
    DemoUser(
        "author@demo.snowland-cme.cn",
        "李文华",
        Role.COURSE_AUTHOR,
        "拉萨市人民医院",
        "急诊科",
        Profession.DOCTOR,
        TitleLevel.SENIOR,
    ),
    DemoUser(
        "reviewer@demo.snowland-cme.cn",
        "扎西顿珠",
        Role.REVIEWER,
        "拉萨市人民医院",
        "科教科",
        Profession.DOCTOR,
        TitleLevel.SENIOR,
    ),
    DemoUser(
        "hr@demo.snowland-cme.cn",
        "王晓梅",
        Role.HR_OFFICER,
        "林周县人民医院",
        "人事科",
        Profession.OTHER,
        TitleLevel.INTERMEDIATE,
    ),
    DemoUser(
        "admin@demo.snowland-cme.cn",
        "平措",
        Role.SITE_ADMINISTRATOR,
        "拉萨市卫生健康委员会",
        "",
        Profession.OTHER,
        TitleLevel.SENIOR,
    ),
]
HR_DEMO_SCOPE = "林周县"

CATEGORY_COLOURS = {
    "ideology-ethics": (140, 29, 24),
    "general-practice": (30, 107, 53),
    "public-health": (26, 95, 180),
    "tibetan-medicine": (138, 83, 0),
    "clinical-skills": (110, 40, 130),
    "nursing": (0, 120, 130),
    "laws-policy": (70, 70, 90),
}

STANDARD_PAGES = [
    (
        "about",
        "关于平台",
        "雪域继教是面向拉萨市及西藏自治区医务人员的继续医学教育平台。",
        [
            "平台依据拉萨市关于深化医教协同、推进医学教育改革的实施意见建设，面向全市所有在岗在职卫生技术人员，"
            "提供公需科目和专业科目的线上学习、考核与学分登记，重点照顾高海拔、边远县乡医疗卫生机构的医务人员。",
            "课程由继续教育基地的临床教师编写，经继续医学教育委员会审核后发布。学员完成学习并通过考核后，"
            "平台记录学习时间、考核成绩和学分，并出具可在线核验的学分证明。",
            "各医疗卫生机构的科教科、人事科以及县（区）、市卫生健康委员会可以查看本单位、本辖区人员的学分情况，"
            "用于岗位聘用、职称晋升和年度考核。",
        ],
    ),
    (
        "help",
        "帮助",
        "注册、学习、学分和证书的常见问题。",
        [
            "注册：请使用本人常用的电子邮箱注册，并填写与身份证一致的真实姓名、执业类别、职称和所在单位。"
            "注册后请打开邮件中的链接完成邮箱验证，然后即可登录。",
            "学习：在“课程”页面按类别、学分类别、科目类型或适用人员筛选课程，也可以直接搜索课程名称。"
            "手机网络较慢时，课程页面仍可正常浏览，视频可以先下载再观看。",
            "学分：Ⅰ类学分来自国家级和省级继续医学教育项目，Ⅱ类学分来自自学、本单位组织的学术活动等。"
            "两类学分不能互相替代，请按本单位要求分别完成。",
            "忘记密码：在登录页面点击“忘记密码”，按邮件提示重设。如仍有问题，请联系页面底部的平台管理员。",
        ],
    ),
    (
        "policies",
        "学分政策",
        "继续医学教育学分和专业技术人员继续教育学时的基本要求。",
        [
            "中级及以上专业技术职务人员每年参加继续医学教育活动，所获学分不低于25学分，"
            "其中Ⅰ类学分5至10学分，Ⅱ类学分15至20学分，两类学分不可互相替代。",
            "国家级继续医学教育项目，学员考核合格后按每3学时授予1学分；省级项目按每6学时授予1学分；"
            "每个项目所授学分最多不超过25学分。省级以上单位和三级医院的人员，5年内应获得国家级项目学分不少于10学分。",
            "专业技术人员每年参加继续教育的时间累计不少于90学时，其中专业科目一般不少于总学时的三分之二。"
            "各地区、各单位的具体要求以主管部门当年发布的规定为准，平台中的规则由管理员按最新文件维护。",
        ],
    ),
]

ANNOUNCEMENTS = [
    (
        "2026年度继续医学教育学分登记截止提醒",
        date(2026, 11, 15),
        "请各位学员于2026年12月31日前完成本年度学分。各单位科教科将于2027年1月汇总本单位人员学分情况。",
    ),
    (
        "高原病防治系列课程上线",
        date(2026, 10, 20),
        "由拉萨市人民医院急诊科编写的高原病识别与处置课程已通过继续医学教育委员会审核，欢迎基层医务人员学习。",
    ),
]


def _paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)


def _institutions() -> dict[str, Institution]:
    by_name: dict[str, Institution] = {}
    for names, kind, code in INSTITUTIONS:
        parent = by_name.get(names[-2]) if len(names) > 1 else None
        existing = Institution.objects.filter(name=names[-1], depth=len(names)).first()
        by_name[names[-1]] = existing or institution_create(
            name=names[-1], kind=kind, code=code, parent=parent
        )
    for institution_name, departments in DEPARTMENTS.items():
        for department in departments:
            department_get_or_create(institution=by_name[institution_name], name=department)
    return by_name


def _users(institutions: dict[str, Institution]) -> list[User]:
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            user = User.objects.create_user(
                email=spec.email,
                password=DEMO_PASSWORD,
                is_superuser=spec.role == Role.SITE_ADMINISTRATOR,
                is_staff=spec.role == Role.SITE_ADMINISTRATOR,
            )
            institution = institutions[spec.institution]
            department = (
                department_get_or_create(institution=institution, name=spec.department)
                if spec.department
                else None
            )
            user_profile_update(
                user=user,
                real_name=spec.real_name,
                profession=spec.profession,
                title_level=spec.title_level,
                institution=institution,
                department=department,
            )
            user_add_role(user=user, role=spec.role)
            if spec.role == Role.HR_OFFICER:
                hr_scope_grant(user=user, institution=institutions[HR_DEMO_SCOPE])
        EmailAddress.objects.get_or_create(
            user=user, email=spec.email, defaults={"verified": True, "primary": True}
        )
        users.append(user)
    return users


def _cover_image(*, title: str, slug: str, colour: tuple[int, int, int]):
    image_model = get_image_model()
    existing = image_model.objects.filter(title=title).first()
    if existing:
        return existing
    # A generated cover: no download, no font needed, small on a slow link.
    width, height = 960, 540
    canvas = PILImage.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((width - 220, 50, width - 120, 150), fill=(250, 240, 210))
    for i in range(5, -1, -1):  # mountain ridges, far and pale to near and dark
        shade = tuple(min(255, int(c + (255 - c) * i * 0.12)) for c in colour)
        base = height - 40 - i * 60
        peak = (width * ((i * 37) % 9 + 1) // 10, base - 150)
        draw.polygon(
            [(0, height), (0, base), peak, (width, base - 40), (width, height)], fill=shade
        )
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return image_model.objects.create(title=title, file=ImageFile(buffer, name=f"cover-{slug}.png"))


def _categories() -> dict[str, CourseCategory]:
    categories = {}
    for position, spec in enumerate(demo_content.CATEGORIES):
        category, _created = CourseCategory.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "sort_order": position,
            },
        )
        categories[spec["slug"]] = category
    return categories


def _lesson_body(blocks: list) -> list[tuple[str, object]]:
    body: list[tuple[str, object]] = []
    for kind, value in blocks:
        if kind == "heading":
            body.append(("heading", {"text": value, "level": "h2"}))
        elif kind == "paragraph":
            body.append(("paragraph", _paragraphs_html([value])))
        elif kind == "key_point":
            body.append(
                (
                    "callout",
                    {
                        "kind": "key_point",
                        "title": value.get("title", ""),
                        "text": _paragraphs_html([value["text"]]),
                    },
                )
            )
        else:
            raise ValueError(f"Unknown demo block kind: {kind}")
    return body


def _courses(catalogue: CourseIndexPage, categories: dict[str, CourseCategory]) -> list[CoursePage]:
    professions = {p.code: p for p in AudienceProfession.objects.all()}
    levels = {t.code: t for t in AudienceTitleLevel.objects.all()}
    courses = []
    for spec in demo_content.COURSES:
        course = CoursePage.objects.child_of(catalogue).filter(slug=spec["slug"]).first()
        if course is None:
            category = categories[spec["category"]]
            lessons_minutes = sum(lesson["estimated_minutes"] for lesson in spec["lessons"])
            course = CoursePage(
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                learning_objectives="<ol>"
                + "".join(f"<li>{html.escape(o)}</li>" for o in spec["objectives"])
                + "</ol>",
                category=category,
                credit_class=spec["credit_class"],
                cme_project_number=spec["project_number"],
                credits=Decimal(spec["credits"]),
                study_hours=Decimal(spec["study_hours"]),
                subject_type=spec["subject_type"],
                language=spec.get("language", "zh-hans"),
                estimated_minutes=lessons_minutes,
                exam_question_count=demo_content.EXAMS.get(spec["slug"], (0, []))[0],
                enrolment_opens=date(2026, 1, 1),
                enrolment_closes=date(2027, 12, 31),
                cover_image=_cover_image(
                    title=f"封面：{spec['title']}",
                    slug=spec["slug"],
                    colour=CATEGORY_COLOURS.get(spec["category"], (90, 90, 90)),
                ),
            )
            course.target_professions = [professions[c] for c in spec["target_professions"]]
            course.target_title_levels = [levels[c] for c in spec["target_title_levels"]]
            for position, person in enumerate(spec["faculty"]):
                course.faculty.add(CourseFaculty(sort_order=position, **person))
            catalogue.add_child(instance=course)
            page_publish(page=course)
        for lesson_spec in spec["lessons"]:
            if not LessonPage.objects.child_of(course).filter(slug=lesson_spec["slug"]).exists():
                lesson = course.add_child(
                    instance=LessonPage(
                        title=lesson_spec["title"],
                        slug=lesson_spec["slug"],
                        estimated_minutes=lesson_spec["estimated_minutes"],
                        body=_lesson_body(lesson_spec["body"]),
                    )
                )
                page_publish(page=lesson)
        courses.append(course)
    return courses


def _question_banks(courses: list[CoursePage]) -> None:
    by_slug = {course.slug: course for course in courses}
    for slug, (_count, questions) in demo_content.EXAMS.items():
        course = by_slug.get(slug)
        if course is None or Question.objects.filter(course=course).exists():
            continue
        for kind, text, choices, explanation in questions:
            question = Question(
                course=course, kind=kind, text=text, explanation=_paragraphs_html([explanation])
            )
            for position, (choice, correct) in enumerate(choices):
                question.choices.add(
                    QuestionChoice(sort_order=position, text=choice, correct=correct)
                )
            question.save()


def _learning(users: list[User], courses: list[CoursePage]) -> None:
    """The demo learner has studied one lesson for real (through the heartbeat rule)
    and has a course assigned by the county's HR officer."""
    learner = next(u for u in users if u.email == DEMO_USERS[0].email)
    if Enrollment.objects.filter(learner=learner).exists():
        return
    by_slug = {course.slug: course for course in courses}
    # Beats must move forward in time: the week-old course first, then today's lesson.
    _study_to_completion(learner=learner, course=by_slug["medical-ethics-guardians-of-health"])
    studying = by_slug["high-altitude-illness"]
    enrollment_create(learner=learner, course=studying)
    first_lesson = LessonPage.objects.live().child_of(studying).order_by("path").first()
    lesson_open(learner=learner, lesson=first_lesson)
    start = timezone.now() - timedelta(hours=2)
    beats = first_lesson.required_study_minutes * 2 + 1
    for n in range(beats):  # a heartbeat every 30 s, as the lesson page sends them
        heartbeat_record(
            learner=learner, lesson_id=first_lesson.pk, now=start + timedelta(seconds=30 * n)
        )
    hr_officer = next(u for u in users if u.email == "hr@demo.snowland-cme.cn")
    course_assign(
        course=by_slug["cpr-basic-life-support"],
        learners=[learner],
        due_date=timezone.localdate() + timedelta(days=30),
        assigned_by=hr_officer,
    )


def _study_to_completion(*, learner: User, course: CoursePage) -> None:
    """Study every lesson through the heartbeat rule, a week ago, and complete the
    course: its credits reach the ledger and its certificate is issued, as for anyone."""
    enrollment = enrollment_create(learner=learner, course=course)
    start = timezone.now() - timedelta(days=7)
    for lesson in LessonPage.objects.live().child_of(course).order_by("path"):
        lesson_open(learner=learner, lesson=lesson)
        complete = False
        while not complete:  # a heartbeat every 30 s until the lesson's rule is met
            complete = heartbeat_record(
                learner=learner, lesson_id=lesson.pk, now=start
            ).lesson_complete
            start += timedelta(seconds=30)
        start += timedelta(minutes=10)
    # The last lesson's beat completes the course; this makes sure, idempotently.
    enrollment_complete(enrollment_id=enrollment.pk)


def _demo_pdf(name: str, lines: list[str]) -> ContentFile:
    """A one-page PDF certificate with a few ASCII lines (no font files needed)."""
    text = " ".join(
        f"({line.replace(chr(92), '').replace('(', '').replace(')', '')}) Tj 0 -24 Td"
        for line in lines
    )
    stream = f"BT /F1 16 Tf 72 720 Td {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return ContentFile(body, name=name)


def _external_activities(users: list[User], institutions: dict[str, Institution]) -> None:
    """The county hospital's chain (department head, then its office); the demo learner
    has one activity approved by the HR officer and one waiting at the office step.
    The learner's department has no head, so the first step is skipped (and says so)."""
    hospital = institutions["林周县人民医院"]
    if not ApprovalChain.objects.filter(institution=hospital).exists():
        approval_chain_save(
            institution=hospital,
            levels=[ApprovalLevel.DEPARTMENT_HEAD, ApprovalLevel.INSTITUTION_OFFICE],
        )
    learner = next(u for u in users if u.email == DEMO_USERS[0].email)
    if ExternalActivity.objects.filter(learner=learner).exists():
        return
    hr_officer = next(u for u in users if u.email == "hr@demo.snowland-cme.cn")
    today = timezone.localdate()
    conference = external_activity_submit(
        learner=learner,
        report=ActivityReport(
            kind=ActivityKind.CONFERENCE,
            title="第十二届西藏高原医学学术年会",
            organiser="西藏自治区医学会",
            cme_project_number="XZ-2026-03-007（省）",
            start_date=today - timedelta(days=62),
            end_date=today - timedelta(days=60),
            credit_class=CreditClass.CLASS_1_PROVINCIAL,
            subject_type=SubjectType.PROFESSIONAL,
            study_hours=Decimal(18),
            description="参加高原病分会场，报告病例“急性高原肺水肿的早期识别”。",
        ),
        evidence=[
            _demo_pdf("参会证明.pdf", ["Certificate of attendance", "Tibet Medical Association"])
        ],
    )
    external_activity_decide(
        activity_id=conference.pk,
        actor=hr_officer,
        step=conference.current_step,
        decision=ActivityDecision.APPROVE,
        reason="参会证明与学分证书一致，同意登记。",
    )
    external_activity_submit(
        learner=learner,
        report=ActivityReport(
            kind=ActivityKind.FURTHER_STUDY,
            title="四川大学华西医院呼吸与危重症医学科进修",
            organiser="四川大学华西医院",
            start_date=today - timedelta(days=100),
            end_date=today - timedelta(days=10),
            credit_class=CreditClass.CLASS_2,
            subject_type=SubjectType.PROFESSIONAL,
            credits=Decimal(20),
            study_hours=Decimal(480),
            description="进修三个月，参与无创通气和支气管镜诊疗。",
        ),
        evidence=[
            _demo_pdf("进修结业证明.pdf", ["Further study certificate", "West China Hospital"])
        ],
    )


def _home_content(home: HomePage, courses: list[CoursePage]) -> None:
    if home.introduction:
        return
    home.introduction = _paragraphs_html(
        [
            "面向拉萨市及西藏自治区医院、县医院、乡镇卫生院和村卫生室医务人员的继续医学教育平台。",
            "在手机上随时学习思政与医德医风、全科医学、公共卫生、藏医药和临床技能课程，"
            "记录学时与学分，完成年度继续教育要求。",
        ]
    )
    home.announcements = [
        (
            "announcement",
            {"title": title, "date": when, "text": _paragraphs_html([text]), "link": None},
        )
        for title, when, text in ANNOUNCEMENTS
    ]
    for position, course in enumerate(courses[:4]):
        home.featured_courses.add(HomePageFeaturedCourse(sort_order=position, course=course))
    page_publish(page=home)


def _standard_pages(home: HomePage) -> None:
    for slug, title, introduction, paragraphs in STANDARD_PAGES:
        if StandardPage.objects.child_of(home).filter(slug=slug).exists():
            continue
        page = home.add_child(
            instance=StandardPage(
                title=title,
                slug=slug,
                introduction=introduction,
                body=[("paragraph", _paragraphs_html([p])) for p in paragraphs],
            )
        )
        page_publish(page=page)


def _site_settings(home: HomePage) -> None:
    site = home.get_site()
    contact = SiteContact.for_site(site)
    if not contact.organisation:
        contact.organisation = "拉萨市卫生健康委员会 科教科（演示）"
        contact.email = "cme@demo.snowland-cme.cn"
        contact.phone = "0891-0000000"
        contact.address = "西藏自治区拉萨市城关区（演示地址）"
        contact.office_hours = "工作日 9:30–18:00"
        contact.save()
    SiteBranding.for_site(site)  # creates the default branding row


@transaction.atomic
def demo_seed() -> list[User]:
    home = site_setup()
    catalogue = CourseIndexPage.objects.child_of(home).get()
    institutions = _institutions()
    users = _users(institutions)
    courses = _courses(catalogue, _categories())
    _question_banks(courses)
    _learning(users, courses)
    _external_activities(users, institutions)
    home = HomePage.objects.get(pk=home.pk)
    _home_content(home, courses)
    _standard_pages(home)
    _site_settings(home)
    return users
