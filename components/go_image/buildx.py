"""The production path: the Dockerfile through BuildKit (pulumi-docker-build).

One `Image` per platform, because a registry cache export covers one
platform per build; then one `Index` per target registry joins them. The
same per-platform manifests are pushed to every registry in the same build,
so each target's index has the same digest: every target runs the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_docker_build as docker_build

from ..targets.base import RegistryEndpoint
from .metadata import arch_of


def _registry_login(endpoint: RegistryEndpoint) -> docker_build.RegistryArgs | None:
    if endpoint.username is None or endpoint.password is None:
        return None
    return docker_build.RegistryArgs(
        address=endpoint.server, username=endpoint.username, password=endpoint.password
    )


def _cache(
    endpoint: RegistryEndpoint, arch: str
) -> tuple[list[docker_build.CacheFromArgs], list[docker_build.CacheToArgs]]:
    if endpoint.cache_repository is None:
        return [], []
    ref = pulumi.Output.concat(endpoint.cache_repository, f":cache-{arch}")
    cache_from = [docker_build.CacheFromArgs(registry=docker_build.CacheFromRegistryArgs(ref=ref))]
    cache_to = [
        docker_build.CacheToArgs(
            registry=docker_build.CacheToRegistryArgs(
                ref=ref,
                mode=docker_build.CacheMode.MAX,
                image_manifest=endpoint.cache_image_manifest or None,
                oci_media_types=endpoint.cache_image_manifest or None,
            )
        )
    ]
    return cache_from, cache_to


def build_with_buildx(
    name: str,
    *,
    parent: pulumi.Resource,
    context: str,
    dockerfile: str,
    platforms: list[str],
    registries: Mapping[str, RegistryEndpoint],
    tag: str,
    build_args: Mapping[str, str],
    labels: Mapping[str, str],
) -> dict[str, pulumi.Output[str]]:
    """Build and push; return each target's index reference (`repo:tag@sha256:...`).

    `tag` is the immutable version-revision tag: registries such as ECR refuse
    to move a tag, and the same version is rebuilt from every new commit.
    """
    logins = [login for login in map(_registry_login, registries.values()) if login is not None]
    # The first target's registry holds the build cache; the others receive pushes only.
    # Cache tags are `cache-<arch>`: the one tag pattern ECR lets be overwritten.
    cache_endpoint = next(iter(registries.values()))
    per_platform: dict[str, docker_build.Image] = {}
    for platform in platforms:
        arch = arch_of(platform)
        cache_from, cache_to = _cache(cache_endpoint, arch)
        per_platform[arch] = docker_build.Image(
            f"{name}-{arch}",
            context=docker_build.BuildContextArgs(location=context),
            dockerfile=docker_build.DockerfileArgs(location=dockerfile),
            platforms=[docker_build.Platform(platform)],
            target="runtime",
            build_args=dict(build_args),
            labels=dict(labels),
            tags=[
                pulumi.Output.concat(endpoint.repository, f":{tag}-{arch}")
                for endpoint in registries.values()
            ],
            push=True,
            registries=logins,
            cache_from=cache_from,
            cache_to=cache_to,
            opts=pulumi.ResourceOptions(parent=parent),
        )
    refs: dict[str, pulumi.Output[str]] = {}
    for target, endpoint in registries.items():
        index = docker_build.Index(
            f"{name}-{target}-index",
            tag=pulumi.Output.concat(endpoint.repository, f":{tag}"),
            sources=[
                pulumi.Output.concat(endpoint.repository, f":{tag}-{arch}@", image.digest)
                for arch, image in per_platform.items()
            ],
            push=True,
            registry=_registry_login(endpoint),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(per_platform.values())),
        )
        refs[target] = index.ref
    return refs
