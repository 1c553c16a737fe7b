"""The one Jinja2 environment. Templates render whole pages or, for HTMX, one block."""
from jinja2_fragments.fastapi import Jinja2Blocks

from . import i18n
from .config import ROOT

templates = Jinja2Blocks(directory=str(ROOT / "templates"))
i18n.install(templates.env)  # _() and friends, in the request's language (app/i18n.py)
