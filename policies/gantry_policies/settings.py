"""The pack's configuration: one schema shared by every policy, parsed once.

Pulumi hands each policy only the config stored under its own name, so every
gantry policy declares the same properties (``CONFIG_SCHEMA``). ``expand`` turns
one pack-wide settings document into the per-policy form that
``--policy-pack-config`` and ``PolicyPack(initial_config=...)`` take.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal, Protocol

Level = Literal["privileged", "baseline", "restricted"]
LEVELS: Final[tuple[Level, ...]] = ("privileged", "baseline", "restricted")

# Newest Kubernetes minor with a released pod-security-admission module (v0.36.x).
LATEST_PSS_VERSION: Final = (1, 36)
OLDEST_PSS_VERSION: Final = (1, 0)

DEFAULT_EKS_VERSIONS: Final = ("1.32", "1.33", "1.34", "1.35", "1.36")

_REASON = {"type": "string", "minLength": 3, "description": "Why this is allowed (audit trail)."}

CONFIG_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "podSecurity": {
        "type": "object",
        "description": "Pod Security Standards level and version, per namespace.",
        "properties": {
            "level": {"type": "string", "enum": list(LEVELS)},
            "version": {"type": "string", "pattern": r"^(latest|1\.[0-9]+)$"},
            "namespaces": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "level": {"type": "string", "enum": list(LEVELS)},
                        "reason": _REASON,
                    },
                    "required": ["level", "reason"],
                },
            },
        },
    },
    "exemptions": {
        "type": "array",
        "description": "Named exceptions: every one needs rules, a target and a reason.",
        "items": {
            "type": "object",
            "properties": {
                "rules": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "namespace": {"type": "string"},
                "type": {"type": "string"},
                "name": {"type": "string"},
                "reason": _REASON,
            },
            "required": ["rules", "reason"],
        },
    },
    "allowedRegistries": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Image registry prefixes workloads may pull from (K13).",
    },
    "firstPartyRepositories": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Image repositories built by this project: must be pinned by digest (K12).",
    },
    "publicServices": {
        "type": "array",
        "description": "Services allowed to be LoadBalancer/NodePort/externalIPs (K21).",
        "items": {
            "type": "object",
            "properties": {
                "namespace": {"type": "string"},
                "name": {"type": "string"},
                "reason": _REASON,
            },
            "required": ["name", "reason"],
        },
    },
    "unknownValues": {
        "type": "string",
        "enum": ["defer", "deny"],
        "description": (
            "defer: re-check on `up`, note it in preview; deny: fail preview on unknowns."
        ),
    },
    "eksSupportedVersions": {"type": "array", "items": {"type": "string"}},
}


_ENFORCEMENT_LEVELS: Final = ("advisory", "mandatory", "remediate", "disabled")
COMMON_KEYS: Final = ("exemptions", "unknownValues")
"""Read by every policy: exemptions (``to_policy``) and unknown values (``emit``)."""
_DEFAULTS: Final[dict[str, Any]] = {"unknownValues": "defer", "exemptions": []}


class SettingsError(ValueError):
    """Raised for config the JSON schema cannot catch (e.g. an exemption with no target)."""


@dataclass(frozen=True)
class Exemption:
    """One named exception; every given field must match, ``*`` in rules means all."""

    rules: frozenset[str]
    reason: str
    namespace: str | None = None
    type: str | None = None
    name: str | None = None

    def covers(self, rule_id: str, rule_name: str) -> bool:
        return "*" in self.rules or rule_id in self.rules or rule_name in self.rules

    def matches(
        self, pulumi_type: str, kind: str | None, namespace: str | None, names: Sequence[str]
    ) -> bool:
        if self.namespace is not None and self.namespace != namespace:
            return False
        if self.type is not None and self.type not in (pulumi_type, kind):
            return False
        return self.name is None or self.name in names


@dataclass(frozen=True)
class Settings:
    """Everything the rules read from config, with gantry's defaults."""

    pss_level: Level = "restricted"
    pss_version: tuple[int, int] = LATEST_PSS_VERSION
    namespace_levels: Mapping[str, tuple[Level, str]] = field(default_factory=dict)
    exemptions: tuple[Exemption, ...] = ()
    allowed_registries: tuple[str, ...] = ()
    first_party_repositories: tuple[str, ...] = ()
    public_services: tuple[tuple[str | None, str], ...] = ()
    unknown_values: Literal["defer", "deny"] = "defer"
    eks_supported_versions: tuple[str, ...] = DEFAULT_EKS_VERSIONS

    def level_for(self, namespace: str | None) -> Level:
        """PSS level of ``namespace`` (the pack default when not configured)."""
        if namespace is not None and namespace in self.namespace_levels:
            return self.namespace_levels[namespace][0]
        return self.pss_level

    def exemption_for(
        self,
        rule_id: str,
        rule_name: str,
        *,
        pulumi_type: str,
        kind: str | None,
        namespace: str | None,
        names: Sequence[str],
    ) -> Exemption | None:
        for exemption in self.exemptions:
            if exemption.covers(rule_id, rule_name) and exemption.matches(
                pulumi_type, kind, namespace, names
            ):
                return exemption
        return None

    def is_public_service(self, namespace: str | None, name: str) -> bool:
        return any(n == name and (ns is None or ns == namespace) for ns, n in self.public_services)


def _version(text: str) -> tuple[int, int]:
    if text == "latest":
        return LATEST_PSS_VERSION
    match = re.fullmatch(r"v?1\.(\d+)", text)
    if match is None:
        raise SettingsError(f'podSecurity.version "{text}" must look like "1.36" or "latest"')
    return (1, int(match.group(1)))


def _level(value: Any, where: str) -> Level:
    for level in LEVELS:
        if value == level:
            return level
    raise SettingsError(f'{where} "{value}" must be one of {", ".join(LEVELS)}')


def _reason(item: Mapping[str, Any], where: str) -> str:
    reason = item.get("reason")
    if not isinstance(reason, str) or len(reason.strip()) < 3:
        raise SettingsError(f"{where} needs a reason (why it is allowed)")
    return reason


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where} must be a list of strings")
    return tuple(value)


def parse(config: Mapping[str, Any]) -> Settings:
    """Build Settings from one policy's config mapping (engine camelCase keys)."""
    pod_security = config.get("podSecurity") or {}
    namespaces: dict[str, tuple[Level, str]] = {}
    for ns, entry in (pod_security.get("namespaces") or {}).items():
        where = f"podSecurity.namespaces.{ns}"
        namespaces[ns] = (_level(entry.get("level"), f"{where}.level"), _reason(entry, where))
    exemptions = []
    for index, item in enumerate(config.get("exemptions") or []):
        where = f"exemptions[{index}]"
        rules = _strings(item.get("rules"), f"{where}.rules")
        if not rules:
            raise SettingsError(f'{where} must name the rules it lifts (ids, names or "*")')
        target = {k: item.get(k) for k in ("namespace", "type", "name")}
        if all(v is None for v in target.values()):
            raise SettingsError(f"{where} must name a namespace, a type or a name")
        exemptions.append(
            Exemption(
                frozenset(rules),
                _reason(item, where),
                target["namespace"],
                target["type"],
                target["name"],
            )
        )
    public = tuple(
        (item.get("namespace"), str(item["name"]))
        for index, item in enumerate(config.get("publicServices") or [])
        if _reason(item, f"publicServices[{index}]") and "name" in item
    )
    unknown_values = config.get("unknownValues", "defer")
    if unknown_values not in ("defer", "deny"):
        raise SettingsError(f'unknownValues "{unknown_values}" must be "defer" or "deny"')
    return Settings(
        pss_level=_level(pod_security.get("level", "restricted"), "podSecurity.level"),
        pss_version=_version(str(pod_security.get("version", "latest"))),
        namespace_levels=namespaces,
        exemptions=tuple(exemptions),
        allowed_registries=_strings(config.get("allowedRegistries"), "allowedRegistries"),
        first_party_repositories=_strings(
            config.get("firstPartyRepositories"), "firstPartyRepositories"
        ),
        public_services=public,
        unknown_values=unknown_values,
        eks_supported_versions=_strings(config.get("eksSupportedVersions"), "eksSupportedVersions")
        or DEFAULT_EKS_VERSIONS,
    )


@lru_cache(maxsize=64)
def _parse_cached(blob: str) -> Settings:
    return parse(json.loads(blob))


class _SameValues:
    """Settings by the identity of a config's top-level values.

    The engine hands every call a shallow copy of the policy's config, so the
    values themselves are the same objects call after call. An entry keeps its
    values alive, so an id cannot be reused while the entry is cached.
    """

    def __init__(self, limit: int = 256) -> None:
        self._entries: dict[tuple[tuple[str, ...], tuple[int, ...]], tuple[Any, Settings]] = {}
        self._limit = limit

    def get(self, config: Mapping[str, Any]) -> Settings:
        values = tuple(config.values())
        key = (tuple(config), tuple(map(id, values)))
        hit = self._entries.get(key)
        if hit is not None:
            return hit[1]
        settings = _parse_cached(json.dumps(dict(config), sort_keys=True, default=str))
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (values, settings)  # holding the values pins their ids
        return settings


_SETTINGS = _SameValues()


def from_config(config: Mapping[str, Any]) -> Settings:
    """``parse`` with caches: by value identity first, then by the config's JSON."""
    if not config:
        return Settings()
    return _SETTINGS.get(config)


class PolicyEntry(Protocol):
    """What ``expand`` needs of a rule: its policy name, id and the keys it reads."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def config_keys(self) -> tuple[str, ...]: ...


def _names(exemption: Mapping[str, Any], rule: PolicyEntry) -> bool:
    rules = exemption.get("rules") or []
    return "*" in rules or rule.id in rules or rule.name in rules


def expand(pack_settings: Mapping[str, Any], rules: Iterable[PolicyEntry]) -> dict[str, Any]:
    """Per-policy config (``--policy-pack-config`` form) from one pack-wide document.

    Each policy gets the keys it reads, the exemptions that name it and its level
    from ``enforcementLevels`` (policy name or rule id -> level); a policy with
    nothing but defaults gets no entry.
    """
    shared = {
        k: v
        for k, v in pack_settings.items()
        if k != "enforcementLevels" and not k.startswith("$")  # "$comment" stays in the source
    }
    parse(shared)  # fail here, not inside the engine, on a bad document
    unknown_keys = sorted(set(shared) - set(CONFIG_SCHEMA))
    if unknown_keys:
        raise SettingsError(f"unknown settings: {', '.join(unknown_keys)}")
    rules = list(rules)
    levels = dict(pack_settings.get("enforcementLevels") or {})
    known = {r.name for r in rules} | {r.id for r in rules}
    unknown = sorted(set(levels) - known)
    if unknown:
        raise SettingsError(f"enforcementLevels names no policy: {', '.join(unknown)}")
    bad = sorted(str(v) for v in levels.values() if v not in _ENFORCEMENT_LEVELS)
    if bad:
        raise SettingsError(
            f"enforcementLevels: {', '.join(bad)} is not one of {_ENFORCEMENT_LEVELS}"
        )
    out: dict[str, Any] = {}
    for rule in rules:
        entry: dict[str, Any] = {}
        for key in rule.config_keys:
            value = shared.get(key)
            if key == "exemptions":
                value = [e for e in value or [] if _names(e, rule)]
            if value is not None and value != _DEFAULTS.get(key):
                entry[key] = value
        level = levels.get(rule.name, levels.get(rule.id))
        if level is not None:
            entry["enforcementLevel"] = level
        if entry:
            out[rule.name] = entry
    return out
