"""Write a measured map: ``<out>/<name>.png``, ``<name>.json`` and ``<name>.md`` (its page)."""

from __future__ import annotations

import json
from pathlib import Path

from initspec.maps.contents import CLAIMS_OF
from initspec.maps.measure import MapResult
from initspec.maps.plot import draw_map
from initspec.runtime.artifacts import strict


def write_map(result: MapResult, out: Path) -> list[Path]:
    """Write the map's PNG, JSON and page under ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    png = draw_map(result, out / f"{result.name}.png")
    data = out / f"{result.name}.json"
    data.write_text(json.dumps(strict(result.as_json()), indent=1) + "\n", encoding="utf-8")
    page = out / f"{result.name}.md"
    claims = ", ".join(f"[`{c}`](../claims/{c}.md)" for c in CLAIMS_OF.get(result.name, ()))
    page.write_text(
        f"# Map: {result.name}\n\n{result.title}.\n\n![{result.name}]({png.name})\n\n"
        f"- grid: {result.axes['grid']}; x: {result.axes['x']['label']}, "
        f"{result.axes['x']['values']}; y: {result.axes['y']['label']}, "
        f"{result.axes['y']['values']}\n"
        f"- seeds {result.seeds}, {result.steps} training steps per cell\n"
        f"- the numbers: [{data.name}]({data.name}) (`measured` per cell and seed, `theory`)\n"
        f"- the claims it contains: {claims}\n"
        f"- regenerate: `initspec map {result.name} --full --out reports/maps`\n",
        encoding="utf-8",
    )
    return [png, data, page]
