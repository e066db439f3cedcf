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
from gantry_policies import POLICIES, RULES
from gantry_policies.stack_settings import load_stack, settings_for
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


_PROD_SETTINGS = "<prod settings>"
"""Stands for a settings file generated from Pulumi.prod.yaml (written by the fixture)."""


@pytest.fixture
def analyzer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    env = dict(getattr(request, "param", {}))
    if env.get("GANTRY_POLICY_SETTINGS") == _PROD_SETTINGS:
        path = tmp_path / "prod-settings.json"
        path.write_text(json.dumps(settings_for(load_stack("prod"))), encoding="utf-8")
        env["GANTRY_POLICY_SETTINGS"] = str(path)
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
        fields = set(served.configSchema.properties.fields)
        rule = next(r for r in RULES if r.name == served.name)
        assert fields == set(rule.config_keys)


def test_pack_enforces_the_committed_prod_config(analyzer: Any) -> None:
    pack = json.loads((PACK / "config" / "prod.json").read_text(encoding="utf-8"))
    request = proto.ConfigureAnalyzerRequest()
    for policy in POLICIES:
        entry = dict(pack.get(policy.name, {}))
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
    [{"GANTRY_POLICY_SETTINGS": _PROD_SETTINGS}],
    indirect=True,
)
def test_settings_file_becomes_the_initial_config(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    initial = dict(info.initialConfig)
    assert initial["require-probes"].enforcementLevel == proto.MANDATORY
    registries = initial["restrict-image-registries"]
    found = json_format.MessageToDict(registries.properties)["allowedRegistries"]
    assert "*.azurecr.io" in found
