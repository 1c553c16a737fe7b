"""A small made-up conflict for the uncertainty tests: its facts do not move when the bundled
data/ grows. Places, sides, outlets and URLs are invented (example.* domains)."""
from __future__ import annotations

from pathlib import Path

CONFLICT = """id: small
title: Small war
baseline_date: 2030-01-01
start: 2030-01-01
end: 2030-01-12
native_language: ar
map: {lat: 35.0, lon: 38.0, zoom: 7}
"""
SIDES = """code,name,short_name,colour,coalition,description
gov,Government forces,Government,#d1312b,government,
reb,Rebel Front,Rebels,#2e8b3e,opposition,
reb2,Second Rebel Front,Rebels 2,#6cc06c,opposition,
"""
PLACES = """id,name,names,lat,lon,coord_source,kind,governorate,population,population_source,notes
alpha,Alpha,ar:ألفا,35.0,38.0,https://example.org/alpha,city,North,500000,,
beta,Beta,ar:بيتا,35.2,38.3,https://example.org/beta,town,North,90000,,
gamma,Gamma,ar:غاما,34.8,37.8,https://example.org/gamma,town,South,40000,,
delta,Delta,ar:دلتا,35.4,37.6,https://example.org/delta,town,South,30000,,
"""
BASELINE = """place,date,side,reference_url,note
alpha,2030-01-01,gov,https://example.org/ref/alpha,Held by the government before the war.
beta,2030-01-01,gov,https://example.org/ref/beta,Held by the government before the war.
gamma,2030-01-01,gov,https://example.org/ref/gamma,Held by the government before the war.
delta,2030-01-01,reb,https://example.com/ref-report/delta,Held by the rebels since an earlier war.
"""
ARTICLE = """---
id: art1
title: Rebels take Alpha
outlet: Example Gazette
language: en
published: 2030-01-03
url: https://example.org/gazette/alpha
---
Rebels captured Alpha on Thursday. Fighting went on elsewhere.
"""
REPORTS = """id,outlet,title,url,published,language,summary,notes
wire-20300105-alpha,Example Wire,Second front in Alpha,https://example.org/wire/alpha,2030-01-05,en,Says the second rebel front holds Alpha.,
post-20300109-alpha,Example Post,Alpha calm,https://example.net/post/alpha,2030-01-09,fr,Says the rebels hold Alpha.,
wire-20300104-beta,Example Wire,Beta falls,https://example.org/wire/beta,2030-01-04,en,Says the rebels took Beta.,
daily-20300104-beta,Example Daily,Beta fighting,https://example.com/daily/beta,2030-01-04,en,Says fighting went on inside Beta.,
news-ar-20300104-beta,Example News Arabic,بيتا,https://example.net/ar/beta,2030-01-04,ar,Says the rebels entered and then took Beta.,
ref-20291201-delta,Example Reference,Who holds Delta,https://example.com/ref-report/delta,2029-12-01,tr,Says the rebels have held Delta since an earlier war.,
"""
EVENTS = """id,date,date_precision,place,type,actor,control,article,quote,summary
2030-01-03-alpha-capture-art1,2030-01-03,day,alpha,capture,reb,reb,art1,Rebels captured Alpha on Thursday.,The gazette says the rebels took Alpha.
2030-01-05-alpha-capture-wire,2030-01-05,day,alpha,capture,reb2,reb2,wire-20300105-alpha,,Example Wire says the second front holds Alpha.
2030-01-09-alpha-capture-post,2030-01-09,day,alpha,capture,reb,reb,post-20300109-alpha,,Example Post says the rebels hold Alpha.
2030-01-04-beta-capture-wire,2030-01-04,day,beta,capture,reb,reb,wire-20300104-beta,,Example Wire says the rebels took Beta.
2030-01-04-beta-clashes-daily,2030-01-04,day,beta,clashes,reb,contested,daily-20300104-beta,,Example Daily says fighting went on inside Beta.
2030-01-04-beta-entry-news-ar,2030-01-04,day,beta,entry,reb,contested,news-ar-20300104-beta,,Example News Arabic says the rebels entered Beta.
2030-01-04-beta-capture-news-ar,2030-01-04,day,beta,capture,reb,reb,news-ar-20300104-beta,,Example News Arabic says the rebels took Beta.
"""


def write_small_conflict(root: Path) -> Path:
    (root / "articles").mkdir(parents=True)
    (root / "reports").mkdir()
    for name, text in (("conflict.yaml", CONFLICT), ("sides.csv", SIDES), ("places.csv", PLACES),
                       ("baseline.csv", BASELINE), ("events.csv", EVENTS),
                       ("articles/art1.txt", ARTICLE), ("reports/small.csv", REPORTS)):
        (root / name).write_text(text, encoding="utf-8")
    return root
