"""The scripts the workflows call: affected stacks, the PR comment, drift, GitHub sync."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.workflows_support import REPO, SCRIPTS


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"gantry_ci_{name}", SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


affected = _load("affected_stacks")
comment = _load("preview_comment")
drift = _load("drift_report")

STACKS = ["dev", "prod"]

# --- affected_stacks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["Pulumi.dev.yaml"], ["dev"]),
        (["Pulumi.prod.yaml"], ["prod"]),
        (["policies/config/prod.json"], ["prod"]),
        (["Pulumi.local.yaml"], []),  # a stack CI does not preview
        (["Pulumi.yaml"], STACKS),
        (["__main__.py"], STACKS),
        (["components/observability/loki.py"], STACKS),
        (["gantry/config_adapter.py"], STACKS),
        (["policies/gantry_policies/pod_security.py"], STACKS),
        (["app/internal/server/server.go"], STACKS),
        (["requirements.txt"], STACKS),
        (["policies/requirements.txt"], STACKS),
        (["docs/delivery.md", "README.md", "tests/test_config.py"], []),
        (["docs/runbooks/high-error-rate.md"], []),
        (["scripts/something-new.sh"], STACKS),  # unknown counts as all
        ([".github/workflows/pr.yml"], STACKS),
        (["Pulumi.prod.yaml", "Pulumi.dev.yaml"], ["dev", "prod"]),  # order of --stacks
        (["", "  "], []),
        ([], []),
    ],
)
def test_affected_stacks(paths: list[str], expected: list[str]) -> None:
    assert affected.affected_stacks(paths, STACKS) == expected


def test_affected_stacks_cli_writes_github_outputs() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPTS / "affected_stacks.py"), "--stacks", "dev, prod"],
        input="Pulumi.prod.yaml\ndocs/x.md\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.splitlines() == [
        'stacks=["prod"]',
        'include=[{"stack": "prod", "suffix": "PROD"}]',
        "any=true",
    ]
    none = subprocess.run(
        [sys.executable, str(SCRIPTS / "affected_stacks.py"), "--stacks", "dev,prod"],
        input="README.md\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert none.stdout.splitlines() == ["stacks=[]", "include=[]", "any=false"]
    every = subprocess.run(
        [sys.executable, str(SCRIPTS / "affected_stacks.py"), "--all", "--stacks", "dev prod dev"],
        input="",
        capture_output=True,
        text=True,
        check=True,
    )
    assert every.stdout.splitlines()[0] == 'stacks=["dev", "prod"]'
    assert every.stdout.splitlines()[2] == "any=true"


@pytest.mark.parametrize(
    ("stack", "suffix"), [("dev", "DEV"), ("prod", "PROD"), ("prod-eu.1", "PROD_EU_1")]
)
def test_variable_suffix_is_a_valid_github_variable_name_part(stack: str, suffix: str) -> None:
    assert affected.variable_suffix(stack) == suffix
    assert affected.matrix_include([stack]) == [{"stack": stack, "suffix": suffix}]


def test_affected_stacks_refuses_an_empty_stack_list() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPTS / "affected_stacks.py"), "--stacks", " , "],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and "empty" in run.stderr


def test_every_stack_file_in_the_repo_maps_to_its_stack() -> None:
    for path in REPO.glob("Pulumi.*.yaml"):
        stack = path.name.split(".")[1]
        assert affected.affected_stacks([path.name], ["dev", "prod", "local"]) == [stack]


# --- preview_comment -------------------------------------------------------------------

PREVIEW_OK = """Previewing update (dev)

\x1b[32m+ \x1b[0m kubernetes:apps/v1:Deployment hello create
Policies:
    \u2705 gantry-policies@v0.1.0 (local: policies)
Resources:
    + 1 to create
    42 unchanged
"""

PREVIEW_BLOCKED = """Previewing update (prod)
 +  kubernetes:apps/v1:Deployment hello create
Policies:
    \u274c gantry-policies@v0.1.0 (local: policies)
        - [mandatory]  k01-no-privileged  (kubernetes:apps/v1:Deployment: hello)
          Container 'app' is privileged: set securityContext.privileged to false.
        - [advisory]  k20-resource-limits  (kubernetes:apps/v1:Deployment: hello)
Resources:
    + 1 to create
"""


def _render(log: str, exit_code: int = 0, budget: int = comment.DEFAULT_BUDGET) -> str:
    result = comment.PreviewResult("dev", log, exit_code, "https://ci/run/1", "a" * 40)
    return str(comment.render(result, budget))


def test_comment_for_a_clean_preview() -> None:
    body = _render(PREVIEW_OK)
    assert body.splitlines()[0] == "<!-- gantry-preview:dev -->"
    assert "succeeded" in body and "`aaaaaaaaaaaa`" in body
    assert "\x1b" not in body, "ANSI colour codes must be stripped"
    assert "Resources:\n    + 1 to create\n    42 unchanged" in body
    assert "0 mandatory, 0 advisory" in body
    assert "cut to stay under" not in body


def test_comment_for_a_mandatory_violation_says_blocked() -> None:
    body = _render(PREVIEW_BLOCKED, exit_code=255)
    assert "blocked by 1 mandatory policy violation(s)" in body
    assert "1 mandatory, 1 advisory" in body
    assert "set securityContext.privileged to false" in body


def test_comment_for_a_failed_preview_without_violations() -> None:
    body = _render("error: could not read stack config\n", exit_code=255)
    assert "**failed** (exit code 255)" in body


def test_huge_preview_is_cut_in_the_middle_and_stays_under_the_limit() -> None:
    middle = "".join(
        f" ~  kubernetes:core/v1:ConfigMap cm-{i} update [diff: ~data]\n" for i in range(5000)
    )
    log = "FIRST CHANGE LINE\n" + middle + PREVIEW_BLOCKED
    assert len(log) > 3 * comment.GITHUB_COMMENT_LIMIT
    body = _render(log, exit_code=255)
    assert len(body) <= comment.DEFAULT_BUDGET < comment.GITHUB_COMMENT_LIMIT
    assert "FIRST CHANGE LINE" in body, "the start of the diff is kept"
    assert "k01-no-privileged" in body, "the policy report at the end is kept"
    assert "cut to stay under GitHub's 65536-character comment limit" in body
    assert "https://ci/run/1" in body
    assert body.rstrip().endswith("</details>"), "the details block is closed"


@pytest.mark.parametrize("budget", [2_000, 10_000, 65_000])
def test_any_budget_is_respected(budget: int) -> None:
    log = "x" * 50 + "\n" + ("line of diff\n" * 20_000)
    assert len(_render(log, budget=budget)) <= budget


def test_backticks_in_the_log_cannot_close_the_code_block() -> None:
    body = _render("value: ```` injected\n")
    assert "`````diff" in body


def test_truncate_middle_reports_what_it_cut() -> None:
    text = "".join(f"{i:04d}\n" for i in range(100))  # 500 characters
    out, cut = comment.truncate_middle(text, 200, "[{lines} lines, {chars} chars cut]")
    assert cut and len(out) <= 200
    kept = [line for line in out.splitlines() if not line.startswith("[")]
    note = next(line for line in out.splitlines() if line.startswith("["))
    assert f"[{100 - len(kept)} lines, {5 * (100 - len(kept))} chars cut]" == note
    assert kept[0] == "0000" and kept[-1] == "0099"
    same, not_cut = comment.truncate_middle("short\n", 200, "{lines}{chars}")
    assert (same, not_cut) == ("short\n", False)


def test_comment_cli(tmp_path: Path) -> None:
    log = tmp_path / "preview.log"
    log.write_text(PREVIEW_OK, encoding="utf-8")
    out = tmp_path / "comment.md"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "preview_comment.py"),
            "--stack",
            "prod",
            "--log",
            str(log),
            "--exit-code",
            "0",
            "--out",
            str(out),
        ],
        check=True,
    )
    assert out.read_text(encoding="utf-8").startswith("<!-- gantry-preview:prod -->\n")


# --- drift_report ----------------------------------------------------------------------

URN = "urn:pulumi:prod::gantry::gantry:cluster:Cluster$aws:eks/cluster:Cluster::aws-prod-eks"
DIGEST_DRIFT = {
    "steps": [
        {"op": "refresh", "urn": "urn:pulumi:prod::gantry::random:index/randomPet:RandomPet::p"},
        {"op": "update", "urn": URN, "detailedDiff": {"tags": {}}, "diffReasons": ["version"]},
        {"op": "delete", "urn": "urn:pulumi:prod::gantry::kubernetes:core/v1:Namespace::obs"},
        {"op": "same", "urn": "urn:pulumi:prod::gantry::pulumi:pulumi:Stack::gantry-prod"},
    ],
    "changeSummary": {"update": 1, "delete": 1, "same": 2},
}


def test_drift_lists_only_changed_resources() -> None:
    found = drift.drifted_resources(DIGEST_DRIFT)
    assert [(r.op, r.type, r.name, r.keys) for r in found] == [
        ("update", "aws:eks/cluster:Cluster", "aws-prod-eks", ("tags", "version")),
        ("delete", "kubernetes:core/v1:Namespace", "obs", ()),
    ]


def test_no_drift_when_everything_refreshes_clean() -> None:
    clean = {"steps": [s for s in DIGEST_DRIFT["steps"] if s["op"] in {"refresh", "same"}]}
    assert drift.drifted_resources(clean) == []


@pytest.mark.parametrize(
    ("stdout", "code"),
    [("{}", 0), ("not json", 0), ('{"steps": []}', 255), ("[]", 0)],
)
def test_a_failed_refresh_is_an_error_not_a_clean_result(stdout: str, code: int) -> None:
    with pytest.raises(drift.DigestError):
        drift.drifted_resources(drift.load_digest(stdout, code))


def test_drift_issue_body_is_bounded() -> None:
    many = [drift.DriftedResource("update", "t:m:T", f"r{i}", ("a" * 50,)) for i in range(5000)]
    body = drift.render_issue("prod", many, "https://ci/run/2")
    assert body.startswith("<!-- gantry-drift:prod -->\n")
    assert len(body) <= drift.ISSUE_BODY_LIMIT
    assert "more not shown" in body and "https://ci/run/2" in body


def _drift_cli(tmp_path: Path, stdout: str, code: int) -> subprocess.CompletedProcess[str]:
    (tmp_path / "refresh.json").write_text(stdout, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "drift_report.py"),
            "--stack",
            "prod",
            "--json",
            str(tmp_path / "refresh.json"),
            "--exit-code",
            str(code),
            "--out",
            str(tmp_path / "drift.md"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_drift_cli_outputs(tmp_path: Path) -> None:
    run = _drift_cli(tmp_path, json.dumps(DIGEST_DRIFT), 0)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "drifted=true",
        "count=2",
        "title=Drift detected in stack prod",
    ]
    assert "`aws-prod-eks`" in (tmp_path / "drift.md").read_text(encoding="utf-8")
    clean = _drift_cli(tmp_path, json.dumps({"steps": []}), 0)
    assert clean.stdout.splitlines()[:2] == ["drifted=false", "count=0"]
    failed = _drift_cli(tmp_path, "", 255)
    assert failed.returncode == 2 and "exited with 255" in failed.stderr


# --- github_sync.cjs (run by node against an in-memory fake) ----------------------------


def _node(call: str, args: dict[str, Any], state: dict[str, Any] | None = None) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed to test .github/scripts/github_sync.cjs"
    scenario = json.dumps({"call": call, "args": args, "state": state or {}})
    run = subprocess.run(
        [node, str(REPO / "tests" / "workflows_fake_github.cjs"), scenario],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    out: dict[str, Any] = json.loads(run.stdout)
    return out


MARK = "<!-- gantry-preview:dev -->"


def test_pr_comment_is_created_once_then_updated() -> None:
    args = {"issueNumber": 7, "marker": MARK, "body": f"{MARK}\nv1"}
    first = _node("upsertComment", args)
    assert first["result"]["action"] == "created"
    state = first["state"]
    state["comments"].append(
        {"id": 5, "issue_number": 7, "body": f"{MARK}\nby a human", "user": {"type": "User"}}
    )
    second = _node("upsertComment", {**args, "body": f"{MARK}\nv2"}, state)
    assert second["result"] == {"action": "updated", "id": first["result"]["id"]}
    bodies = {c["id"]: c["body"] for c in second["state"]["comments"]}
    assert bodies[first["result"]["id"]] == f"{MARK}\nv2"
    assert bodies[5] == f"{MARK}\nby a human", "a human's comment is never edited"


def test_pr_comment_for_another_stack_is_a_separate_comment() -> None:
    state = {
        "comments": [
            {
                "id": 1,
                "issue_number": 7,
                "body": "<!-- gantry-preview:prod -->\nx",
                "user": {"type": "Bot"},
            }
        ]
    }
    out = _node("upsertComment", {"issueNumber": 7, "marker": MARK, "body": MARK}, state)
    assert out["result"]["action"] == "created"


DRIFT_MARK = "<!-- gantry-drift:prod -->"


def test_drift_issue_lifecycle() -> None:
    base = {"marker": DRIFT_MARK, "title": "Drift detected in stack prod", "runUrl": "u"}
    opened = _node("syncDriftIssue", {**base, "body": f"{DRIFT_MARK}\n1", "drifted": True})
    assert opened["result"]["action"] == "opened"
    issue = opened["state"]["issues"][0]
    assert issue["labels"] == ["drift"] and issue["state"] == "open"

    updated = _node(
        "syncDriftIssue", {**base, "body": f"{DRIFT_MARK}\n2", "drifted": True}, opened["state"]
    )
    assert updated["result"] == {"action": "updated", "number": issue["number"]}
    assert len(updated["state"]["issues"]) == 1
    assert updated["state"]["issues"][0]["body"] == f"{DRIFT_MARK}\n2"

    closed = _node(
        "syncDriftIssue", {**base, "body": DRIFT_MARK, "drifted": False}, updated["state"]
    )
    assert closed["result"] == {"action": "closed", "number": issue["number"]}
    assert closed["state"]["issues"][0]["state"] == "closed"
    assert any(c["name"] == "createComment" for c in closed["calls"]), "says why it closes"

    idle = _node("syncDriftIssue", {**base, "body": DRIFT_MARK, "drifted": False}, closed["state"])
    assert idle["result"] == {"action": "none"}


def test_promotion_guard_needs_a_successful_dev_deployment() -> None:
    sha = "b" * 40
    state = {
        "deployments": [
            {"id": 1, "sha": sha, "environment": "dev"},
            {"id": 2, "sha": "c" * 40, "environment": "dev"},
        ],
        "statuses": {"1": [{"state": "failure"}], "2": [{"state": "success"}]},
    }
    args = {"sha": sha, "environment": "dev"}
    assert _node("hasSuccessfulDeployment", args, state)["result"] is False
    state["statuses"]["1"] = [{"state": "success"}, {"state": "in_progress"}]
    assert _node("hasSuccessfulDeployment", args, state)["result"] is True
    assert (
        _node("hasSuccessfulDeployment", {**args, "environment": "prod"}, state)["result"] is False
    )


# --- image_refs ------------------------------------------------------------------------

image_refs = _load("image_refs")
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello"
GAR = "europe-west1-docker.pkg.dev/gantry-prod/gantry/hello"
ACR = "gantryprod.azurecr.io/hello"


def _outputs(**images: str) -> dict[str, Any]:
    """Stack outputs as `pulumi stack output --json` prints them (secrets masked)."""
    outputs: dict[str, Any] = {
        "image_revision": "0a" * 20,
        "source_revision": "c0ffee" * 6 + "abcd",
    }
    for target, image in images.items():
        outputs[target] = {"cluster": f"{target}-cluster", "image": image, "namespace": "hello"}
        outputs[f"{target}-kubeconfig"] = "[secret]"
    return outputs


def test_image_refs_gives_every_targets_digest_without_the_tag() -> None:
    outputs = _outputs(
        aws=f"{ECR}:1.4.0-c0ffeec0ffee@{DIGEST_A}",
        gcp=f"{GAR}:1.4.0-c0ffeec0ffee@{DIGEST_A}",
        azure=f"{ACR}:1.4.0-c0ffeec0ffee@{DIGEST_A}",
    )
    assert image_refs.image_refs(outputs) == sorted(
        [f"{ECR}@{DIGEST_A}", f"{GAR}@{DIGEST_A}", f"{ACR}@{DIGEST_A}"]
    )


def test_image_refs_keeps_a_registry_port_and_deduplicates() -> None:
    ref = f"127.0.0.1:5000/hello:0.1.0-abc@{DIGEST_B}"
    assert image_refs.image_refs(_outputs(local=ref, other=ref)) == [
        f"127.0.0.1:5000/hello@{DIGEST_B}"
    ]


@pytest.mark.parametrize(
    "image",
    [f"{ECR}:1.4.0", f"{ECR}@sha256:abc", "[secret]", f"{ECR}:latest@md5:{'a' * 32}"],
)
def test_image_refs_refuses_anything_not_pinned_by_digest(image: str) -> None:
    with pytest.raises(image_refs.RefError):
        image_refs.image_refs(_outputs(aws=image))


def test_image_refs_refuses_a_non_string_image_and_outputs_without_images() -> None:
    with pytest.raises(image_refs.RefError, match="not a reference"):
        image_refs.image_refs({"aws": {"image": None}})
    with pytest.raises(image_refs.RefError, match="no target"):
        image_refs.image_refs({"image_revision": "x", "aws-kubeconfig": "[secret]"})


def test_image_refs_checks_the_commit_the_stack_was_deployed_from() -> None:
    """Not the image's revision: an image unchanged since an older commit is still current."""
    outputs = _outputs(aws=f"{ECR}:1.4.0-c0ffeec0ffee@{DIGEST_A}")
    revision = outputs["source_revision"]
    assert image_refs.image_refs(outputs, revision) == [f"{ECR}@{DIGEST_A}"]
    with pytest.raises(image_refs.RefError, match="deploy that commit"):
        image_refs.image_refs(outputs, "f" * 40)
    with pytest.raises(image_refs.RefError, match="deploy that commit"):
        image_refs.image_refs(outputs, outputs["image_revision"])


def test_index_manifests_lists_platform_images_and_skips_attestations() -> None:
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"digest": DIGEST_A, "platform": {"os": "linux", "architecture": "amd64"}},
            {
                "digest": DIGEST_B,
                "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
            },
            {
                "digest": "sha256:" + "c" * 64,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
            },
        ],
    }
    assert image_refs.index_manifests(index) == [
        ("linux/amd64", DIGEST_A),
        ("linux/arm64/v8", DIGEST_B),
    ]


@pytest.mark.parametrize(
    "index",
    [
        {"schemaVersion": 2, "config": {}, "layers": []},  # a single-platform manifest
        {
            "manifests": [
                {"digest": "sha256:short", "platform": {"os": "linux", "architecture": "amd64"}}
            ]
        },
        {
            "manifests": [
                {"digest": DIGEST_A, "platform": {"os": "unknown", "architecture": "unknown"}}
            ]
        },
    ],
)
def test_index_manifests_rejects_what_cannot_be_scanned_per_platform(index: dict[str, Any]) -> None:
    with pytest.raises(image_refs.RefError):
        image_refs.index_manifests(index)


def test_registries_tells_how_to_log_in() -> None:
    refs = [
        f"{ECR}@{DIGEST_A}",
        f"{GAR}@{DIGEST_A}",
        f"{ACR}@{DIGEST_A}",
        f"ghcr.io/o/hello@{DIGEST_A}",
    ]
    assert image_refs.registries(refs) == [
        ("ecr", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
        ("gar", "europe-west1-docker.pkg.dev"),
        ("acr", "gantryprod.azurecr.io"),
        ("other", "ghcr.io"),
    ]


def test_image_refs_cli_fails_loudly_on_a_revision_mismatch() -> None:
    script = str(SCRIPTS / "image_refs.py")
    outputs = json.dumps(_outputs(aws=f"{ECR}:1.4.0-c0ffeec0ffee@{DIGEST_A}"))
    ok = subprocess.run(
        [sys.executable, script, "refs"], input=outputs, capture_output=True, text=True, check=True
    )
    assert ok.stdout.splitlines() == [f"{ECR}@{DIGEST_A}"]
    bad = subprocess.run(
        [sys.executable, script, "refs", "--revision", "f" * 40],
        input=outputs,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and bad.stdout == ""
    assert "deploy that commit" in bad.stderr


def test_supply_chain_shell_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is missing: make test installs it"
    scripts = [str(SCRIPTS / n) for n in ("registry_login.sh", "cve_gate.sh", "sign_images.sh")]
    result = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
