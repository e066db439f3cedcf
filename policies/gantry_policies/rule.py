"""A rule's metadata and check, and how it becomes a pulumi-policy Policy.

Checks are plain functions returning ``Finding``s, so tests call them without
the engine; ``to_policy`` adds config parsing, exemptions and the handling of
values that are unknown during preview.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .sdk_internals import UnknownValueError
from .settings import COMMON_KEYS, CONFIG_SCHEMA, Settings, from_config
from .values import UNKNOWN, Path, dotted, get, plain

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


@dataclass(frozen=True)
class Resource:
    """What a check sees of one resource: type token, names and engine (camelCase) props."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    deps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parent: str | None = None

    def get(self, *path: str | int) -> Any:
        """The value at ``path`` as plain dicts/lists (UNKNOWN where preview cannot know)."""
        return plain(get(self.props, *path))

    @property
    def is_kubernetes(self) -> bool:
        return self.type.startswith("kubernetes:") and not self.type.startswith("kubernetes:helm")

    @property
    def kind(self) -> str | None:
        """The Kubernetes kind (from the type token, which the provider derives from it)."""
        return self.type.rsplit(":", 1)[-1] if self.is_kubernetes else None

    @property
    def namespace(self) -> Any:
        return self.get("metadata", "namespace")

    @property
    def names(self) -> tuple[str, ...]:
        k8s_name = self.get("metadata", "name")
        return (self.name, k8s_name) if isinstance(k8s_name, str) else (self.name,)

    @property
    def display(self) -> str:
        """``Kind ns/name`` for Kubernetes objects, ``type name`` otherwise."""
        names = self.names
        if self.kind:
            ns = self.namespace
            prefix = f"{ns}/" if isinstance(ns, str) else ""
            return f"{self.kind} {prefix}{names[-1]}"
        return f"{self.type} {self.name}"


@dataclass(frozen=True)
class Finding:
    """A violation, or (``unknown=True``) a field whose value preview cannot see."""

    message: str
    unknown: bool = False
    urn: str | None = None


def violation(message: str, urn: str | None = None) -> Finding:
    return Finding(message, urn=urn)


def cannot_verify(path: Path | str, urn: str | None = None, subject: str = "") -> Finding:
    where = path if isinstance(path, str) else dotted(path)
    owner = f"{subject}: " if subject else ""
    return Finding(
        f"{owner}cannot verify {where} during preview: its value is unknown until `pulumi up`",
        True,
        urn,
    )


FieldCheck = tuple[str, tuple[Any, ...], Callable[[tuple[Any, ...]], bool], str]
"""(where, the values read, predicate on them, the fix) of one cluster setting."""


def field_checks(resource: Resource, checks: Iterable[FieldCheck]) -> Iterator[Finding]:
    """One finding per failed check; a check whose values are unknown cannot be verified."""
    for where, values, ok, fix in checks:
        if any(v is UNKNOWN for v in values):
            yield cannot_verify(where, subject=resource.display)
        elif not ok(values):
            yield violation(f"{resource.display}: {fix}.")


ResourceCheck = Callable[[Resource, Settings], Iterable[Finding]]
StackCheck = Callable[[Sequence[Resource], Settings], Iterable[Finding]]
Scope = Literal["resource", "stack", "ci"]


@dataclass(frozen=True)
class Rule:
    """One gantry rule: id (K01..), kebab-case name, metadata, and its check."""

    id: str
    name: str
    description: str
    severity: Severity
    enforcement: EnforcementLevel
    remediation: str
    resources: str
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    types: tuple[str, ...] = ()
    ci_step: str | None = None
    reads: tuple[str, ...] = ()
    """Settings keys the check reads, beyond the ``COMMON_KEYS`` every policy reads."""

    @property
    def config_keys(self) -> tuple[str, ...]:
        """Every settings key this policy's config may hold (and its schema declares)."""
        return (*COMMON_KEYS, *self.reads)

    @property
    def scope(self) -> Scope:
        if self.check is not None:
            return "resource"
        return "stack" if self.stack_check is not None else "ci"

    def applies(self, resource_type: str) -> bool:
        """Exact type tokens, or prefixes ending in ':' / '/' (empty = every type)."""
        return _applies(self.types, resource_type)


@lru_cache(maxsize=4096)
def _applies(types: tuple[str, ...], resource_type: str) -> bool:
    """Cached: the SDK calls every resource policy for every resource."""
    if not types:
        return True
    return any(resource_type == t or (t[-1] in ":/" and resource_type.startswith(t)) for t in types)


class DeferredToUpdateError(UnknownValueError):
    """Raised after known violations are reported when preview hides a value the rule needs.

    pulumi-policy turns it into a visible "can't run policy ... during preview"
    note; on ``pulumi up`` the values are known and the rule enforces its level.
    """

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.unknown_type_sentinel = ""
        self.props: list[str] = []
        self.message = message


def emit(findings: Iterable[Finding], settings: Settings, report: ReportViolation) -> None:
    """Report violations; then either report unknowns (deny) or defer them to `up`."""
    unknown: list[str] = []
    for finding in findings:
        if not finding.unknown or settings.unknown_values == "deny":
            report(finding.message, finding.urn)
        else:
            unknown.append(finding.message)
    if unknown:
        raise DeferredToUpdateError("; ".join(dict.fromkeys(unknown)))


def _exemption_reason(rule: Rule, resource: Resource, settings: Settings) -> str | None:
    if not settings.exemptions:
        return None
    ns = resource.namespace
    exemption = settings.exemption_for(
        rule.id,
        rule.name,
        pulumi_type=resource.type,
        kind=resource.kind,
        namespace=ns if isinstance(ns, str) else None,
        names=resource.names,
    )
    return None if exemption is None else exemption.reason


def _resource_validator(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    check = rule.check
    assert check is not None

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not rule.applies(args.resource_type):
            return
        settings = from_config(args.get_config())
        resource = Resource(args.resource_type, args.name, args.urn, args.props)
        reason = _exemption_reason(rule, resource, settings)
        if reason is not None:
            args.not_applicable(f"{rule.id} exempted by pack config: {reason}")
        emit(check(resource, settings), settings, report)

    return validate


def stack_resources(args: StackValidationArgs) -> list[Resource]:
    """The stack's resources as ``Resource``s, with property dependencies as URNs."""
    out = []
    for r in args.resources:
        deps = {k: tuple(d.urn for d in v) for k, v in (r.property_dependencies or {}).items()}
        parent = r.parent.urn if r.parent is not None else None
        out.append(Resource(r.resource_type, r.name, r.urn, r.props, deps, parent))
    return out


def _stack_validator(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    check = rule.stack_check
    assert check is not None

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        settings = from_config(args.get_config())
        resources = stack_resources(args)
        exempt = {r.urn for r in resources if _exemption_reason(rule, r, settings) is not None}
        candidates = [r for r in resources if r.urn not in exempt]
        emit((f for f in check(candidates, settings) if f.urn not in exempt), settings, report)

    return validate


def to_policy(rule: Rule) -> Policy:
    """The pulumi-policy object for a resource or stack rule."""
    common: dict[str, Any] = {
        "name": rule.name,
        "description": f"{rule.id}: {rule.description}",
        "enforcement_level": rule.enforcement,
        "config_schema": PolicyConfigSchema(
            properties={k: CONFIG_SCHEMA[k] for k in rule.config_keys}
        ),
        "display_name": f"{rule.id} {rule.name}",
        "severity": rule.severity,
        "tags": [rule.id],
        "remediation_steps": rule.remediation,
    }
    if rule.check is not None:
        return ResourceValidationPolicy(validate=_resource_validator(rule), **common)
    if rule.stack_check is not None:
        return StackValidationPolicy(validate=_stack_validator(rule), **common)
    raise ValueError(f"{rule.id} is a CI step, not a policy")
