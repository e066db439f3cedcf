"""Transforms on the charts' objects: make what the engine sends what the API server keeps.

A field the server drops on write comes back missing on every read, so the
engine sees a change on every preview. Only that field is dropped here, never
a whole object's diff (no `ignoreChanges`): any real change still shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

ROLE_TYPES = frozenset(
    {
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
    }
)


def without_empty_rules(props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A Role's properties without `rules: []` (the server stores no empty list: `rules`
    is omitempty); None when there is nothing to drop."""
    if "rules" in props and props["rules"] == []:
        return {key: value for key, value in props.items() if key != "rules"}
    return None


def server_defaults(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """The chart-wide transform: Roles and ClusterRoles lose an empty `rules` (Loki's
    chart renders one when its rules sidecar is off)."""
    if args.type_ not in ROLE_TYPES:
        return None
    props = without_empty_rules(args.props)
    if props is None:
        return None
    return pulumi.ResourceTransformResult(props=dict(props), opts=args.opts)


def moved_from(old_prefix: str, old_parent: pulumi.Input[str]) -> pulumi.ResourceTransform:
    """A transform that aliases each child to the same object under another chart: the
    CRDs once lived in the main kube-prometheus-stack release, and a new URN without an
    alias would delete them, and every custom resource with them, on upgrade."""

    def alias(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
        _, _, object_name = args.name.partition(":")
        aliases = [
            *(args.opts.aliases or []),
            pulumi.Alias(name=f"{old_prefix}:{object_name}", parent=old_parent),
        ]
        return pulumi.ResourceTransformResult(
            props=args.props,
            opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(aliases=aliases)),
        )

    return alias
