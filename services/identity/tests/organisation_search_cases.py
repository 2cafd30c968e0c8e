"""One abstract test case for the OrganisationSearchView port, run against every implementation.

Subclasses provide a ``view`` fixture: an empty view. ``registry`` makes real Organisation
aggregates for the projection tests.
"""

from __future__ import annotations

import itertools
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from hourbank_identity.application.organisation_search import (
    OrganisationEntry,
    OrganisationSearchView,
)
from hourbank_identity.domain.organisation import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from services.identity.tests.synthetic import credit_code_text

APP = "identity"
ZIBO_HOSPITAL = "淄博市第一医院"
ZIBO_CHEMICAL = "Zibo Chemical"


class Feed:
    """Writes entries into a view at increasing positions, as the projection would."""

    def __init__(self, view: OrganisationSearchView) -> None:
        self.view = view
        self._positions = itertools.count(1)

    def next_tracking(self) -> Tracking:
        return Tracking(APP, next(self._positions))

    def add(
        self,
        name: str,
        *,
        region_code: str = "370303",
        kind: str = "employer",
        credit_code: str | None = None,
        status: str = "active",
        parent_id: UUID | None = None,
    ) -> OrganisationEntry:
        entry = OrganisationEntry(
            organisation_id=uuid4(),
            kind=kind,
            name=name,
            region_code=region_code,
            credit_code=credit_code,
            status=status,
            parent_id=parent_id,
        )
        self.view.upsert(entry, self.next_tracking())
        return entry


def names(entries: list[OrganisationEntry]) -> list[str]:
    return [e.name for e in entries]


def registry() -> tuple[Organisation, Organisation, Organisation]:
    """An HR authority, an industry authority under it and a pending employer under that."""
    hr = Organisation.register(
        kind=OrganisationKind.HR_AUTHORITY,
        name="淄博市人力资源和社会保障局",
        region_code="370300",
        parent=None,
        credit_code=None,
        status=OrganisationStatus.ACTIVE,
        natural_key="370300",
    )
    health = Organisation.register(
        kind=OrganisationKind.INDUSTRY_AUTHORITY,
        name="淄博市卫生健康委员会",
        region_code="370300",
        parent=hr,
        credit_code=None,
        status=OrganisationStatus.ACTIVE,
        natural_key="370300/淄博市卫生健康委员会",
    )
    code = credit_code_text("12370300MB1234567")
    hospital = Organisation.register(
        kind=OrganisationKind.EMPLOYER,
        name="淄博市第一医院",
        region_code="370303",
        parent=health,
        credit_code=code,
        status=OrganisationStatus.PENDING,
        natural_key=code,
    )
    return hr, health, hospital


class OrganisationSearchViewCases:
    @pytest.fixture
    def feed(self, view: OrganisationSearchView) -> Feed:
        return Feed(view)

    def test_an_upserted_entry_is_found_by_id_and_replaced_by_a_later_upsert(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        parent = uuid4()
        entry = feed.add(ZIBO_HOSPITAL, credit_code=credit_code_text("12370300MB1234567"))
        assert view.get(entry.organisation_id) == entry
        assert view.get(uuid4()) is None
        renamed = OrganisationEntry(
            organisation_id=entry.organisation_id,
            kind="agency",
            name="淄博市人才服务中心",
            region_code="370300",
            credit_code=None,
            status="pending",
            parent_id=parent,
        )
        view.upsert(renamed, feed.next_tracking())
        assert view.get(entry.organisation_id) == renamed
        assert view.search("人才服务").items == [renamed]
        assert view.search(ZIBO_HOSPITAL).total == 0
        assert view.max_tracking_id(APP) == 2

    def test_approval_makes_a_pending_employer_active(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        employer = feed.add(ZIBO_HOSPITAL, status="pending")
        assert view.search(None, status="active").total == 0
        view.set_status(employer.organisation_id, "active", feed.next_tracking())
        found = view.get(employer.organisation_id)
        assert found is not None
        assert found.status == "active"
        assert found.name == ZIBO_HOSPITAL
        assert view.search(None, status="active").items == [found]
        assert view.search(None, status="pending").total == 0

    def test_a_status_change_of_an_unknown_organisation_still_records_its_position(
        self, view: OrganisationSearchView
    ) -> None:
        view.set_status(uuid4(), "active", Tracking(APP, 7))
        assert view.max_tracking_id(APP) == 7
        assert view.search(None).total == 0

    def test_a_whole_credit_code_finds_its_organisation_first_in_any_case(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        code = credit_code_text("91370300MA3C12345")
        target = feed.add("山东新华制药股份有限公司", credit_code=code)
        feed.add("新华制药淄博分公司", credit_code=credit_code_text("91370300MA3C99999"))
        feed.add(ZIBO_HOSPITAL, credit_code=credit_code_text("12370300MB1234567"))
        for query in (code, code.lower(), f"  {code} "):
            page = view.search(query)
            assert page.items[0] == target, query
        # The other code sharing its first 15 characters is not the same code.
        assert view.search(code).total == 1

    def test_the_start_of_a_credit_code_finds_every_code_beginning_so(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        a = feed.add("淄博甲公司", credit_code=credit_code_text("91370300MA3C12345"))
        b = feed.add("淄博乙公司", credit_code=credit_code_text("91370300MA3D00001"))
        feed.add("枣庄丙公司", credit_code=credit_code_text("91370400MA3C12345"))
        feed.add("没有代码的主管部门", kind="industry_authority")
        # Both equally good: ordered by name (乙 U+4E59 before 甲 U+7532).
        assert view.search("91370300").items == [b, a]
        assert view.search("91370300ma3c").items == [a]
        # Fewer than four characters is too little to be read as a code.
        assert view.search("913").total == 0

    def test_a_chinese_name_is_found_with_a_character_missing_or_wrong(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        hospital = feed.add(ZIBO_HOSPITAL)
        other_city = feed.add("枣庄市立医院", region_code="370402")
        for query in ("淄博第一医院", "淄博市第一醫院", "淄博市第一医院", "第一医院", "淄博"):
            found = view.search(query).items
            assert hospital in found, query
            assert other_city not in found, query

    def test_a_latin_name_is_found_with_a_typo_in_any_case_or_width(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        chemical = feed.add(ZIBO_CHEMICAL)
        mining = feed.add("Zaozhuang Coal Mining", region_code="370402")
        for query in ("Zbo Chemical", "zibo chemical", "ZIBO  CHEMICAL", "Ｚｉｂｏ", "Chemcal"):
            found = view.search(query).items
            assert chemical in found, query
            assert mining not in found, query

    def test_the_exact_name_ranks_first_then_names_containing_it_then_look_alikes(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        look_alike = feed.add("淄博市第二医院")
        containing = feed.add("淄博市第一医院东院区")
        exact = feed.add(ZIBO_HOSPITAL)
        assert view.search(ZIBO_HOSPITAL).items == [exact, containing, look_alike]

    def test_query_characters_are_not_patterns(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        feed.add(ZIBO_HOSPITAL)
        feed.add("100% Pure_Water")
        feed.add("1000 Pure Water")
        # Only the name that really contains them, not every name (LIKE's wildcards).
        for query in ("%", "_", "100%", "% Pure_"):
            assert names(view.search(query).items)[:1] == ["100% Pure_Water"], query
        assert ZIBO_HOSPITAL not in names(view.search("%").items)

    def test_without_a_query_everything_is_listed_by_name(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        for name in ("淄博乙", "Zibo", "淄博甲", "Alpha"):
            feed.add(name)
        expected = sorted(["淄博乙", "Zibo", "淄博甲", "Alpha"])
        for query in (None, "", "   "):
            page = view.search(query)
            assert names(page.items) == expected
            assert page.total == 4

    def test_the_region_filter_keeps_what_lies_within_the_region(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        city_authority = feed.add("淄博市人社局", region_code="370300", kind="hr_authority")
        zhangdian = feed.add("张店区医院", region_code="370303")
        zichuan = feed.add("淄川区医院", region_code="370302")
        zaozhuang = feed.add("枣庄市中区医院", region_code="370402")
        feed.add("济南医院", region_code="370102")
        feed.add("北京医院", region_code="110101")

        def ids(region: str) -> set[UUID]:
            return {e.organisation_id for e in view.search(None, region_code=region).items}

        shandong = {city_authority, zhangdian, zichuan, zaozhuang}
        assert {e.organisation_id for e in shandong} <= ids("370000")
        assert len(ids("370000")) == 5
        assert ids("370300") == {e.organisation_id for e in (city_authority, zhangdian, zichuan)}
        assert ids("370303") == {zhangdian.organisation_id}
        assert ids("370400") == {zaozhuang.organisation_id}
        assert ids("37030") == set()
        assert ids("37%") == set()
        found = view.search("医院", region_code="370300")
        assert {e.organisation_id for e in found.items} == {
            zhangdian.organisation_id,
            zichuan.organisation_id,
        }
        assert found.total == 2

    def test_kind_and_status_filters(self, view: OrganisationSearchView, feed: Feed) -> None:
        authority = feed.add("淄博市卫生健康委员会", kind="industry_authority")
        active = feed.add("淄博市中心医院", kind="employer")
        pending = feed.add("淄博市妇幼保健院", kind="employer", status="pending")
        agency = feed.add("淄博市人才中心", kind="agency")
        assert set(names(view.search("淄博", kinds=["employer"]).items)) == {
            active.name,
            pending.name,
        }
        assert set(names(view.search(None, kinds=("employer", "agency")).items)) == {
            active.name,
            pending.name,
            agency.name,
        }
        assert view.search("淄博", kinds=["employer"], status="pending").items == [pending]
        assert view.search(None, kinds={"industry_authority"}).items == [authority]
        assert view.search(None, status="active").total == 3

    def test_pages_follow_one_stable_order_and_report_the_total(
        self, view: OrganisationSearchView, feed: Feed
    ) -> None:
        for n in range(23):
            feed.add(f"淄博测试企业{n:02d}")
        # Two organisations with the same name are ordered by id.
        twins = [feed.add("淄博测试企业07"), feed.add("淄博测试企业07")]
        feed.add("枣庄不相干")
        for query, total in ((None, 26), ("测试企业", 25), ("淄博测试企", 25)):
            everything = view.search(query, limit=100)
            assert everything.total == total, query
            pages = [view.search(query, limit=10, offset=offset) for offset in (0, 10, 20)]
            assert [len(p.items) for p in pages] == [10, 10, total - 20]
            assert all(p.total == total for p in pages)
            assert [e for p in pages for e in p.items] == everything.items
            assert view.search(query, limit=10, offset=10) == pages[1]
            past_the_end = view.search(query, limit=10, offset=40)
            assert past_the_end.items == []
            assert past_the_end.total == total
            sevens = [e for e in everything.items if e.name == "淄博测试企业07"]
            assert len(sevens) == 3
            assert set(twins) <= set(sevens)
            assert sevens == sorted(sevens, key=lambda e: e.organisation_id), query
        assert view.search(None, limit=0).items == []
        assert view.search("测试企业", limit=0).total == 25

    def test_a_negative_limit_or_offset_is_refused(self, view: OrganisationSearchView) -> None:
        with pytest.raises(ValueError, match="negative"):
            view.search(None, limit=-1)
        with pytest.raises(ValueError, match="negative"):
            view.search("淄博", offset=-1)

    def test_a_tracked_position_is_not_applied_twice(self, view: OrganisationSearchView) -> None:
        first = OrganisationEntry(
            uuid4(), "employer", ZIBO_HOSPITAL, "370303", None, "pending", None
        )
        view.upsert(first, Tracking(APP, 1))
        again = OrganisationEntry(
            uuid4(), "employer", ZIBO_CHEMICAL, "370303", None, "pending", None
        )
        with pytest.raises(IntegrityError):
            view.upsert(again, Tracking(APP, 1))
        with pytest.raises(IntegrityError):
            view.set_status(first.organisation_id, "active", Tracking(APP, 1))
        # The refused writes left nothing behind: each was one transaction with its tracking.
        assert view.get(again.organisation_id) is None
        assert view.get(first.organisation_id) == first
        assert view.max_tracking_id(APP) == 1
        view.set_status(first.organisation_id, "active", Tracking(APP, 2))
        found = view.get(first.organisation_id)
        assert found is not None
        assert found.status == "active"
        assert view.max_tracking_id(APP) == 2
