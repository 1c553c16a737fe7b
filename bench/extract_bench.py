"""Extraction speed: articles per second over 1,000 synthetic ~3 KB articles, one core.

The articles are generated from our own template sentences (several languages, place
names from data/places.csv, filler sentences without events, a related-link line and a
comment section), so the benchmark needs no network and no corpus. Run: make bench-extract
"""
from __future__ import annotations

import csv
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEMPLATES = {
    "en": (["Rebel forces captured {p} on Thursday, witnesses said.",
            "Government troops withdrew from {p} yesterday.",
            "Heavy clashes broke out in {p} this morning.",
            "Opposition fighters entered {p} after days of fighting."],
           ["Officials did not comment on the reports.", "Prices of bread rose again in the markets.",
            "The United Nations called for calm and the protection of civilians.",
            "Many families have left the area in recent weeks, aid groups said."],
           "Read more: {p} residents describe the night", "Comments"),
    "bg": (["Бунтовниците превзеха {p} вчера.", "Армията се изтегли от {p}.",
            "В {p} избухнаха сблъсъци.", "Опозиционните сили влязоха в {p}."],
           ["Цените на хляба отново се повишиха.", "Официални лица не коментираха информацията.",
            "Много семейства напуснаха района през последните седмици.", "ООН призова за спокойствие."],
           "Още: Какво се случва в {p}", "Коментари"),
    "ar": (["سيطرت فصائل المعارضة على مدينة {p} اليوم.", "انسحبت قوات النظام من {p} أمس.",
            "اندلعت اشتباكات عنيفة في {p}.", "دخلت فصائل المعارضة إلى {p} يوم الخميس."],
           ["ولم يعلق المسؤولون على هذه الأنباء.", "وارتفعت أسعار الخبز مجددا في الأسواق.",
            "ودعت الأمم المتحدة إلى التهدئة وحماية المدنيين.", "وغادرت عائلات كثيرة المنطقة خلال الأسابيع الأخيرة."],
           "اقرأ أيضاً: ماذا يجري في {p}", "تعليقات"),
}


def place_names(lang: str) -> list[str]:
    names = []
    with (ROOT / "data" / "places.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for part in row["names"].split("|"):
                code, _, name = part.partition(":")
                if code == lang:
                    names.append(name)
                    break
            else:
                if lang == "en":
                    names.append(row["name"])
    return names or ["Aleppo"]


def generate(n: int = 1000, size: int = 3000, seed: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    langs = list(TEMPLATES)
    names = {lang: place_names(lang) for lang in langs}
    out = []
    for i in range(n):
        lang = langs[i % len(langs)]
        events, filler, related, comments = TEMPLATES[lang]
        parts: list[str] = []
        while sum(len(p.encode()) for p in parts) < size - 400:
            pool = events if rnd.random() < 0.3 else filler
            parts.append(rnd.choice(pool).format(p=rnd.choice(names[lang])))
        body = "\n\n".join(" ".join(parts[j:j + 3]) for j in range(0, len(parts), 3))
        body += "\n\n" + related.format(p=rnd.choice(names[lang])) + "\n" + comments + "\nGreat article!\n"
        out.append(("---\npublished: 2024-12-07\n---\n" + body).encode("utf-8"))
    return out


def main() -> None:
    from app.extract.langid import detect_language
    from app.extract.pipeline import extract_bytes
    from app.extract.resources import resources_for

    t0 = time.perf_counter()
    res = resources_for(str(ROOT / "data"))
    detect_language("warm up the language models")
    setup = time.perf_counter() - t0
    articles = generate()
    kb = sum(len(a) for a in articles) / len(articles) / 1024
    t0 = time.perf_counter()
    n_events = 0
    for i, raw in enumerate(articles):
        n_events += len(extract_bytes(raw, f"a{i}.txt", res).candidates)
    elapsed = time.perf_counter() - t0
    print(f"{len(articles)} articles of {kb:.1f} KB on average (language detected, no --lang): "
          f"{elapsed:.2f} s, {len(articles) / elapsed:.0f} articles/s, {n_events} candidate events "
          f"(one-off set-up: gazetteer and models {setup:.1f} s)")


if __name__ == "__main__":
    main()
