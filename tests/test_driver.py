"""The Automation API driver's own logic: toolchain choice, engine environment, config reads.

The engine itself is exercised for real by tests/integration; these pin the
decisions the driver makes before it starts one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pulumi.automation import EngineEvent
from pulumi.automation.events import (
    OpType,
    PolicyEvent,
    ResourcePreEvent,
    StepEventMetadata,
    SummaryEvent,
)

from gantry.driver.__main__ import main
from gantry.driver.progress import Progress, condensed, short_urn
from gantry.driver.results import Exit, Result
from gantry.driver.stack import load_config, local_services
from gantry.driver.toolchain import (
    LOCAL_PASSPHRASE,
    Toolchain,
    ToolchainError,
    engine_env,
    find_toolchain,
)

REPO = Path(__file__).resolve().parent.parent
URN = "urn:pulumi:local::gantry::gantry:go_service:GoService$kubernetes:apps/v1:Deployment::hello"


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_bootstraps_cli_wins_over_the_one_on_path(tmp_path: Path) -> None:
    built = _executable(tmp_path / "cache" / "bin" / "pulumi")
    on_path = _executable(tmp_path / "usr" / "bin" / "pulumi")
    env = {"GANTRY_CACHE": str(tmp_path / "cache"), "PATH": str(on_path.parent)}
    assert find_toolchain(env) == Toolchain(root=tmp_path / "cache", built=True)
    built.unlink()
    assert find_toolchain(env) == Toolchain(root=tmp_path / "usr", built=False)


def test_no_cli_at_all_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="make bootstrap"):
        find_toolchain({"GANTRY_CACHE": str(tmp_path), "PATH": str(tmp_path)})


def test_a_built_toolchain_never_downloads_plugins(tmp_path: Path) -> None:
    built = Toolchain(root=tmp_path, built=True)
    env = engine_env({"PATH": "/usr/bin"}, built, "local", tmp_path / ".pulumi")
    assert env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path / "bin")
    assert env["PULUMI_BACKEND_URL"] == (tmp_path / ".pulumi").as_uri()
    installed = engine_env({}, Toolchain(root=tmp_path, built=False), "local", tmp_path)
    assert "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION" not in installed


def test_only_the_local_stack_gets_the_built_in_passphrase(tmp_path: Path) -> None:
    chain = Toolchain(root=tmp_path, built=True)
    assert engine_env({}, chain, "local", tmp_path)["PULUMI_CONFIG_PASSPHRASE"] == LOCAL_PASSPHRASE
    with pytest.raises(ToolchainError, match="PULUMI_CONFIG_PASSPHRASE"):
        engine_env({}, chain, "dev", tmp_path)
    given = engine_env({"PULUMI_CONFIG_PASSPHRASE": "x"}, chain, "dev", tmp_path)
    assert "PULUMI_CONFIG_PASSPHRASE" not in given, "the user's own passphrase is left alone"
    backend = engine_env({"PULUMI_BACKEND_URL": "s3://b"}, chain, "local", tmp_path)
    assert backend["PULUMI_BACKEND_URL"] == "s3://b"


def test_local_services_come_from_the_stack_config(tmp_path: Path) -> None:
    assert local_services(load_config(REPO, "local")) == [
        "chart-images",
        "cluster",
        "node",
        "registry",
    ]
    assert local_services(load_config(REPO, "dev")) == []
    kind = tmp_path / "Pulumi.kind.yaml"
    kind.write_text(
        "config:\n  gantry:profile: local\n"
        "  gantry:policy: {pack_config: policies/config/local.json}\n"
        "  gantry:targets:\n"
        "    - {name: l, cloud: local, kubeconfig: /k}\n"
        "    - {name: r, cloud: local, mode: render}\n"
    )
    assert local_services(load_config(REPO, "kind", kind)) == ["registry"]
    simulated = tmp_path / "Pulumi.sim.yaml"
    simulated.write_text(
        "config:\n  gantry:profile: local\n"
        "  gantry:policy: {pack_config: policies/config/local.json}\n"
        "  gantry:targets:\n"
        "    - {name: s, cloud: local, nodes: simulated}\n"
    )
    assert local_services(load_config(REPO, "sim", simulated)) == ["cluster", "registry"]


def test_bad_config_stops_before_the_engine_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "Pulumi.local.yaml"
    bad.write_text("config:\n  gantry:profile: lcoal\n  gantry:targets: []\n")
    assert main(["up", "--stack", "local", "--config-file", str(bad)]) == Exit.USAGE
    err = capsys.readouterr().err
    assert "invalid config for stack 'local' (3 problems)" in err
    assert f'{bad}:2: gantry:profile: given "lcoal"' in err
    assert 'did you mean "local"' in err
    assert "Traceback" not in err


def test_services_prints_what_the_stack_needs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["services", "--stack", "local"]) == Exit.OK
    assert capsys.readouterr().out == "chart-images cluster node registry\n"


def _pre(op: OpType, urn: str = URN, diffs: list[str] | None = None) -> EngineEvent:
    meta = StepEventMetadata(op=op, urn=urn, type="t", provider="p", diffs=diffs)
    return EngineEvent(sequence=1, timestamp=0, resource_pre_event=ResourcePreEvent(meta))


def test_progress_prints_each_change_and_collects_findings() -> None:
    lines: list[str] = []
    progress = Progress(echo=lines.append)
    progress(_pre(OpType.SAME))
    progress(_pre(OpType.UPDATE, diffs=["spec"]))
    progress(
        EngineEvent(
            sequence=2,
            timestamp=0,
            policy_event=PolicyEvent(
                message="must not set securityContext.privileged=true\n",
                color="never",
                policy_name="disallow-privileged-containers",
                policy_pack_name="gantry",
                policy_pack_version="1",
                policy_pack_version_tag="1",
                enforcement_level="mandatory",
                resource_urn=URN,
            ),
        )
    )
    progress(
        EngineEvent(
            sequence=3,
            timestamp=0,
            summary_event=SummaryEvent(
                maybe_corrupt=False,
                duration_seconds=3,
                # What the SDK really passes: strings (see the summary line in progress.py).
                resource_changes={"same": 1, "update": 1},  # type: ignore[dict-item]
                policy_packs={},
            ),
        )
    )
    assert lines[0] == "  ~  update     kubernetes:apps/v1:Deployment::hello [spec]"
    assert "policy mandatory: [disallow-privileged-containers]" in lines[1]
    assert progress.changed == [("update", URN)]
    assert progress.changes == {"same": 1, "update": 1}
    assert [f.blocking for f in progress.findings] == [True]


def test_result_summary_names_the_verdict() -> None:
    result = Result(command="up", stack="local", exit=Exit.OK, changes={"create": 3}, seconds=2)
    assert result.summary() == "up local: ok; 3 create in 2.0s"
    refused = Result(command="up", stack="local", exit=Exit.POLICY)
    assert "refused by the policy pack" in refused.summary()
    interrupted = Result(command="up", stack="local", exit=Exit.INTERRUPTED, note="cancelled")
    assert interrupted.summary() == "up local: interrupted (cancelled); no steps in 0.0s"
    assert '"note": "cancelled"' in interrupted.to_json()


def test_a_providers_traceback_is_reported_by_its_last_line() -> None:
    traceback = (
        'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    g()\n'
        "components.go_image.registry.RegistryUnavailableError: the registry r:1 is down\n"
    )
    assert condensed(traceback) == (
        "RegistryUnavailableError: the registry r:1 is down (traceback: --json)"
    )
    assert condensed("update failed") == "update failed"


def test_short_urn_keeps_the_type_and_name() -> None:
    assert short_urn(URN) == "kubernetes:apps/v1:Deployment::hello"
    stack = "urn:pulumi:local::gantry::pulumi:pulumi:Stack::gantry-local"
    assert short_urn(stack) == "pulumi:pulumi:Stack::gantry-local"
