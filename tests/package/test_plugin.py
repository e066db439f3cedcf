"""The package as the engine starts it: the executable wrapper serves the committed schema over
gRPC with the repository's virtualenv, and the source-based manifest names the same entry."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import grpc
import pytest
import yaml
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from gantry.package.schema_file import REPO, SCHEMA

PACKAGE = REPO / "package"
WRAPPER = PACKAGE / "bin" / "pulumi-resource-gantry"


@pytest.fixture
def served_port() -> Iterator[int]:
    """Start the wrapper as the engine does (engine address first) and read its port line."""
    plugin = subprocess.Popen(
        [str(WRAPPER), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd="/",  # the engine starts it in the consuming project, anywhere
    )
    try:
        assert plugin.stdout is not None
        line = plugin.stdout.readline().strip()
        assert line.isdigit(), (
            f"no port line: {line!r}; stderr: {plugin.stderr.read() if plugin.stderr else ''}"
        )
        yield int(line)
    finally:
        plugin.terminate()
        plugin.wait(timeout=30)


def test_the_wrapper_is_an_executable_named_for_the_package() -> None:
    assert WRAPPER.name == "pulumi-resource-gantry"
    assert os.access(WRAPPER, os.X_OK)


def test_the_wrapper_serves_the_committed_schema(served_port: int) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{served_port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        response = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
    assert json.loads(response.schema) == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_the_source_manifest_runs_the_same_entry_with_the_repository_venv() -> None:
    manifest = yaml.safe_load((PACKAGE / "PulumiPlugin.yaml").read_text(encoding="utf-8"))
    assert manifest["runtime"]["name"] == "python"
    assert (PACKAGE / manifest["runtime"]["options"]["virtualenv"]).resolve() == REPO / ".venv"
    assert "__main__.py" in WRAPPER.read_text(encoding="utf-8")
    requirements = (PACKAGE / "requirements.txt").read_text(encoding="utf-8")
    assert "-r ../requirements.txt" in requirements.splitlines()
