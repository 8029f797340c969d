"""Every vocabulary file of every language validates; a typo fails naming the file and the entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl import settings, vocab
from etl.errors import ConfigError
from etl.extract.vocab import vocab as compiled
from schemas.vocab import FILES

LANGUAGES = sorted(p.name for p in settings.VOCAB_DIR.iterdir() if p.is_dir())


def test_vocabularies_are_laid_out_by_language():
    assert "en" in LANGUAGES
    assert list(settings.VOCAB_DIR.glob("*.toml")) == [], "a vocabulary file belongs in a language's folder"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_file_of_a_language_has_a_model_and_validates(lang):
    folder = settings.VOCAB_DIR / lang
    assert sorted(p.name for p in folder.glob("*.toml")) == sorted(FILES[lang])
    for path in folder.glob("*.toml"):
        vocab.read_file(path, lang)
    assert sorted(vocab.read(lang)) == sorted(name.removesuffix(".toml") for name in FILES[lang])


def test_language_tags_read_their_language_folder():
    assert vocab.language("zh-Hant") == "zh"
    assert vocab.language("en") == "en"
    assert vocab.language("EN-gb") == "en"
    assert vocab.folder("zh-HK") == settings.VOCAB_DIR / "zh"


@pytest.fixture
def copy(tmp_path) -> Path:
    shutil.copytree(settings.VOCAB_DIR / "en", tmp_path / "en")
    return tmp_path / "en"


def _plant(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer holds {old!r}: update the planted typo"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# A typo planted in a copy of each file: (file, text, typo, what the error must say).
# fmt: off
TYPOS = [
    ("qualifiers.toml", "about = [", "abuot = [", r"qualifiers\.toml: before\.abuot: .*'abuot'"),
    ("dates.toml", "Sept = 9", "Sept = 19", r"dates\.toml: months\.Sept: .*less than or equal to 12"),
    ("dates.toml", 'middle = ["mid"', 'midle = ["mid"', r"dates\.toml: anchors\.positions\.midle: .*'midle'"),
    ("units.toml", "stop = [", "stpo = [", r"units\.toml: .*noun_phrase\.stpo: Extra inputs"),
    ("units.toml", '"dataset", "enterprise"', '"Dataset", "enterprise"', r"units\.toml: known\.single\[0\]: .*lower case"),
    ("subjects.toml", 'name = "Cyberport"', 'nmae = "Cyberport"', r"subjects\.toml: .*subject\[2\]\.nmae: Extra inputs .*\'Cyberport\'"),
    ("negatives.toml", '"phase", "phases"', '"phase", "phase"', r"negatives\.toml: before_words: .*'phase' is listed twice"),
    ("numbers.toml", '"a quarter" = 25', '"a quarter" = 250', r"numbers\.toml: fractions\.a quarter: "),
    ("sentences.toml", '"e.g", "i.e"', '"e.g", "i.e "', r"sentences\.toml: abbreviations\[1\]: .*stray spaces"),
    ("topics.toml", "lcq_title =", "lcq_titel =", r"topics\.toml: .*lcq_titel: Extra inputs"),
    ("zh/qualifiers.toml", '"超過" = "over"', '"超過" = "ovr"', r"zh/qualifiers\.toml: before\.超過: .*'ovr'"),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    TYPOS,
    ids=lambda x: x if isinstance(x, str) and x.endswith(".toml") else None,
)
def test_a_planted_typo_fails_with_the_file_and_entry(tmp_path, name, old, new, message):
    lang, _, name = name.rpartition("/")
    folder = tmp_path / (lang or "en")
    shutil.copytree(settings.VOCAB_DIR / folder.name, folder)
    _plant(folder, name, old, new)
    with pytest.raises(ConfigError, match=message) as e:
        vocab.read(folder.name, root=folder)
    assert str(folder / name) in str(e.value)


def test_a_file_without_a_model_fails(copy):
    (copy / "nouns.toml").write_text("words = []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"nouns\.toml: not a vocabulary file of 'en'"):
        vocab.read_file(copy / "nouns.toml")


def test_a_language_missing_a_file_fails(copy):
    (copy / "dates.toml").unlink()
    with pytest.raises(ConfigError, match=r"dates\.toml: file not found"):
        vocab.read("en", root=copy)


def test_a_new_language_folder_loads_without_code_changes(copy, monkeypatch):
    """A language is a folder beside en/ and its models' entry in schemas/vocab.py; the loader is as it is."""
    monkeypatch.setattr(settings, "VOCAB_DIR", copy.parent)
    monkeypatch.setitem(FILES, "xx", FILES["en"])
    shutil.copytree(copy, copy.parent / "xx")
    _plant(copy.parent / "xx", "qualifiers.toml", 'about = ["about",', 'about = ["circa-ish", "about",')
    assert compiled("xx").hedge_before_kind["circa-ish"] == "about"
    assert "circa-ish" not in compiled("en").hedge_before_kind
    with pytest.raises(ConfigError, match=r"no vocabulary for language 'yy'"):
        vocab.read("yy")
