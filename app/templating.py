"""The one Jinja2 environment. Templates render whole pages or, for HTMX, one block."""
from jinja2_fragments.fastapi import Jinja2Blocks

from .config import ROOT

templates = Jinja2Blocks(directory=str(ROOT / "templates"))
