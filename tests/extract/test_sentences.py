"""Multilingual test sentences, written by us: one capture/entry/withdrawal/... per language."""
from datetime import date

import pytest

from app.extract.extractor import extract_document
from app.extract.text import Document

PUB = date(2024, 12, 7)  # a Saturday

CASES = [
    # (language, sentence, place, type, coalition)
    ("en", "Rebel fighters captured the city of Hama on Thursday.", "hama", "capture", "opposition"),
    ("en", "Government troops withdrew from Homs yesterday.", "homs", "withdrawal", "unknown"),
    ("en", "Heavy clashes broke out in Daraa.", "daraa", "clashes", "contested"),
    ("ar", "سيطرت فصائل المعارضة على مدينة حماة اليوم.", "hama", "capture", "opposition"),
    ("ar", "انسحبت قوات النظام من مدينة درعا أمس.", "daraa", "withdrawal", "unknown"),
    ("ar", "دخلت فصائل المعارضة إلى حمص.", "homs", "entry", "contested"),
    ("bg", "Бунтовниците превзеха Хама вчера.", "hama", "capture", "opposition"),
    ("bg", "Армията се изтегли от Дараа.", "daraa", "withdrawal", "unknown"),
    ("ru", "Повстанцы захватили Алеппо в пятницу.", "aleppo", "capture", "opposition"),
    ("ru", "В Хаме идут ожесточенные бои.", "hama", "clashes", "contested"),
    ("uk", "Повстанці захопили Алеппо.", "aleppo", "capture", "opposition"),
    ("uk", "Урядові війська відступили з Хоммсу.", None, None, None),
    ("pl", "Rebelianci zdobyli Aleppo w piątek.", "aleppo", "capture", "opposition"),
    ("pl", "Wojsko wycofało się z Hamy.", "hama", "withdrawal", "unknown"),
    ("fr", "Les rebelles se sont emparés d'Alep vendredi.", "aleppo", "capture", "opposition"),
    ("fr", "L'armée s'est retirée de Homs hier.", "homs", "withdrawal", "unknown"),
    ("de", "Die Rebellen haben Aleppo erobert.", "aleppo", "capture", "opposition"),
    ("de", "Die Armee hat sich aus Homs zurückgezogen.", "homs", "withdrawal", "unknown"),
    ("it", "I ribelli hanno conquistato Aleppo.", "aleppo", "capture", "opposition"),
    ("it", "Scontri a Hama tra ribelli ed esercito.", "hama", "clashes", "contested"),
    ("tr", "Muhalifler Halep'i ele geçirdi.", "aleppo", "capture", "opposition"),
    ("tr", "Rejim güçleri Hama'dan çekildi.", "hama", "withdrawal", "unknown"),
    ("el", "Οι αντάρτες κατέλαβαν το Χαλέπι.", "aleppo", "capture", "opposition"),
    ("el", "Ο στρατός αποσύρθηκε από τη Χάμα.", "hama", "withdrawal", "unknown"),
    # round-4 rules: new trigger words, relative clauses, coordinated reference places
    ("en", "Rebels wrested Hama from the army on Thursday.", "hama", "capture", "opposition"),
    ("en", "Government troops in Homs melted away overnight.", "homs", "withdrawal", "unknown"),
    ("it", "I ribelli si sono impadroniti di Hama.", "hama", "capture", "opposition"),
    ("fr", "Les insurgés ont fait main basse sur Homs.", "homs", "capture", "opposition"),
    ("de", "Daraa ist seit Freitagabend in der Hand der Rebellen.", "daraa", "capture", "opposition"),
    ("ru", "Хама перешла в руки повстанцев.", "hama", "capture", "opposition"),
    ("tr", "Muhalifler Hama'yı aldı.", "hama", "capture", "opposition"),
    ("el", "Οι αντάρτες έθεσαν υπό τον έλεγχό τους τη Χάμα.", "hama", "capture", "opposition"),
    ("ru", "Повстанцы стоят в Хаме, откуда ушла армия.", "hama", "withdrawal", "unknown"),
]


def run(text, res, lang):
    return extract_document(Document(text=text), res, PUB, lang, "t.txt")


@pytest.mark.parametrize("lang,text,place,etype,coalition", CASES)
def test_sentence(lang, text, place, etype, coalition, res):
    cands = [c for c in run(text, res, lang) if c.coalition]
    if place is None:
        return  # a misspelt place name: no claim about it
    assert any(c.place["id"] == place and c.type == etype and c.coalition == coalition
               for c in cands), [(c.place["id"], c.type, c.coalition) for c in cands]


@pytest.mark.parametrize("text", [
    "Rebels advanced towards Hama.",                          # a direction, not a capture
    "The rebels captured the town of Karnaz, north of Hama.",  # Hama is a reference point
    "Rebels did not capture Homs.",                            # negation
    "Rebels captured Palmyra in 2016.",                        # background: another year
    "سيطرت المعارضة على قرى في ريف حماة.",                      # rural Hama: not the city
])
def test_not_a_control_change(text, res):
    bad = {"hama", "homs", "palmyra"}
    assert not [c for c in run(text, res, None) if c.coalition and c.place["id"] in bad]


def test_dates_are_resolved_in_the_sentence_language(res):
    cases = [
        ("Rebels captured Hama yesterday.", "2024-12-06"),
        ("Rebels captured Hama on Thursday.", "2024-12-05"),
        ("Rebels captured Hama on 3 December.", "2024-12-03"),
        ("Бунтовниците превзеха Хама вчера.", "2024-12-06"),
        ("Бунтовниците превзеха Хама в четвъртък.", "2024-12-05"),
        ("سيطرت المعارضة على مدينة حماة أمس.", "2024-12-06"),
        ("سيطرت المعارضة على مدينة حماة يوم الخميس.", "2024-12-05"),
        ("سيطرت المعارضة على مدينة حماة 5 كانون الأول/ديسمبر 2024.", "2024-12-05"),
        ("Повстанцы захватили Хаму 5 декабря.", "2024-12-05"),
        ("Die Rebellen haben Hama am Donnerstag erobert.", "2024-12-05"),
        ("Rebels captured Hama a week ago.", "2024-11-30"),
    ]
    for text, expected in cases:
        cands = [c for c in run(text, res, None) if c.type == "capture"]
        assert cands and cands[0].date == expected, (text, [c.date for c in cands])


def test_specific_side_from_data(res):
    cands = run("Hayat Tahrir al-Sham (HTS) seized Aleppo.", res, "en")
    cap = [c for c in cands if c.type == "capture"]
    assert cap[0].side == "moc" and cap[0].coalition == "opposition"
    assert not any(c.place["id"] == "damascus" for c in cands)  # "al-Sham" is part of a name


def test_foreign_withdrawal_changes_nothing(res):
    cands = run("Russian troops withdrew from Hama.", res, "en")
    assert cands and all(c.coalition is None for c in cands)


def test_quotes_are_verbatim_with_offsets(res):
    text = "Intro line.\n\nRebels captured Hama. Government forces withdrew from Homs yesterday.\n"
    for c in run(text, res, "en"):
        assert text[c.quote["start"]:c.quote["end"]] == c.quote["text"]


# General rules added with the held-out articles (tests/extract/heldout/): one sentence each.
RULES = [
    # a dateline names where the report was filed, not what it reports on
    ("HALEP (AA) - Muhalifler Tel Rıfat'ı ele geçirdi.", "tell-rifaat", "opposition", {"aleppo"}),
    # "the regime fell": the side next to a `fall` word is the loser
    ("Повстанці захопили Хомс. Режим Асада впав: повстанці в Дамаску.", "damascus", "opposition", set()),
    # a reference word inside a trigger ("взяли под контроль") is not a reference
    ("СДС взяли под контроль Дейр-эз-Зор.", "deir-ez-zor", "sdf", set()),
    # a direction marker applies to the first place after it only
    ("Rebels pushed towards Homs after Hama fell to the insurgents on Thursday.", "hama", "opposition", {"homs"}),
    # expulsion: the place after "out of" is the target
    ("Turkish-backed SNA fighters drove the SDF out of Tell Rifaat.", "tell-rifaat", "opposition", set()),
    # expulsion of the government is its withdrawal
    ("Government forces were driven out of Morek.", "morek", "unknown", set()),
    # a side named as taking over after a government withdrawal holds the place
    ("Government forces withdrew from Deir ez-Zor, and the SDF moved in to take over the city.",
     "deir-ez-zor", "sdf", set()),
    # a statement of who holds a place
    ("Auch Abu Kamal ist unter Kontrolle der SDF.", "abu-kamal", "sdf", set()),
    # "province of" / "in southern X": a region, not the target
    ("Rebels overran Khan Shaykhun in southern Idlib.", "khan-shaykhun", "opposition", {"idlib"}),
    # an actor word is not a trigger ("Kämpfer" is not "Kämpfe")
    ("Kämpfer der Rebellen in Aleppo.", None, None, {"aleppo"}),
    # "remain in control": no change
    ("Kurdish-led forces remain in control of Raqqa.", None, None, {"raqqa"}),
]


@pytest.mark.parametrize("text,place,coalition,absent", RULES)
def test_general_rules(text, place, coalition, absent, res):
    cands = [c for c in run(text, res, None) if c.coalition]
    got = {(c.place["id"], c.coalition) for c in cands}
    if place:
        assert (place, coalition) in got, got
    assert not {p for p, _ in got} & absent, got


def test_background_sentence_with_a_recent_date_is_news(res):
    cands = run("SNA fighters seized Tell Rifaat on Sunday, driving out the SDF, "
                "which had held it since 2016.", res, "en")
    assert any(c.place["id"] == "tell-rifaat" and c.coalition == "opposition" for c in cands)


def test_the_city_is_the_last_town_named_as_a_target(res):
    text = ("Rebels captured much of Aleppo on Saturday. They also seized Aleppo International "
            "Airport. On Friday the fighters had entered the western districts of the city.")
    cands = [c for c in run(text, res, "en") if c.type == "entry"]
    assert cands and cands[0].place["id"] == "aleppo"


# Issue 8: the four error classes seen on real reporting, as sentences we wrote ourselves.
# (text, place, expected coalition or None for "no control-changing claim", coalition that must not appear)
ERROR_CLASSES = [
    # direction: "lost control of X" is a withdrawal by the loser, never a capture by it
    ("Сирийската армия призна, че е изгубила контрола над град Хама.", "hama", "unknown", "government"),
    ("Урядові війська втратили контроль над Алеппо.", "aleppo", "unknown", "government"),
    ("ولأول مرة يفقد النظام السيطرة على حماة.", "hama", "unknown", "government"),
    ("L'esercito ha perso il controllo della città di Hama.", "hama", "unknown", "government"),
    ("Die Armee hat die Kontrolle über Hama verloren.", "hama", "unknown", "government"),
    ("Soldiers lost their lives in Hama.", "hama", None, None),
    # who acts: the side that left is not the captor; the nearest verb governs a place
    ("After the army withdrew from the area, the SDF took control of Deir ez-Zor.", "deir-ez-zor", "sdf", "government"),
    ("وإثر اشتباكات عنيفة مع قوات النظام، سيطرت قوات المعارضة على مدينة داريا.", "darayya", "opposition", "government"),
    ("Rebels captured Saraqib, and the army withdrew from Homs.", "homs", "unknown", "opposition"),
    ("Rebels captured Hama on Thursday. The swift capture of Homs and the absence of army units "
     "surprised residents.", "homs", "opposition", "government"),
    # partial control: neighbourhoods or a prison make a town contested, not captured
    ("Rebels entered Homs and took control of several neighbourhoods.", "homs", "contested", "opposition"),
    # regions: a list before "provinces" names regions, not targets
    ("The army regained several towns across the Aleppo and Idlib provinces.", "aleppo", None, None),
    # "still in the hands of" is no change
    ("Homs e Damasco sono ancora in mano al regime.", "homs", None, None),
]


@pytest.mark.parametrize("text,place,coalition,absent", ERROR_CLASSES)
def test_error_classes(text, place, coalition, absent, res):
    cands = [c for c in run(text, res, None) if c.coalition and c.place["id"] == place]
    got = {c.coalition for c in cands}
    if coalition is None:
        assert not got, got
    else:
        assert coalition in got, got
    if absent:
        assert absent not in got, got


def test_holder_named_in_a_later_sentence(res):
    text = ("Government troops pulled out of Mayadin and Abu Kamal on Friday. Residents stayed indoors. "
            "The SDF then took control of these areas.")
    got = {(c.place["id"], c.coalition) for c in run(text, res, "en") if c.coalition}
    assert {("mayadin", "sdf"), ("abu-kamal", "sdf")} <= got, got


def test_background_clause_is_not_todays_news(res):
    # beside the sentence's own news, "after taking Aleppo" is older news: no Aleppo claim dated today
    text = "I ribelli hanno conquistato Hama giovedì, quattro giorni dopo aver preso Aleppo."
    got = {(c.place["id"], c.coalition) for c in run(text, res, "it") if c.coalition}
    assert ("hama", "opposition") in got and not any(p == "aleppo" for p, _ in got), got
    # alone, it stays, at a lower confidence and with a note
    alone = [c for c in run("Zuvor war Homs an die Aufständischen gefallen.", res, "de") if c.coalition]
    assert alone and all(c.confidence < 0.7 and any("background" in n for n in c.notes) for c in alone)


def test_recap_date_is_the_offensive_not_the_capture(res):
    text = "Les rebelles ont lancé le 27 novembre une offensive, s'emparant d'Alep et de Hama."
    assert not [c for c in run(text, res, "fr") if c.coalition], "a recap dated by its launch is no event"


def test_ordinal_day_numbers(res):
    cands = [c for c in run("Οι αντάρτες κατέλαβαν το Χαλέπι την 1η Δεκεμβρίου.", res, "el") if c.coalition]
    assert any(c.place["id"] == "aleppo" and c.date == "2024-12-01" for c in cands)
