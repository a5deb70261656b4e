"""The institution hierarchy: placement rules, moves, subtrees and HR scopes."""

import pytest
from django.core.exceptions import ValidationError

from accounts.admin_forms import InstitutionAdminForm
from accounts.choices import AREA_KINDS, InstitutionKind
from accounts.errors import InstitutionParentNotAllowed
from accounts.models import Institution
from accounts.selectors import (
    institution_choices_for_signup,
    institution_subtree,
    institutions_in_hr_scope,
)
from accounts.services import hr_scope_grant, institution_create, institution_update
from tests.accounts.factories import UserFactory

K = InstitutionKind
FACILITY_KINDS = [kind for kind in K if kind not in AREA_KINDS]

pytestmark = pytest.mark.django_db


def fresh(node: Institution) -> Institution:
    return Institution.objects.get(pk=node.pk)


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def assert_tree_is_sound():
    # treebeard's own consistency check: paths, depths and child counts.
    problems = Institution.find_problems()
    assert all(not problem for problem in problems), problems


class TestCreateRules:
    def test_region_only_at_the_top(self, institutions):
        region = institution_create(name="另一自治区", kind=K.REGION)

        assert region.is_root()
        with pytest.raises(InstitutionParentNotAllowed) as caught:
            institution_create(name="错位自治区", kind=K.REGION, parent=institutions["city"])
        assert caught.value.code == "parent_not_allowed"

    @pytest.mark.parametrize(
        ("kind", "allowed", "refused"),
        [
            (K.CITY, ["region"], [None, "city", "county_a", "hospital_a", "township_a"]),
            (K.COUNTY, ["city"], [None, "region", "county_a", "hospital_a", "township_a"]),
            (
                K.COUNTY_HOSPITAL,
                ["region", "city", "county_a"],
                [None, "hospital_a", "township_a", "city_hospital"],
            ),
            (
                K.VILLAGE_CLINIC,
                ["region", "city", "county_a", "township_a"],
                [None, "hospital_a", "city_hospital"],
            ),
            (
                K.TOWNSHIP_HEALTH_CENTRE,
                ["county_a", "city"],
                [None, "township_a", "hospital_a"],
            ),
        ],
    )
    def test_allowed_parents(self, institutions, kind, allowed, refused):
        for key in allowed:
            node = institution_create(name=f"{kind}@{key}", kind=kind, parent=institutions[key])
            assert node.get_parent() == institutions[key]
            assert node.depth == institutions[key].depth + 1
        for key in refused:
            parent = institutions[key] if key else None
            count = Institution.objects.count()
            with pytest.raises(InstitutionParentNotAllowed):
                institution_create(name=f"{kind}!{key}", kind=kind, parent=parent)
            assert Institution.objects.count() == count
        assert_tree_is_sound()

    @pytest.mark.parametrize("kind", FACILITY_KINDS)
    def test_every_facility_kind_goes_under_an_area_and_not_at_the_top(self, institutions, kind):
        node = institution_create(name="机构", kind=kind, parent=institutions["county_b"])

        assert fresh(node).get_parent() == institutions["county_b"]
        with pytest.raises(InstitutionParentNotAllowed):
            institution_create(name="顶层机构", kind=kind)

    def test_the_refusal_names_both_kinds(self, institutions):
        with pytest.raises(InstitutionParentNotAllowed) as caught:
            institution_create(name="错位县", kind=K.COUNTY, parent=institutions["hospital_a"])

        error = caught.value
        assert isinstance(error, ValidationError)
        assert error.message == InstitutionParentNotAllowed.MESSAGE
        assert error.params == {"kind": K.COUNTY.label, "parent_kind": K.COUNTY_HOSPITAL.label}

    def test_a_duplicate_code_is_refused(self, institutions):
        institution_create(
            name="甲医院", kind=K.COUNTY_HOSPITAL, parent=institutions["city"], code="XZ001"
        )

        with pytest.raises(ValidationError):
            institution_create(
                name="乙医院", kind=K.COUNTY_HOSPITAL, parent=institutions["city"], code="XZ001"
            )
        # An empty code is not a code: many institutions may lack one.
        institution_create(name="丙医院", kind=K.COUNTY_HOSPITAL, parent=institutions["city"])
        institution_create(name="丁医院", kind=K.COUNTY_HOSPITAL, parent=institutions["city"])
        assert Institution.objects.filter(code="").count() >= 2

    def test_an_unknown_kind_is_refused(self, institutions):
        with pytest.raises(ValidationError) as caught:
            institution_create(name="?", kind="spaceport", parent=institutions["city"])
        assert "kind" in caught.value.message_dict
        with pytest.raises(InstitutionParentNotAllowed):
            institution_create(name="?", kind="spaceport")

    def test_children_added_through_stale_parent_objects_keep_the_tree_sound(self, institutions):
        # `institutions["county_a"]` was loaded before its children were added.
        for n in range(3):
            institution_create(
                name=f"村卫生室{n}", kind=K.VILLAGE_CLINIC, parent=institutions["county_a"]
            )

        assert fresh(institutions["county_a"]).get_children().count() == 5
        assert_tree_is_sound()


class TestSubtree:
    def test_county_subtree(self, institutions):
        result = institution_subtree(root=institutions["county_a"])

        assert set(result) == {
            institutions["county_a"],
            institutions["hospital_a"],
            institutions["township_a"],
        }

    def test_city_subtree_is_everything_but_the_region(self, institutions):
        result = institution_subtree(root=institutions["city"])

        assert set(result) == {v for k, v in institutions.items() if k != "region"}

    def test_leaf_subtree_is_itself(self, institutions):
        assert list(institution_subtree(root=institutions["hospital_b"])) == [
            institutions["hospital_b"]
        ]

    def test_includes_grandchildren(self, institutions):
        clinic = institution_create(
            name="村卫生室", kind=K.VILLAGE_CLINIC, parent=institutions["township_a"]
        )

        assert clinic in institution_subtree(root=institutions["county_a"])
        assert clinic not in institution_subtree(root=institutions["county_b"])

    def test_does_not_include_siblings_with_a_similar_path(self, institutions):
        # Enough siblings that paths share prefixes other than the parent's own.
        city = institutions["city"]
        counties = [
            institution_create(name=f"县{n:02}", kind=K.COUNTY, parent=city) for n in range(12)
        ]
        for county in counties:
            institution_create(name=f"{county.name}医院", kind=K.COUNTY_HOSPITAL, parent=county)

        for county in counties:
            assert names(institution_subtree(root=county)) == {county.name, f"{county.name}医院"}


class TestHRScope:
    def test_county_scope_sees_its_facilities_only(self, institutions):
        officer = UserFactory()
        hr_scope_grant(user=officer, institution=institutions["county_a"])

        assert set(institutions_in_hr_scope(user=officer)) == {
            institutions["county_a"],
            institutions["hospital_a"],
            institutions["township_a"],
        }

    def test_no_scope_sees_nothing(self, institutions):
        officer = UserFactory()

        assert list(institutions_in_hr_scope(user=officer)) == []

    def test_several_scopes_are_a_union_without_duplicates(self, institutions):
        officer = UserFactory()
        hr_scope_grant(user=officer, institution=institutions["county_a"])
        hr_scope_grant(user=officer, institution=institutions["hospital_b"])
        hr_scope_grant(user=officer, institution=institutions["hospital_a"])  # inside county_a

        result = list(institutions_in_hr_scope(user=officer))

        assert len(result) == len(set(result)) == 4
        assert set(result) == {
            institutions["county_a"],
            institutions["hospital_a"],
            institutions["township_a"],
            institutions["hospital_b"],
        }

    def test_another_officers_scope_does_not_leak(self, institutions):
        officer_a, officer_b = UserFactory(), UserFactory()
        hr_scope_grant(user=officer_a, institution=institutions["county_a"])
        hr_scope_grant(user=officer_b, institution=institutions["county_b"])

        assert institutions["hospital_b"] not in institutions_in_hr_scope(user=officer_a)
        assert institutions["hospital_a"] not in institutions_in_hr_scope(user=officer_b)

    def test_region_scope_sees_everything(self, institutions):
        officer = UserFactory()
        hr_scope_grant(user=officer, institution=institutions["region"])

        assert set(institutions_in_hr_scope(user=officer)) == set(institutions.values())

    def test_scope_follows_a_moved_facility(self, institutions):
        officer = UserFactory()
        hr_scope_grant(user=officer, institution=institutions["county_a"])
        hospital = institutions["hospital_b"]

        institution_update(
            institution=hospital,
            name=hospital.name,
            kind=hospital.kind,
            code="",
            parent=institutions["county_a"],
        )

        assert hospital in institutions_in_hr_scope(user=officer)


class TestSignupChoices:
    def test_areas_are_not_offered(self, institutions):
        offered = set(institution_choices_for_signup())

        assert {node.kind for node in offered}.isdisjoint(AREA_KINDS)
        assert len(offered) == 4


class TestUpdate:
    def test_renames_without_moving(self, institutions):
        hospital = institutions["hospital_a"]

        updated = institution_update(
            institution=hospital,
            name="林周县医院",
            kind=K.COUNTY_HOSPITAL,
            code="LZ-01",
            parent=institutions["county_a"],
        )

        stored = fresh(hospital)
        assert (stored.name, stored.code, stored.path) == ("林周县医院", "LZ-01", hospital.path)
        assert updated.get_parent() == institutions["county_a"]
        assert_tree_is_sound()

    def test_moves_a_facility_with_its_children(self, institutions):
        township = institutions["township_a"]
        clinic = institution_create(name="村卫生室", kind=K.VILLAGE_CLINIC, parent=township)

        moved = institution_update(
            institution=township,
            name=township.name,
            kind=township.kind,
            code="",
            parent=institutions["county_b"],
        )

        assert moved.get_parent() == institutions["county_b"]
        assert fresh(clinic).get_parent() == fresh(township)
        assert set(institution_subtree(root=fresh(institutions["county_b"]))) == {
            institutions["county_b"],
            institutions["hospital_b"],
            township,
            clinic,
        }
        assert clinic not in institution_subtree(root=fresh(institutions["county_a"]))
        assert fresh(institutions["county_a"]).numchild == 1
        assert fresh(institutions["county_b"]).numchild == 2
        assert_tree_is_sound()

    def test_moves_a_county_to_another_city(self, institutions):
        other_city = institution_create(name="日喀则市", kind=K.CITY, parent=institutions["region"])
        county = institutions["county_b"]

        institution_update(
            institution=county, name=county.name, kind=county.kind, code="", parent=other_city
        )

        assert set(institution_subtree(root=fresh(other_city))) == {
            other_city,
            county,
            institutions["hospital_b"],
        }
        assert_tree_is_sound()

    def test_refuses_a_parent_of_the_wrong_kind(self, institutions):
        hospital = institutions["hospital_a"]

        with pytest.raises(InstitutionParentNotAllowed):
            institution_update(
                institution=hospital,
                name="改名",
                kind=hospital.kind,
                code="",
                parent=institutions["township_a"],
            )

        stored = fresh(hospital)
        assert (stored.name, stored.get_parent()) == (hospital.name, institutions["county_a"])

    def test_refuses_a_kind_change_that_breaks_the_rules(self, institutions):
        with pytest.raises(InstitutionParentNotAllowed):
            institution_update(
                institution=institutions["hospital_a"],
                name="林周县人民医院",
                kind=K.CITY,
                code="",
                parent=institutions["county_a"],
            )

        assert fresh(institutions["hospital_a"]).kind == K.COUNTY_HOSPITAL

    def test_refuses_moving_an_area_under_its_own_descendant(self, institutions):
        city = institutions["city"]

        with pytest.raises(InstitutionParentNotAllowed):
            institution_update(
                institution=city,
                name=city.name,
                kind=city.kind,
                code="",
                parent=institutions["county_a"],
            )

        assert fresh(city).get_parent() == institutions["region"]
        assert_tree_is_sound()

    def test_refuses_moving_under_itself(self, institutions):
        township = institutions["township_a"]

        with pytest.raises(InstitutionParentNotAllowed):
            institution_update(
                institution=township,
                name=township.name,
                kind=township.kind,
                code="",
                parent=township,
            )

    def test_refuses_moving_under_a_descendant_even_when_the_kinds_would_fit(self, institutions):
        # Imported data can break the kind rules: a county was put under a hospital
        # directly with treebeard. Moving the hospital under that county is a cycle.
        hospital = fresh(institutions["city_hospital"])
        stray_county = hospital.add_child(instance=Institution(name="错挂县", kind=K.COUNTY))

        with pytest.raises(InstitutionParentNotAllowed) as caught:
            institution_update(
                institution=fresh(hospital),
                name="改名医院",
                kind=hospital.kind,
                code="",
                parent=stray_county,
            )

        assert caught.value.code == "parent_is_descendant"
        stored = fresh(hospital)
        assert stored.name == "拉萨市人民医院"  # nothing of the refused update is kept
        assert stored.get_parent() == institutions["city"]
        assert_tree_is_sound()

    def test_stale_objects_do_not_corrupt_the_tree(self, institutions):
        # The dict holds objects loaded before their children were added: their
        # numchild and, after a move, their path are out of date.
        region, city = institutions["region"], institutions["city"]
        institution_update(institution=region, name="西藏", kind=K.REGION, code="", parent=None)
        institution_update(
            institution=city, name="拉萨", kind=K.CITY, code="", parent=institutions["region"]
        )
        institution_update(
            institution=institutions["hospital_a"],
            name="林周县人民医院",
            kind=K.COUNTY_HOSPITAL,
            code="",
            parent=institutions["county_b"],
        )
        institution_create(name="新县", kind=K.COUNTY, parent=institutions["city"])

        assert_tree_is_sound()
        assert fresh(region).numchild == 1
        assert fresh(city).numchild == 4
        assert names(institution_subtree(root=fresh(institutions["county_b"]))) == {
            "当雄县",
            "当雄县人民医院",
            "林周县人民医院",
        }


class TestAdminForm:
    def form(self, data, instance=None):
        return InstitutionAdminForm(data=data, instance=instance)

    def test_creates_a_child_through_the_service(self, institutions):
        form = self.form(
            {
                "name": "林周县藏医院",
                "kind": K.TIBETAN_MEDICINE_HOSPITAL,
                "code": "",
                "parent": institutions["county_a"].pk,
            }
        )

        assert form.is_valid(), form.errors
        node = form.save()

        assert node.pk
        assert fresh(node).get_parent() == institutions["county_a"]
        assert node in institution_subtree(root=institutions["county_a"])
        assert_tree_is_sound()

    def test_creates_the_region_at_the_top(self, db):
        form = self.form({"name": "西藏自治区", "kind": K.REGION, "code": "", "parent": ""})

        assert form.is_valid(), form.errors
        assert form.save().is_root()

    def test_shows_an_error_for_a_bad_parent(self, institutions):
        count = Institution.objects.count()
        form = self.form(
            {
                "name": "错位县",
                "kind": K.COUNTY,
                "code": "",
                "parent": institutions["hospital_a"].pk,
            }
        )

        assert not form.is_valid()
        assert form.errors["parent"] == [
            str(InstitutionParentNotAllowed.MESSAGE)
            % {"kind": K.COUNTY.label, "parent_kind": K.COUNTY_HOSPITAL.label}
        ]
        assert Institution.objects.count() == count

    def test_shows_an_error_for_a_missing_parent(self, institutions):
        form = self.form(
            {"name": "无上级医院", "kind": K.COUNTY_HOSPITAL, "code": "", "parent": ""}
        )

        assert not form.is_valid()
        assert form.errors["parent"]

    def test_edit_offers_no_descendant_as_parent(self, institutions):
        form = InstitutionAdminForm(instance=fresh(institutions["county_a"]))

        offered = set(form.fields["parent"].queryset)
        assert form.fields["parent"].initial == institutions["city"]
        assert institutions["city"] in offered
        assert institutions["county_a"] not in offered
        assert institutions["hospital_a"] not in offered
        assert institutions["county_b"] in offered

    def test_edit_moves_through_the_service(self, institutions):
        hospital = fresh(institutions["hospital_a"])
        form = InstitutionAdminForm(
            data={
                "name": hospital.name,
                "kind": hospital.kind,
                "code": "",
                "parent": institutions["county_b"].pk,
            },
            instance=hospital,
        )

        assert form.is_valid(), form.errors
        form.save()

        assert fresh(hospital).get_parent() == institutions["county_b"]
        assert_tree_is_sound()


class TestSnippetViews:
    """The Wagtail snippet views use the admin form, so the rules hold in the admin."""

    @pytest.fixture
    def admin_client(self, client, db):
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        return client

    def test_add_view_creates_a_child(self, admin_client, institutions):
        response = admin_client.post(
            "/admin/snippets/accounts/institution/add/",
            {
                "name": "当雄县疾控中心",
                "kind": K.CDC,
                "code": "",
                "parent": institutions["county_b"].pk,
            },
        )

        assert response.status_code == 302
        node = Institution.objects.get(name="当雄县疾控中心")
        assert node.get_parent() == institutions["county_b"]
        assert_tree_is_sound()

    def test_add_view_shows_the_parent_error(self, admin_client, institutions):
        response = admin_client.post(
            "/admin/snippets/accounts/institution/add/",
            {"name": "错位市", "kind": K.CITY, "code": "", "parent": institutions["county_b"].pk},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
        assert not Institution.objects.filter(name="错位市").exists()

    def test_edit_view_moves_a_facility(self, admin_client, institutions):
        hospital = institutions["hospital_a"]

        response = admin_client.post(
            f"/admin/snippets/accounts/institution/edit/{hospital.pk}/",
            {
                "name": "林周县人民医院",
                "kind": K.COUNTY_HOSPITAL,
                "code": "LZ-001",
                "parent": institutions["county_b"].pk,
            },
        )

        assert response.status_code == 302
        stored = fresh(hospital)
        assert (stored.code, stored.get_parent()) == ("LZ-001", institutions["county_b"])
        assert_tree_is_sound()

    def test_edit_view_refuses_a_descendant_as_parent(self, admin_client, institutions):
        county = institutions["county_a"]

        response = admin_client.post(
            f"/admin/snippets/accounts/institution/edit/{county.pk}/",
            {
                "name": county.name,
                "kind": K.COUNTY,
                "code": "",
                "parent": institutions["hospital_a"].pk,
            },
        )

        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
        assert fresh(county).get_parent() == institutions["city"]
