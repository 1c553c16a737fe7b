"""Validation of data files: every problem is reported as file:line, nothing is guessed."""
import csv
from pathlib import Path

import pytest

from app.datafiles import parse_names, read_dataset, split_front_matter

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, data: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(data)


def errors_after_editing(root: Path, name: str, cells: dict[tuple[int, str], str]) -> str:
    """Set cells (row index, column name) of root/name, then validate root; all errors joined."""
    path = root / name
    data = rows(path)
    for (row, column), value in cells.items():
        data[row][data[0].index(column)] = value
    write_rows(path, data)
    return "\n".join(read_dataset(root)[1])


def test_bundled_data_is_valid(data_copy):
    ds, errors = read_dataset(data_copy)
    assert errors == []
    assert len(ds.articles) == 5 and ds.events and ds.places and ds.baseline


def test_every_quote_occurs_verbatim_in_its_article(data_copy):
    ds, _ = read_dataset(data_copy)
    texts = {a["id"]: a["text"] for a in ds.articles}
    reports = {r["id"] for r in ds.reports}
    for e in ds.events:
        if e["article_id"] in reports:  # a cited report: our summary, never a quote
            assert e["quote"] == "" and e["summary"], e["id"]
            continue
        assert texts[e["article_id"]][e["quote_start"]:e["quote_end"]] == e["quote"], e["id"]


def test_article_text_is_the_seed_verbatim(data_copy):
    if not SEEDS.is_dir():  # shared/ sits beside the checkout in CI and here
        pytest.skip("shared/seeds is not beside the checkout")
    ds, _ = read_dataset(data_copy)
    compared = 0
    for a in ds.articles:
        if a["seed_file"]:
            assert a["text"] == (SEEDS / a["seed_file"]).read_text(encoding="utf-8")
            compared += 1
    assert compared == 5


def test_a_quote_not_in_the_article_is_reported_with_file_and_line(data_copy):
    path = data_copy / "events.csv"
    errors = errors_after_editing(data_copy, "events.csv", {(3, "quote"): "This sentence appears in no article."})
    assert "\n" not in errors
    assert errors.startswith(f"{path}:4: quote does not occur verbatim")


def test_unknown_place_side_type_and_bad_date_are_each_reported(data_copy):
    path = data_copy / "events.csv"
    joined = errors_after_editing(data_copy, "events.csv", {
        (1, "place"): "atlantis", (2, "actor"): "martians", (3, "type"): "teleport",
        (4, "date"): "2024-02-30"})
    assert f"{path}:2: place 'atlantis' is not in places.csv" in joined
    assert f"{path}:3: actor 'martians' is not in sides.csv" in joined
    assert f"{path}:4: type 'teleport' must be one of" in joined
    assert f"{path}:5: date: day is out of range for month" in joined


def test_airstrike_cannot_change_control(data_copy):
    path = data_copy / "events.csv"
    errors = errors_after_editing(data_copy, "events.csv", {(1, "type"): "airstrike", (1, "control"): "gov"})
    assert f"{path}:2: a airstrike never changes control" in errors


def test_bad_places_rows_are_reported(data_copy):
    path = data_copy / "places.csv"
    joined = errors_after_editing(data_copy, "places.csv", {
        (1, "lat"): "123.5", (2, "kind"): "castle", (3, "names"): "no-colon-here"})
    assert f"{path}:2: lat/lon" in joined
    assert f"{path}:3: kind 'castle'" in joined
    assert f"{path}:4: name 'no-colon-here' is not of the form lang:name" in joined


def test_wrong_header_and_column_count(data_copy):
    (data_copy / "sides.csv").write_text("code,name\nx,y\n", encoding="utf-8")
    path = data_copy / "baseline.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("aleppo,2024-11-26\n")
    _, errors = read_dataset(data_copy)
    joined = "\n".join(errors)
    assert f"{data_copy / 'sides.csv'}:1: header must be" in joined
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert f"{path}:{n}: expected 5 columns, found 2" in joined


def test_article_without_front_matter_and_with_invalid_utf8(data_copy):
    (data_copy / "articles" / "zz-plain.txt").write_text("no front matter here", encoding="utf-8")
    (data_copy / "articles" / "zz-bytes.txt").write_bytes(b"---\nid: x\n---\n\xff\xfe")
    _, errors = read_dataset(data_copy)
    assert any("zz-plain.txt:1: no front matter" in e for e in errors)
    assert any("zz-bytes.txt:1: not UTF-8" in e for e in errors)


def test_front_matter_error_names_the_key_line(data_copy):
    path = data_copy / "articles" / "zz-date.txt"
    path.write_text("---\nid: zz\ntitle: T\noutlet: O\nlanguage: en\npublished: 2024-13-01\n---\nText.\n",
                    encoding="utf-8")
    _, errors = read_dataset(data_copy)
    assert f"{path}:6: published: month must be in 1..12" in errors


def test_front_matter_split_keeps_text_verbatim():
    meta, body, lines = split_front_matter("---\nid: a\n---\n  text\n---\nmore")
    assert meta == {"id": "a"} and body == "  text\n---\nmore" and lines == 3


def test_names_keep_aliases_in_order():
    assert parse_names("ar:حلب|en:Halab|en:Haleb") == [("ar", "حلب"), ("en", "Halab"), ("en", "Haleb")]


def test_translated_names_of_sides_and_conflict(data_copy):
    """sides.csv's optional `names`/`short_names` (lang:name|…) and conflict.yaml's `translations`
    are read into dicts; a file without the optional columns loads; bad values are file:line errors."""
    ds, errors = read_dataset(data_copy)
    assert not errors
    sdf = next(s for s in ds.sides if s["code"] == "sdf")
    assert sdf["names"] == {"ar": "قوات سوريا الديمقراطية"} and sdf["short_names"] == {"ar": "قسد"}
    assert ds.conflict["translations"]["ar"]["title"] == "هجوم المعارضة في سوريا"

    path = data_copy / "sides.csv"
    data = rows(path)
    write_rows(path, [r[:6] for r in data])  # the format before these columns
    ds, errors = read_dataset(data_copy)
    assert not errors and all(s["names"] == {} and s["short_names"] == {} for s in ds.sides)

    write_rows(path, [data[0][:7]] + [r[:7] for r in data[1:]])  # only `names`: fine too
    assert not read_dataset(data_copy)[1]
    write_rows(path, [data[0][:6] + ["short_names"]] + [r[:7] for r in data[1:]])  # out of order
    assert f"{path}:1: header must be code,name,short_name,colour,coalition,description " \
           "(optionally followed by names,short_names)" in read_dataset(data_copy)[1]

    write_rows(path, data)
    joined = errors_after_editing(data_copy, "sides.csv", {(2, "short_names"): "arabic-without-a-colon"})
    assert f"{path}:3: short_names: name 'arabic-without-a-colon' is not of the form lang:name" in joined

    conflict = data_copy / "conflict.yaml"
    text = conflict.read_text(encoding="utf-8")
    conflict.write_text(text.replace("  ar:\n    title:", "  ar:\n    subtitle: x\n    title:"), encoding="utf-8")
    assert any("'translations': 'ar' must be a language code mapping to title, long_title and description" in e
               for e in read_dataset(data_copy)[1])
