"""Every definition file under data/ validates; a typo fails the build."""

from __future__ import annotations

import csv

import pytest

from etl import indicators, settings
from etl.errors import ConfigError
from etl.extract.vocab import vocab


def test_registry_and_events_validate():
    reg = indicators.load()
    assert len(reg.indicators) >= 25
    assert indicators.events(reg)
    for ind in reg.indicators.values():
        assert ind.theme in reg.themes


def test_every_indicator_with_an_english_definition_has_a_chinese_one():
    """Chinese pages show `definition_zh`; a missing one would leave them the English."""
    reg = indicators.load()
    missing = [i.id for i in reg.indicators.values() if i.definition.strip() and not i.definition_zh]
    assert missing == []
    for ind in reg.indicators.values():
        text = (ind.definition_zh or "").strip()
        # Traditional Chinese prose, not an English copy: more Han characters than Latin letters.
        han = sum("\u4e00" <= c <= "\u9fff" for c in text)
        latin = sum(c.isascii() and c.isalpha() for c in text)
        assert han > latin, ind.id


def test_every_curated_row_names_a_registered_indicator_with_its_unit():
    reg = indicators.load()
    for path in sorted(settings.CURATED_DIR.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                ind = reg.indicators.get(row["indicator_id"])
                assert ind is not None, f"{path.name}:{n}: unknown indicator {row['indicator_id']}"
                assert row["unit"] == ind.unit, f"{path.name}:{n}: unit {row['unit']} != {ind.unit}"


def test_every_seed_headline_indicator_is_registered():
    reg = indicators.load()
    for i in (
        "open_data_datasets",
        "csdi_spatial_datasets",
        "egov_licences_services_digitalised",
        "egov_forms_digitalised",
        "streamlining_bds",
        "streamlining_measures",
        "hkstp_shenzhen_branch_companies",
        "hkstp_shenzhen_branch_ai_enterprises",
        "cyberport_qianhai_enterprises_settled",
        "it_industry_oriented_fund",
    ):
        assert i in reg.indicators


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ('kind = "stock"', 'kind = "stok"'),
        ('theme = "open_data"', 'theme = "open_dta"'),
        ("headline = true", "headlines = true"),
    ],
)
def test_a_typo_in_the_registry_fails_with_the_file_and_entry(tmp_path, mutation, message):
    text = settings.INDICATORS_FILE.read_text(encoding="utf-8").replace(mutation, message, 1)
    bad = tmp_path / "indicators.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"indicators\.toml: .*open_data_datasets"):
        indicators.load(indicators=bad)


def test_vocabularies_load():
    v = vocab()
    assert v.hedge_before_kind["approximately"] == "about"
    assert v.words["ninety-nine"] == 99
    assert v.subjects["DATA.GOV.HK"] == "Open Data Portal"


def test_every_reference_indicator_is_covered_by_the_registry():
    """shared/reference ids are registered, or folded into the observed series they target."""
    reference = settings.ROOT.parent / "shared" / "reference" / "observations.csv"
    if not reference.exists():
        pytest.skip(f"{reference} is not beside the project")
    reg = indicators.load()
    with reference.open(newline="", encoding="utf-8") as f:
        ids = {row["indicator_id"] for row in csv.DictReader(f)}
    folded = {"hkstp_shenzhen_branch_target": "hkstp_shenzhen_branch_companies"}  # data/README.md
    missing = {
        i
        for i in ids
        if i not in reg.indicators and folded.get(i, i.removesuffix("_target")) not in reg.indicators
    }
    assert missing == set()
