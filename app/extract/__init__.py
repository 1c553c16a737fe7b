"""Extraction: multilingual articles in, sourced candidate events out.

Pure functions (no database, no network): `text` finds the main text and its
sentences, `langid` names the language, `gazetteer` finds places, `lexicon` holds the
per-language trigger/actor/date words, `dates` resolves dates, `extractor` puts them
together. `ingest`, `review` and `cli` are the database- and terminal-facing parts.
"""
