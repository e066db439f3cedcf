"""Validate rendered manifests against the schemas of the Kubernetes version they target.

    python scripts/validate_manifests.py DIR [--kubernetes-version 1.34]

Built-in kinds: kubernetes-validate's bundled OpenAPI schemas, strict mode
(unknown fields are errors), for the newest bundled version not newer than
the target's (read from the render-info.json that render_manifests.py writes
beside the files, else --kubernetes-version). Custom resources: our
transcription of their CRD schema (scripts/crd_schemas.py); a custom kind
without one is an error, never a silent pass.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate
import yaml
from kubernetes_validate import utils as kubernetes_validate_utils

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from crd_schemas import CUSTOM_RESOURCE_SCHEMAS  # noqa: E402

INFO_FILE = "render-info.json"
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
}


def schema_version(target_version: str) -> str:
    """The newest bundled schema version not newer than the target (e.g. 1.34 -> 1.34.0)."""
    wanted = tuple(int(part) for part in target_version.split(".")[:2])
    bundled = [
        v
        for v in kubernetes_validate_utils.all_versions()
        if tuple(int(p) for p in v.split(".")[:2]) <= wanted
    ]
    if not bundled:
        msg = f"kubernetes-validate bundles no schema at or below Kubernetes {target_version}"
        raise ValueError(msg)
    return str(bundled[-1])


def validate_object(obj: dict[str, Any], target_version: str) -> list[str]:
    """Every problem with one object; empty when it is valid."""
    kind = obj.get("kind", "?")
    name = (obj.get("metadata") or {}).get("name", "?")
    where = f"{kind}/{name}"
    problems = []
    namespace = (obj.get("metadata") or {}).get("namespace")
    if kind not in CLUSTER_SCOPED and namespace in (None, "", "default"):
        problems.append(f"{where}: namespace must be set and not 'default' (given {namespace!r})")
    schema = CUSTOM_RESOURCE_SCHEMAS.get((obj.get("apiVersion", ""), kind))
    if schema is not None:
        validator = jsonschema.Draft202012Validator(schema)
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in error.absolute_path) or "<root>"
            problems.append(f"{where}: {path}: {error.message} (CRD schema, gantry transcription)")
        return problems
    try:
        kubernetes_validate.validate(obj, schema_version(target_version), strict=True)
    except kubernetes_validate_utils.ValidationError as error:
        path = ".".join(str(p) for p in error.path) or "<root>"
        problems.append(f"{where}: {path}: {error.message} (Kubernetes {error.version} schema)")
    except kubernetes_validate_utils.SchemaNotFoundError as error:
        # Neither a built-in kind nor a transcribed CRD: fail, never pass unchecked.
        problems.append(f"{where}: {error.message}; custom kinds need a schema in crd_schemas.py")
    return problems


def manifests(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def _target_version(path: Path, root: Path, default: str | None) -> str:
    for parent in [path.parent, *path.parent.parents]:
        info = parent / INFO_FILE
        if info.is_file():
            return str(json.loads(info.read_text())["kubernetes_version"])
        if parent == root:
            break
    if default is None:
        msg = f"{path}: no {INFO_FILE} above it and no --kubernetes-version given"
        raise ValueError(msg)
    return default


def validate_directory(
    directory: Path, default_version: str | None = None
) -> tuple[int, list[str]]:
    """(objects checked, problems) for every manifest under `directory`."""
    checked = 0
    problems: list[str] = []
    for path in manifests(directory):
        version = _target_version(path, directory, default_version)
        for obj in yaml.safe_load_all(path.read_text()):
            if obj is None:
                continue
            checked += 1
            problems.extend(
                f"{path.relative_to(directory)}: {p}" for p in validate_object(obj, version)
            )
    return checked, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--kubernetes-version", help="for files without a render-info.json")
    args = parser.parse_args(argv)
    checked, problems = validate_directory(args.directory, args.kubernetes_version)
    for problem in problems:
        print(problem, file=sys.stderr)
    if checked == 0:
        print(f"no manifest found under {args.directory}", file=sys.stderr)
        return 1
    print(f"{checked} objects checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
