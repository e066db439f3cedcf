"""GoImage under mocks: per-platform builds, caches, the index per registry, digests."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest
from harness import Recording, is_secret, run_with_mocks, unwrap
from pulumi.runtime.mocks import MockResourceArgs

from components.go_image import GoImage, GoImageArgs
from components.go_image.ko import ko_command, ko_config
from components.go_image.metadata import arch_of, image_tags, source_fingerprint
from components.targets.base import RegistryEndpoint

REPO = Path(__file__).resolve().parents[2]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def fake_image(args: MockResourceArgs) -> dict[str, Any]:
    digest = _digest(args.name)
    return {"digest": digest, "ref": f"{args.inputs['tags'][0]}@{digest}"}


def fake_index(args: MockResourceArgs) -> dict[str, Any]:
    # A real index digest depends on the platform manifests, not on the repository names.
    manifests = sorted(source.rsplit("@", 1)[1] for source in args.inputs["sources"])
    return {"ref": f"{args.inputs['tag']}@{_digest(''.join(manifests))}"}


def fake_ko(args: MockResourceArgs) -> dict[str, Any]:
    digest = _digest(args.inputs["fingerprint"])
    return {
        "digest": digest,
        "ref": f"{args.inputs['repository']}:{args.inputs['tags'][-1]}@{digest}",
    }


FAKES = {
    "docker-build:index:Image": fake_image,
    "docker-build:index:Index": fake_index,
    "pulumi-python:dynamic:Resource": fake_ko,
}


def ecr() -> RegistryEndpoint:
    return RegistryEndpoint(
        repository="123456789012.dkr.ecr.us-east-1.amazonaws.com/hello",
        server="123456789012.dkr.ecr.us-east-1.amazonaws.com",
        username="AWS",
        password=pulumi.Output.secret("ecr-token-value"),
        cache_repository="123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-cache",
        cache_image_manifest=True,
    )


def artifact_registry() -> RegistryEndpoint:
    return RegistryEndpoint(
        repository="europe-west1-docker.pkg.dev/proj/hello/hello",
        server="europe-west1-docker.pkg.dev",
        username="oauth2accesstoken",
        password=pulumi.Output.secret("gcp-token-value"),
    )


def run_buildx() -> tuple[Recording, dict[str, str]]:
    refs: dict[str, str] = {}

    def program() -> None:
        image = GoImage(
            "hello",
            GoImageArgs(
                registries={"aws-prod": ecr(), "gcp-prod": artifact_registry()},
                version="1.2.3",
                context=str(REPO / "app"),
                dockerfile=str(REPO / "app" / "Dockerfile"),
            ),
        )
        for target, ref in image.refs.items():
            ref.apply(lambda value, t=target: refs.__setitem__(t, value))

    return run_with_mocks(program, fakes=FAKES), refs


def test_one_image_per_platform_with_its_own_cache() -> None:
    rec, _ = run_buildx()
    images = rec.of_type("docker-build:index:Image")
    assert sorted(i.name for i in images) == ["hello-amd64", "hello-arm64"]
    for image in images:
        arch = image.name.rsplit("-", 1)[1]
        assert image.inputs["platforms"] == [f"linux/{arch}"]
        assert image.inputs["target"] == "runtime"
        assert image.inputs["push"] is True
        (cache_to,) = image.inputs["cacheTo"]
        registry_cache = cache_to["registry"]
        assert registry_cache["ref"].endswith(f"hello-cache:cache-{arch}")
        assert registry_cache["imageManifest"] is True, "ECR needs the image-manifest cache form"
        assert registry_cache["ociMediaTypes"] is True
        assert registry_cache["mode"] == "max"
        (cache_from,) = image.inputs["cacheFrom"]
        assert cache_from["registry"]["ref"] == registry_cache["ref"]


def test_tags_build_args_and_labels() -> None:
    rec, _ = run_buildx()
    image = rec.one("docker-build:index:Image", "hello-arm64")
    tags = image.inputs["tags"]
    assert not any(t.endswith((":latest", ":latest-arm64")) for t in tags)
    fingerprint = rec.component_outputs(rec.one("gantry:image:GoImage", "hello"))["fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert sorted(tags) == sorted(
        f"{repo}:1.2.3-{fingerprint[:12]}-arm64"
        for repo in (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello",
            "europe-west1-docker.pkg.dev/proj/hello/hello",
        )
    ), "one immutable version-fingerprint tag per registry: ECR never moves a tag"
    assert any(t.startswith("europe-west1-docker.pkg.dev") for t in tags), "pushed to every target"
    args = image.inputs["buildArgs"]
    assert args["VERSION"] == "1.2.3"
    assert re.fullmatch(r"[0-9a-f]{40}", args["REVISION"])
    assert set(args) == {"VERSION", "REVISION", "CREATED"}
    labels = image.inputs["labels"]
    assert labels["org.opencontainers.image.revision"] == args["REVISION"]
    assert labels["org.opencontainers.image.version"] == "1.2.3"


def test_registry_credentials_stay_secret() -> None:
    rec, _ = run_buildx()
    for token in ("ecr-token-value", "gcp-token-value"):
        assert rec.plaintext(token) == [], f"{token} is stored in plain text"
    image = rec.one("docker-build:index:Image", "hello-amd64")
    logins = unwrap(image.inputs["registries"])
    assert [r["username"] for r in logins] == ["AWS", "oauth2accesstoken"]
    assert is_secret(image.inputs["registries"]) or all(
        is_secret(r["password"]) for r in image.inputs["registries"]
    )


def test_index_per_target_and_refs_are_digests() -> None:
    rec, refs = run_buildx()
    indexes = {i.name: i for i in rec.of_type("docker-build:index:Index")}
    assert set(indexes) == {"hello-aws-prod-index", "hello-gcp-prod-index"}
    aws_index = indexes["hello-aws-prod-index"]
    assert len(aws_index.inputs["sources"]) == 2
    assert all(DIGEST.search(s) for s in aws_index.inputs["sources"])
    assert set(refs) == {"aws-prod", "gcp-prod"}
    for target, ref in refs.items():
        assert DIGEST.search(ref), f"{target} would not deploy by digest: {ref}"
    assert refs["aws-prod"].startswith("123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:")
    assert refs["aws-prod"].rsplit("@", 1)[1] == refs["gcp-prod"].rsplit("@", 1)[1], (
        "every target deploys the same index digest"
    )


def test_children_are_parented_to_the_component() -> None:
    rec, _ = run_buildx()
    component = rec.one("gantry:image:GoImage", "hello")
    for child in rec.of_type("docker-build:index:Image") + rec.of_type("docker-build:index:Index"):
        assert child.parent == component.urn, f"{child.name} is not parented to GoImage"


def test_ko_builder_for_the_local_registry() -> None:
    local = RegistryEndpoint(
        repository="127.0.0.1:5001/hello", server="127.0.0.1:5001", insecure=True
    )
    refs: dict[str, str] = {}

    def program() -> None:
        image = GoImage(
            "hello",
            GoImageArgs(
                registries={"local": local},
                version="0.1.0",
                builder="ko",
                base_image="127.0.0.1:5001/gantry/static-base:1",
                context=str(REPO / "app"),
            ),
        )
        image.refs["local"].apply(lambda value: refs.__setitem__("local", value))

    rec = run_with_mocks(program, fakes=FAKES)
    ko = rec.one("pulumi-python:dynamic:Resource", "hello-ko")
    assert ko.inputs["platforms"] == ["linux/amd64", "linux/arm64"]
    assert ko.inputs["repository"] == "127.0.0.1:5001/hello"
    assert len(ko.inputs["fingerprint"]) == 64
    assert not rec.of_type("docker-build:index:Image"), "ko needs no Docker engine"
    assert DIGEST.search(refs["local"])


@pytest.mark.parametrize(
    ("registries", "message"),
    [
        ({"a": "x", "b": "y"}, "pushes to one registry"),
        ({"a": "secret"}, "without credentials"),
    ],
)
def test_ko_refuses_what_it_cannot_do(registries: dict[str, str], message: str) -> None:
    def endpoint(kind: str) -> RegistryEndpoint:
        password = pulumi.Output.secret("pw") if kind == "secret" else None
        return RegistryEndpoint(repository=f"r/{kind}", server="r", username="u", password=password)

    def program() -> None:
        GoImage(
            "hello",
            GoImageArgs(
                registries={k: endpoint(v) for k, v in registries.items()},
                version="0.1.0",
                builder="ko",
                base_image="base",
                context=str(REPO / "app"),
            ),
        )

    with pytest.raises(ValueError, match=message):
        run_with_mocks(program, fakes=FAKES)


def test_ko_config_stamps_the_same_variables_as_the_dockerfile() -> None:
    config = ko_config("./cmd/hello", "1.0.0", "abc")
    assert "-X github.com/gantry-dev/gantry/app/internal/version.Version=1.0.0" in config
    assert "-X github.com/gantry-dev/gantry/app/internal/version.Revision=abc" in config
    assert "CGO_ENABLED=0" in config and "-trimpath" in config
    argv = ko_command(
        {"main": "./cmd/hello", "platforms": ["linux/amd64", "linux/arm64"], "tags": ["1", "1-a"]},
        "/tmp/refs.txt",
    )
    assert "--platform=linux/amd64,linux/arm64" in argv and "--sbom=spdx" in argv


def test_tags_never_latest_and_platforms_are_linux() -> None:
    assert image_tags("1.2.3", "0123456789abcdef") == ["1.2.3", "1.2.3-0123456789ab"]
    assert arch_of("linux/arm64") == "arm64"
    with pytest.raises(ValueError, match="linux images only"):
        arch_of("windows/amd64")


def test_fingerprint_ignores_tests_and_docs(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text("package main\n")
    before = source_fingerprint(tmp_path)
    (tmp_path / "main_test.go").write_text("package main\n")
    (tmp_path / "README.md").write_text("docs\n")
    assert source_fingerprint(tmp_path) == before
    (tmp_path / "main.go").write_text("package main // changed\n")
    assert source_fingerprint(tmp_path) != before


def test_dockerfile_and_component_agree() -> None:
    dockerfile = (REPO / "app" / "Dockerfile").read_text()
    args = set(re.findall(r"^ARG\s+([A-Z_]+)", dockerfile, flags=re.MULTILINE))
    assert {"VERSION", "REVISION", "CREATED", "TARGETOS", "TARGETARCH"} <= args
    stages = re.findall(
        r"^FROM[ \t]+.*?[ \t]AS[ \t]+(\S+)[ \t]*$", dockerfile, flags=re.MULTILINE | re.I
    )
    assert "build" in stages and "runtime" in stages, stages
    froms = re.findall(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", dockerfile, flags=re.MULTILINE)
    assert froms and all("@sha256:" in f or f in stages for f in froms), f"unpinned base: {froms}"
    assert "--platform=$BUILDPLATFORM" in dockerfile, "the builder cross-compiles, never emulates"
    assert "version.Version=" in dockerfile and "version.Revision=" in dockerfile


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=gantry-test", "-c", "user.email=test@example.invalid"]
    done = subprocess.run(
        ["git", "-C", str(repo), *identity, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _image_inputs(app: Path, builder: str) -> dict[str, Any]:
    """Every resource GoImage registers for `app`, by name, with its inputs."""

    def program() -> None:
        registry = (
            RegistryEndpoint(repository="127.0.0.1:5001/hello", server="127.0.0.1:5001")
            if builder == "ko"
            else ecr()
        )
        GoImage(
            "hello",
            GoImageArgs(
                registries={"t": registry},
                version="1.2.3",
                context=str(app),
                dockerfile=str(app / "Dockerfile"),
                builder=builder,  # type: ignore[arg-type]
                base_image="127.0.0.1:5001/gantry/static-base:1" if builder == "ko" else None,
            ),
        )

    rec = run_with_mocks(program, fakes=FAKES)
    inputs = {r.name: unwrap(r.inputs) for r in rec.resources if r.type != "gantry:image:GoImage"}
    assert inputs, "GoImage registered nothing"
    return inputs


@pytest.mark.parametrize("builder", ["buildx", "ko"])
def test_a_commit_outside_the_image_changes_nothing(tmp_path: Path, builder: str) -> None:
    """A README commit (root and app/) leaves tags, build args, labels and digests alone;
    a commit to a Go source does not."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "app", repo / "app", ignore=shutil.ignore_patterns("bin"))
    (repo / "README.md").write_text("# gantry\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "first")
    before = _image_inputs(repo / "app", builder)

    (repo / "README.md").write_text("# gantry\n\nMore words.\n")
    (repo / "app" / "README.md").write_text("changed\n")
    _git(repo, "commit", "-qam", "docs only")
    assert _image_inputs(repo / "app", builder) == before, "a docs commit would rebuild the image"

    main = next((repo / "app" / "cmd").rglob("main.go"))
    main.write_text(main.read_text() + "\n// changed\n")
    _git(repo, "commit", "-qam", "code")
    assert _image_inputs(repo / "app", builder) != before, "a code change must rebuild"


def test_build_settings_are_part_of_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text("package main\n")
    plain = source_fingerprint(tmp_path, {"version": "1"})
    assert source_fingerprint(tmp_path, {"version": "2"}) != plain
    dockerfile = tmp_path.parent / f"{tmp_path.name}.Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    assert source_fingerprint(tmp_path, {"version": "1"}, [dockerfile]) != plain
