from app.config import ROOT
from app.extract.evaluate import evaluate


def test_seed_precision_and_recall_per_language():
    scores, details = evaluate(ROOT / "data")
    for lang, s in scores.items():
        assert s.precision >= 0.9, (lang, s, details)
        assert s.recall >= 0.8, (lang, s, details)


def test_every_quote_is_verbatim_in_its_article(res):
    from app.extract.extractor import extract_document
    from app.extract.text import load_document

    for path in sorted((ROOT / "data" / "articles").glob("*.txt")):
        doc = load_document(path.read_bytes(), path.name)
        for c in extract_document(doc, res, doc.published, doc.language, path.name):
            assert doc.text[c.quote["start"]:c.quote["end"]] == c.quote["text"]
