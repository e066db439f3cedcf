"""Region and location names checked against the lists the cloud SDKs ship.

The lists live in cloud_regions.json, written from the installed SDKs by
scripts/cloud_regions.py (`make docs`), so the config never imports a cloud
SDK. A name the pinned SDK does not know is refused with the closest one.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from .suggest import did_you_mean

DATA = Path(__file__).with_name("cloud_regions.json")

GCP_GEOGRAPHIES = (
    "africa", "asia", "australia", "europe", "me", "northamerica", "southamerica", "us",
)  # fmt: skip
GCP_DIRECTIONS = (
    "central", "east", "north", "northeast", "northwest", "south", "southeast", "southwest", "west",
)  # fmt: skip
_GCP_REGION = re.compile(
    rf"^({'|'.join(GCP_GEOGRAPHIES)})-({'|'.join(GCP_DIRECTIONS)})[1-9][0-9]?$"
)
"""pulumi_gcp ships no list of regions: a GCP region is <geography>-<direction><n>."""


@cache
def _lists() -> dict[str, tuple[tuple[str, ...], str]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {
        cloud: (tuple(data[cloud]["regions"]), data[cloud]["source"]) for cloud in ("aws", "azure")
    }


def known(cloud: str) -> tuple[str, ...]:
    """The names the pinned SDK of `cloud` ("aws" or "azure") ships."""
    return _lists()[cloud][0]


def _check(cloud: str, what: str, name: str) -> str:
    names, source = _lists()[cloud]
    if name not in names:
        msg = f"not an {what} ({source} lists {len(names)})" + did_you_mean(name, names)
        raise ValueError(msg)
    return name


def _aws_region(name: str) -> str:
    return _check("aws", "AWS region", name)


def _azure_location(name: str) -> str:
    return _check("azure", "Azure location", name)


def _gcp_region(name: str) -> str:
    if _GCP_REGION.match(name):
        return name
    candidates = [
        f"{g}-{d}{n}" for g in GCP_GEOGRAPHIES for d in GCP_DIRECTIONS for n in range(1, 13)
    ]
    msg = (
        "not a GCP region: <geography>-<direction><n>, e.g. europe-west1 "
        f"(geographies: {', '.join(GCP_GEOGRAPHIES)}; pulumi_gcp ships no region list)"
        + did_you_mean(name, candidates)
    )
    raise ValueError(msg)


AwsRegion = Annotated[str, AfterValidator(_aws_region)]
AzureLocation = Annotated[str, AfterValidator(_azure_location)]
GcpRegion = Annotated[str, AfterValidator(_gcp_region)]
