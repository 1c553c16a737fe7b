from datetime import date

import pytest

from app.extract.langid import detect_language
from app.extract.text import InputError, load_document, sentences


def texts(text):
    return [text[s.start:s.end] for s in sentences(text)]


def test_related_links_newsletters_chrome_and_comments_are_dropped():
    text = ("Rebels entered the city. They met no resistance.\n"
            "Още: Режимът на Асад нанесе въздушни удари\n"
            "Read more: Rebels capture another town\n"
            "اقرأ أيضاً: المعارضة تسيطر على مدينة\n"
            "Subscribe to our newsletter for daily updates\n"
            "Share\nPrint\n• *\n"
            "The army withdrew.\n"
            "Comments\n"
            "The rebels captured everything, says a reader.\n")
    got = texts(text)
    assert got == ["Rebels entered the city.", "They met no resistance.", "The army withdrew."]


def test_sentence_offsets_are_exact():
    text = "  Бунтовниците влязоха в Хама. Армията се изтегли!\n\nU.S. officials said so. وقال مصدر إن المعارضة سيطرت. ثم انسحبت."
    for s in sentences(text):
        assert text[s.start:s.end].strip() == text[s.start:s.end]
    assert "U.S. officials said so." in texts(text)


def test_front_matter_gives_date_and_language():
    doc = load_document("---\nid: x\npublished: 2024-12-07\nlanguage: bg\n---\nТекст.\n".encode())
    assert doc.published == date(2024, 12, 7) and doc.language == "bg" and doc.text == "Текст.\n"


def test_html_main_text_without_scripts_and_date_from_meta():
    html = """<!doctype html><html><head><title>T</title>
    <meta property="article:published_time" content="2024-12-06T10:00:00Z">
    <script>var x = "Rebels captured Damascus"; document.write(x);</script></head>
    <body><nav>Home | World | Share</nav><article><h1>Rebels advance</h1>
    <p>Rebel forces captured the city of Hama on Thursday after days of fighting with the army.</p>
    <p>Residents said government troops had withdrawn from the city centre overnight.</p>
    <script>alert('x')</script></article><footer>Read more: other news</footer></body></html>"""
    doc = load_document(html.encode())
    assert doc.kind == "html" and "Hama" in doc.text
    assert "Damascus" not in doc.text and "alert" not in doc.text
    assert doc.published == date(2024, 12, 6)


@pytest.mark.parametrize("raw,reason", [
    (b"", "empty"), (b"   \n", "empty"), (b"\x00\x01\x02binary\x00", "binary"),
    (b"caf\xe9 au lait", "UTF-8"), ("<html><head><script>x()</script></head><body></body></html>".encode(), "main text"),
])
def test_bad_input_is_refused_with_a_reason(raw, reason):
    with pytest.raises(InputError, match=reason):
        load_document(raw, "f.txt")


@pytest.mark.parametrize("text,lang", [
    ("Бунтовниците влязоха в града рано сутринта и поеха контрола над летището.", "bg"),
    ("Повстанцы вошли в город рано утром и взяли под контроль аэропорт.", "ru"),
    ("Повстанці увійшли до міста рано вранці і взяли під контроль аеропорт.", "uk"),
    ("Rebels entered the city early in the morning and took the airport.", "en"),
    ("Les rebelles sont entrés dans la ville tôt le matin.", "fr"),
    ("Die Rebellen sind am frühen Morgen in die Stadt eingedrungen.", "de"),
    ("I ribelli sono entrati in città la mattina presto.", "it"),
    ("Rebelianci weszli do miasta wcześnie rano.", "pl"),
    ("İsyancılar sabah erken saatlerde şehre girdi.", "tr"),
    ("Οι αντάρτες μπήκαν στην πόλη νωρίς το πρωί.", "el"),
    ("دخلت فصائل المعارضة المدينة في الصباح الباكر.", "ar"),
])
def test_language_identification(text, lang):
    assert detect_language(text) == lang
