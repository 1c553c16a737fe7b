"""All settings, read from environment variables (and nothing else)."""
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    port: int = 8000
    host: str = "127.0.0.1"
    database_url: str = "sqlite:///./tidemark.db"
    assets: Literal["cdn", "local"] = "cdn"
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = '© OpenStreetMap contributors'
    data_dir: Path = ROOT / "data"
    # A place whose latest supporting report is older than this many days shows as "last known".
    stale_after_days: int = Field(default=3, ge=0, le=3650)
    cache_dir: Path | None = None  # per-date GeoJSON cache (app/daycache.py); default: system temp dir

    @property
    def tiles_off(self) -> bool:
        """TILE_URL=none (or empty): the offline basemap alone, no tile server."""
        return self.tile_url.strip().lower() in ("", "none")


@lru_cache
def get_settings() -> Settings:
    return Settings()
