"""The pack as the engine starts it: `python __main__.py` in policies/, spoken to over gRPC.

The process prints its port and serves the Analyzer service on 127.0.0.1; the test asks
for the pack's metadata, configures it with the committed prod config and analyzes one
resource, then stops the process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cases import workload
from engine import _LEVELS, _struct
from gantry_policies import POLICIES
from google.protobuf import empty_pb2, json_format
from helpers import POD_TYPES
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

PACK = Path(__file__).resolve().parents[2] / "policies"


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    process = subprocess.Popen(
        [sys.executable, "__main__.py"],
        cwd=PACK,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the SDK prints the port first, then serves
    if not line.strip().isdigit():
        process.kill()
        _, err = process.communicate(timeout=10)
        raise AssertionError(f"pack did not start: {line!r} {err.decode()[-2000:]}")
    return process, int(line)


@pytest.fixture
def analyzer(request: pytest.FixtureRequest) -> Iterator[Any]:
    env = getattr(request, "param", {})
    process, port = _start(env)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        channel.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_pack_serves_every_policy_with_its_metadata(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "gantry"
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    for served in info.policies:
        assert served.description and served.remediation_steps and served.displayName
        assert "allowedRegistries" in served.configSchema.properties.fields


def test_pack_enforces_the_committed_prod_config(analyzer: Any) -> None:
    pack = json.loads((PACK / "config" / "prod.json").read_text(encoding="utf-8"))
    request = proto.ConfigureAnalyzerRequest()
    for policy in POLICIES:
        entry = dict(pack[policy.name])
        level = entry.pop("enforcementLevel", policy.enforcement_level.value)
        request.policyConfig[policy.name].CopyFrom(
            proto.PolicyConfig(enforcementLevel=_LEVELS[level], properties=_struct(entry))
        )
    analyzer.Configure(request, timeout=30)
    props = workload("Deployment", [(("spec", "hostPID"), True)], namespace="hello")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-prod/hello:1@sha256:" + "a" * 64
    props["spec"]["template"]["spec"]["containers"][0]["image"] = image
    response = analyzer.Analyze(
        proto.AnalyzeRequest(
            type=POD_TYPES["Deployment"],
            properties=_struct(props),
            urn="urn:pulumi:prod::gantry::kubernetes:apps/v1:Deployment::hello",
            name="hello",
        ),
        timeout=60,
    )
    found = {(d.policyName, d.enforcementLevel) for d in response.diagnostics}
    assert found == {("disallow-host-namespaces", proto.MANDATORY)}


@pytest.mark.parametrize(
    "analyzer",
    [{"GANTRY_POLICY_SETTINGS": str(PACK / "settings" / "prod.json")}],
    indirect=True,
)
def test_settings_file_becomes_the_initial_config(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    initial = dict(info.initialConfig)
    probes = initial["require-probes"]
    assert probes.enforcementLevel == proto.MANDATORY
    registries = json_format.MessageToDict(probes.properties)["allowedRegistries"]
    assert "*.azurecr.io" in registries
