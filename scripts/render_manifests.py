"""Write the service's Kubernetes manifests of a committed stack, one directory per target.

    python scripts/render_manifests.py --stack dev [--out out/render] [--image REF]

Uses the very builders the GoService component registers
(components/go_service/manifests.py), without the Pulumi engine, so the
files are what `pulumi up` applies, ready for review, validation and GitOps.
Two things are only known once the cloud resources exist and are therefore
not in the files: the built image's registry and digest (a placeholder
digest of zeros unless --image is given) and the cloud workload-identity
annotations of the ServiceAccount.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from components.go_service.manifests import render  # noqa: E402
from components.go_service.spec import (  # noqa: E402
    MIN_KUBERNETES_VERSION,
    validate_image_reference,
)
from gantry.config import StackConfigError, source  # noqa: E402
from gantry.config.stack import StackConfig  # noqa: E402
from gantry.config_adapter import planned_endpoints, service_spec  # noqa: E402

PLACEHOLDER_DIGEST = "sha256:" + "0" * 64
PLACEHOLDER_REGISTRY = "registry.invalid"
"""`.invalid` is reserved (RFC 2606): the placeholder can never pull anything."""
INFO_FILE = "render-info.json"


def load_stack(stack: str, repo: Path = REPO) -> StackConfig:
    """Parse Pulumi.<stack>.yaml's `gantry:` keys; problems carry the file and line."""
    return source.load_stack(repo, stack)


def committed_stacks(repo: Path = REPO) -> list[str]:
    return source.committed_stacks(repo)


def kubernetes_version(target: Any) -> str:
    """The target's pinned Kubernetes minor, else the oldest one gantry supports."""
    version = getattr(target, "kubernetes_version", None)
    return version if isinstance(version, str) else MIN_KUBERNETES_VERSION


def _file_name(index: int, obj: dict[str, Any]) -> str:
    return f"{index:02d}-{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"


def _header(stack: str, target: str, placeholder: bool) -> str:
    lines = [
        f"# Rendered by scripts/render_manifests.py from Pulumi.{stack}.yaml, target {target}.",
        "# Generated: edit the config or components/go_service/, then re-render.",
    ]
    if placeholder:
        lines.append(
            f"# PLACEHOLDER image: {PLACEHOLDER_REGISTRY}/...@{PLACEHOLDER_DIGEST[:15]}... "
            "(pass --image REF for the built one)"
        )
    return "\n".join(lines) + "\n"


def render_stack(stack: str, out: Path, image: str | None = None, repo: Path = REPO) -> list[Path]:
    """Render every target of `stack` to `out/<stack>/<target>/`; return the files written."""
    config = load_stack(stack, repo)
    placeholder = image is None
    reference = image or f"{PLACEHOLDER_REGISTRY}/{config.image.repository}@{PLACEHOLDER_DIGEST}"
    validate_image_reference(reference)
    written: list[Path] = []
    for target in config.targets:
        directory = out / stack / target.name
        if directory.exists():
            shutil.rmtree(directory)  # no stale object may survive a re-render
        directory.mkdir(parents=True)
        spec = service_spec(
            config, image=reference, environment=stack, observability=planned_endpoints(config)
        )
        for index, obj in enumerate(render(spec), start=1):
            path = directory / _file_name(index, obj)
            body = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)
            path.write_text(_header(stack, target.name, placeholder) + body)
            written.append(path)
        info = {
            "stack": stack,
            "target": target.name,
            "kubernetes_version": kubernetes_version(target),
            "image": reference,
            "image_is_placeholder": placeholder,
        }
        (directory / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml), or 'all'")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "render")
    parser.add_argument("--image", help="image reference with digest (default: a placeholder)")
    args = parser.parse_args(argv)
    stacks = committed_stacks() if args.stack == "all" else [args.stack]
    for stack in stacks:
        try:
            files = render_stack(stack, args.out, args.image)
        except StackConfigError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{stack}: {len(files)} manifests under {args.out / stack}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
