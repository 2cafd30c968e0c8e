"""The policy files and their loader: strict, complete, never a silent default."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from hourbank_contracts import ClaimCategory as ContractClaimCategory
from hourbank_contracts import Subject as ContractSubject
from hourbank_ledger.domain.policy import (
    DEFAULT_POLICY_DIR,
    AmbiguousPolicy,
    ClaimCategory,
    InvalidPolicy,
    Policy,
    PolicyNotFound,
    Rule,
    Subject,
    load_all_policies,
    load_policy,
    read_policy_file,
)

ZIBO_FILE = DEFAULT_POLICY_DIR / "370300-2020.toml"


def test_every_policy_file_in_the_directory_loads() -> None:
    files = sorted(DEFAULT_POLICY_DIR.glob("*.toml"))

    policies = load_all_policies()

    assert [f"{p.region_code}-{p.year}.toml" for p in policies] == [f.name for f in files]
    assert {(p.region_code, p.year) for p in policies} >= {("370300", 2020), ("370400", 2024)}


@pytest.mark.parametrize("policy", load_all_policies(), ids=lambda p: p.policy_version)
def test_every_policy_names_its_source_and_the_yearly_minima(policy: Policy) -> None:
    assert policy.source.title
    assert policy.source.issuer
    assert (policy.minima.total, policy.minima.public, policy.minima.professional) == (
        Decimal(90),
        Decimal(30),
        Decimal(60),
    )
    assert policy.policy_version.startswith(f"{policy.region_code}-{policy.year}")


@pytest.mark.parametrize("policy", load_all_policies(), ids=lambda p: p.policy_version)
def test_rules_the_ledger_cannot_recheck_state_their_interpretation(policy: Policy) -> None:
    unexplained = [
        name
        for name, category in policy.categories.items()
        if category.rule in (Rule.AS_APPROVED, Rule.PRO_RATA_MONTHS, Rule.TIME_ON_POST)
        and not category.interpretation
    ]
    assert unexplained == []


def test_missing_region_or_year_is_policy_not_found_naming_both() -> None:
    with pytest.raises(PolicyNotFound, match="region 370300 and year 2021") as raised:
        load_policy("370300", 2021)
    assert (raised.value.region_code, raised.value.year) == ("370300", 2021)
    with pytest.raises(PolicyNotFound, match="region 370100 and year 2020"):
        load_policy("370100", 2020)


def test_zibo_make_up_years_are_governed_by_the_2020_file() -> None:
    policy = load_policy("370300", 2017)

    assert (policy.year, policy.governs(2017), policy.governs(2014)) == (2020, True, False)
    with pytest.raises(PolicyNotFound):
        load_policy("370300", 2014)


def test_zaozhuang_2024_loads_from_its_own_file() -> None:
    policy = load_policy("370400", 2024)

    assert policy.source.number == "枣高社字〔2024〕17号"
    assert policy.xuexi is None
    assert policy.makeup is None


def _copy_zibo(tmp_path: Path, text: str | None = None, name: str = "370300-2020.toml") -> Path:
    target = tmp_path / name
    if text is None:
        shutil.copy(ZIBO_FILE, target)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def test_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    path = _copy_zibo(tmp_path, 'surprise = "yes"\n' + ZIBO_FILE.read_text(encoding="utf-8"))

    with pytest.raises(InvalidPolicy, match="surprise"):
        read_policy_file(path)


def test_unknown_key_inside_a_category_is_rejected(tmp_path: Path) -> None:
    text = ZIBO_FILE.read_text(encoding="utf-8").replace(
        "[categories.training]\n", "[categories.training]\nmax_hours_per_week = 40\n"
    )

    with pytest.raises(InvalidPolicy, match="max_hours_per_week"):
        read_policy_file(_copy_zibo(tmp_path, text))


def test_unknown_category_name_is_rejected(tmp_path: Path) -> None:
    text = ZIBO_FILE.read_text(encoding="utf-8") + '\n[categories.poetry]\nrule = "as_approved"\n'

    with pytest.raises(InvalidPolicy, match="poetry"):
        read_policy_file(_copy_zibo(tmp_path, text))


def test_a_rule_without_its_parameter_is_rejected(tmp_path: Path) -> None:
    text = ZIBO_FILE.read_text(encoding="utf-8").replace(
        'rule = "per_day"\nmax_hours_per_day = 8\ncap_group = "recognition"\n\n# 五(二)2(1)',
        'rule = "per_day"\ncap_group = "recognition"\n\n# 五(二)2(1)',
    )

    with pytest.raises(InvalidPolicy, match="needs max_hours_per_day"):
        read_policy_file(_copy_zibo(tmp_path, text))


def test_a_cap_group_that_does_not_exist_is_rejected(tmp_path: Path) -> None:
    text = ZIBO_FILE.read_text(encoding="utf-8").replace(
        'hours_per_item = 10\nrequires = ["cn", "issn"]\ncap_group = "recognition"',
        'hours_per_item = 10\nrequires = ["cn", "issn"]\ncap_group = "papers"',
    )

    with pytest.raises(InvalidPolicy, match="unknown cap group papers"):
        read_policy_file(_copy_zibo(tmp_path, text))


def test_a_missing_interpretation_is_rejected(tmp_path: Path) -> None:
    text = re.sub(
        r'(\[achievements\]\n(?:#[^\n]*\n)*)interpretation = """.*?"""\n',
        r"\1",
        ZIBO_FILE.read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
    assert (
        text.count("interpretation =")
        == ZIBO_FILE.read_text(encoding="utf-8").count("interpretation =") - 1
    )

    with pytest.raises(InvalidPolicy, match="interpretation"):
        read_policy_file(_copy_zibo(tmp_path, text))


def test_file_name_must_match_region_and_year(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicy, match=r"must be named 370300-2020\.toml"):
        read_policy_file(_copy_zibo(tmp_path, name="370300-2021.toml"))


def test_malformed_toml_is_invalid_policy(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicy):
        read_policy_file(_copy_zibo(tmp_path, "region_code = \n"))


def test_a_new_city_year_is_a_new_file_not_code(tmp_path: Path) -> None:
    text = ZIBO_FILE.read_text(encoding="utf-8").replace("year = 2020", "year = 2021", 1)
    text = text.replace('policy_version = "370300-2020.1"', 'policy_version = "370300-2021.1"')
    text = text.replace("years = [2015, 2016, 2017, 2018, 2019]", "years = [2020]")
    _copy_zibo(tmp_path, text, name="370300-2021.toml")

    policy = load_policy("370300", 2021, tmp_path)

    assert policy.year == 2021
    assert load_policy("370300", 2020, tmp_path).year == 2021  # 2020 as a make-up year


def test_two_files_offering_the_same_make_up_year_are_ambiguous(tmp_path: Path) -> None:
    base = ZIBO_FILE.read_text(encoding="utf-8")
    for year in (2021, 2022):
        text = base.replace("year = 2020", f"year = {year}", 1).replace(
            "370300-2020.1", f"370300-{year}.1"
        )
        _copy_zibo(tmp_path, text, name=f"370300-{year}.toml")

    with pytest.raises(AmbiguousPolicy):
        load_policy("370300", 2017, tmp_path)


def test_domain_enums_match_the_published_contracts() -> None:
    assert {c.value for c in ClaimCategory} == {c.value for c in ContractClaimCategory}
    assert {s.value for s in Subject} == {s.value for s in ContractSubject}


def test_every_claim_category_has_a_rule_in_both_policies() -> None:
    for policy in (load_policy("370300", 2020), load_policy("370400", 2024)):
        assert set(policy.categories) == set(ClaimCategory), policy.policy_version
