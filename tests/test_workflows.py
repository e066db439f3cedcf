"""The delivery workflows: lint-clean, pinned, least-privilege, policy-enforced, serialised.

Each check names the workflow and job it blames. The workflows are read as data;
actionlint (built from its Go module by scripts/install-actionlint.sh) checks what
GitHub itself would reject, plus shellcheck on the run scripts when it is installed.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.workflows_support import (
    OIDC_ACTIONS,
    REPO,
    SCRIPTS,
    SHA_PIN,
    VERSION_COMMENT,
    WORKFLOWS,
    action_files,
    action_name,
    actionlint_path,
    expanded_steps,
    job_ops,
    load_yaml,
    local_action,
    mutates,
    pinned_actionlint_version,
    triggers,
    uses_oidc,
    workflow_files,
)

EXPECTED_WORKFLOWS = {"pr.yml", "main.yml", "promote.yml", "drift.yml"}
ALL_YAML = workflow_files() + action_files()


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    jobs = load_yaml(path).get("jobs")
    assert isinstance(jobs, dict) and jobs, f"{path.name}: no jobs"
    return jobs


def _all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(p.name, name, job) for p in workflow_files() for name, job in _jobs(p).items()]


def _job_params() -> list[Any]:
    return [pytest.param(w, n, j, id=f"{w}:{n}") for w, n, j in _all_jobs()]


def _id(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_the_four_delivery_workflows_exist() -> None:
    assert {p.name for p in workflow_files()} >= EXPECTED_WORKFLOWS


# --- actionlint -------------------------------------------------------------------------


def _actionlint() -> Path:
    binary = actionlint_path()
    assert binary.is_file(), (
        f"actionlint is missing at {binary}: run scripts/install-actionlint.sh "
        "(make test-workflows does)"
    )
    return binary


def test_actionlint_is_the_pinned_version() -> None:
    out = subprocess.run(
        [str(_actionlint()), "-version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines()[0].strip() == pinned_actionlint_version()


def test_actionlint_passes_on_every_workflow() -> None:
    files = [str(p) for p in workflow_files()]
    result = subprocess.run(
        [str(_actionlint()), "-no-color", *files],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, f"actionlint found problems:\n{result.stdout}{result.stderr}"


def test_actionlint_really_lints(tmp_path: Path) -> None:
    """A control: the same binary rejects a workflow with known mistakes."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions:\n"
        "      id-tokens: write\n    steps:\n      - run: echo ${{ github.nope }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(_actionlint()), "-no-color", str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "id-tokens" in result.stdout
    assert "nope" in result.stdout


# --- pinning ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_YAML, ids=_id)
def test_every_remote_action_is_pinned_by_commit_sha(path: Path) -> None:
    found = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$", line)
        if not match:
            continue
        ref = match.group("ref").strip("'\"")
        if ref.startswith("./"):
            assert local_action(ref) is not None, f"{_id(path)}:{number}: {ref} not found"
            continue
        found += 1
        assert SHA_PIN.match(ref), f"{_id(path)}:{number}: {ref} is not pinned by a 40-hex SHA"
        assert VERSION_COMMENT.search(match.group("rest")), (
            f"{_id(path)}:{number}: {ref} needs a '# vX.Y.Z' comment naming the release"
        )
    if path.name in EXPECTED_WORKFLOWS or path.parent.name == "setup-gantry":
        assert found, f"{_id(path)}: no remote action found: the pin check saw nothing"


def test_the_same_action_is_pinned_to_one_sha_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in ALL_YAML:
        for ref in re.findall(r"uses:\s*([\w.-]+/[\w./-]+@[0-9a-f]{40})", path.read_text()):
            name, sha = ref.split("@")
            pins.setdefault(action_name(name), set()).add(sha)
    mixed = {name: shas for name, shas in pins.items() if len(shas) > 1}
    assert not mixed, f"actions pinned to more than one commit: {mixed}"
    assert "pulumi/actions" in pins


# --- permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("path", workflow_files(), ids=_id)
def test_top_level_permissions_are_contents_read(path: Path) -> None:
    assert load_yaml(path).get("permissions") == {"contents": "read"}, (
        f"{path.name}: top-level permissions must be exactly 'contents: read'"
    )


def test_no_blanket_permissions_anywhere() -> None:
    for path in workflow_files():
        text = path.read_text(encoding="utf-8")
        assert "write-all" not in text and "read-all" not in text, path.name


def _writes(job: dict[str, Any]) -> set[str]:
    perms = job.get("permissions") or {}
    assert isinstance(perms, dict), f"job permissions must be a mapping, got {perms!r}"
    return {scope for scope, level in perms.items() if level == "write"}


def _posts_pr_comment(job: dict[str, Any]) -> bool:
    for step in expanded_steps(job.get("steps", [])):
        with_ = step.get("with") or {}
        if "upsertComment" in str(with_.get("script", "")):
            return True
        if (
            action_name(str(step.get("uses", ""))) == "pulumi/actions"
            and str(with_.get("comment-on-pr", "false")).lower() == "true"
        ):
            return True
    return False


def _manages_issues(job: dict[str, Any]) -> bool:
    return any(
        "syncDriftIssue" in str((step.get("with") or {}).get("script", ""))
        for step in expanded_steps(job.get("steps", []))
    )


@pytest.mark.parametrize(("workflow", "name", "job"), _job_params())
def test_job_permissions_are_only_what_the_job_uses(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    where = f"{workflow} job '{name}'"
    writes = _writes(job)
    assert ("id-token" in writes) == uses_oidc(job), (
        f"{where}: id-token: write must be granted exactly when the job logs in with OIDC"
    )
    assert ("pull-requests" in writes) == _posts_pr_comment(job), (
        f"{where}: pull-requests: write only where a PR comment is posted"
    )
    assert ("issues" in writes) == _manages_issues(job), (
        f"{where}: issues: write only where the drift issue is managed"
    )
    if "issues" in writes:
        assert workflow == "drift.yml", f"{where}: issues: write belongs to drift.yml only"
    extra = writes - {"id-token", "pull-requests", "issues"}
    assert not extra, f"{where}: unexpected write scopes {sorted(extra)}"
    perms = job.get("permissions")
    if perms is not None:
        assert perms.get("contents") == "read", f"{where}: job permissions must keep contents: read"


def test_oidc_is_actually_used_somewhere() -> None:
    """Guards the check above: it must see OIDC logins, through the local action too."""
    oidc_jobs = [(w, n) for w, n, job in _all_jobs() if uses_oidc(job)]
    assert ("pr.yml", "preview") in oidc_jobs
    assert ("main.yml", "up-dev") in oidc_jobs
    assert ("promote.yml", "up-prod") in oidc_jobs
    assert ("drift.yml", "drift") in oidc_jobs


# --- no long-lived keys ----------------------------------------------------------------

KEY_INPUTS = {"aws-access-key-id", "aws-secret-access-key", "credentials_json", "creds"}
ALLOWED_SECRETS = {"PULUMI_ACCESS_TOKEN", "GITHUB_TOKEN"}


@pytest.mark.parametrize("path", ALL_YAML, ids=_id)
def test_cloud_access_is_oidc_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    secrets = set(re.findall(r"secrets\.([A-Za-z0-9_]+)", text))
    assert secrets <= ALLOWED_SECRETS, f"{_id(path)}: secrets other than tokens: {secrets}"
    data = load_yaml(path)
    steps: list[dict[str, Any]] = []
    for job in (data.get("jobs") or {}).values():
        steps += list(job.get("steps", []))
    steps += list((data.get("runs") or {}).get("steps", []))
    for step in steps:
        if action_name(str(step.get("uses", ""))) in OIDC_ACTIONS:
            used = set(step.get("with") or {}) & KEY_INPUTS
            assert not used, f"{_id(path)}: {step.get('uses')} gets key inputs {used}"


# --- policy pack -----------------------------------------------------------------------


def _stack_token(value: str) -> str:
    """Normalise how a step names its stack: '$STACK', '${{ matrix.stack }}' or 'dev'."""
    return value.replace('"', "").strip()


_PACK_CONFIG_OF = re.compile(r"python -m gantry_policies\.config --path \"?([^\s\")]+)")
_SHELL_ASSIGNMENT = re.compile(r"^\s*(\w+)=\"\$\((.*)\)\"\s*$", re.M)


def _pack_config_sources(job: dict[str, Any]) -> dict[str, str]:
    """Where a job keeps the pack config a stack names -> that stack.

    A step output (``${{ steps.<id>.outputs.path }}``) or a shell variable
    (``$name``) filled by ``python -m gantry_policies.config --path <stack>``,
    which reads ``gantry:policy.pack_config`` from ``Pulumi.<stack>.yaml``.
    """
    sources: dict[str, str] = {}
    for step in expanded_steps(job.get("steps", [])):
        run = str(step.get("run", ""))
        for variable, command in _SHELL_ASSIGNMENT.findall(run):
            found = _PACK_CONFIG_OF.search(command)
            if found:
                sources[f"${variable}"] = _stack_token(found.group(1))
        found = _PACK_CONFIG_OF.search(run)
        if found and step.get("id") and "path=" in run and "GITHUB_OUTPUT" in run:
            sources[f"${{{{ steps.{step['id']}.outputs.path }}}}"] = _stack_token(found.group(1))
    return sources


def test_pack_config_sources_are_recognised() -> None:
    job = {
        "steps": [
            {
                "id": "pc",
                "run": 'echo "path=$(cd policies && python -m gantry_policies.config --path prod)"'
                ' >> "$GITHUB_OUTPUT"',
            },
            {"run": 'cfg="$(cd policies && python -m gantry_policies.config --path "$STACK")"\n'},
        ]
    }
    assert _pack_config_sources(job) == {"${{ steps.pc.outputs.path }}": "prod", "$cfg": "$STACK"}


@pytest.mark.parametrize(("workflow", "name", "job"), _job_params())
def test_every_preview_and_up_enforces_the_policy_pack_with_its_stack_config(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    where = f"{workflow} job '{name}'"
    for op in job_ops(job):
        if op.command not in {"preview", "up", "update"}:
            continue
        if op.source == "make":
            makefile = (REPO / "Makefile").read_text(encoding="utf-8")
            recipe = re.search(rf"^{op.command}:.*?(?=^\S|\Z)", makefile, re.S | re.M)
            assert recipe and "--policy-pack policies" in recipe.group(0), (
                f"{where}: make {op.command} must pass --policy-pack policies"
            )
            continue
        assert op.stack, f"{where}: pulumi {op.command} without an explicit stack"
        assert op.policy_packs == ("policies",), (
            f"{where}: pulumi {op.command} must run the 'policies' pack, got {op.policy_packs}"
        )
        stack = _stack_token(op.stack)
        sources = _pack_config_sources(job)
        assert [sources.get(c.strip(), c) for c in op.policy_pack_configs] == [stack], (
            f"{where}: pulumi {op.command} must use the pack config its stack names"
            " (python -m gantry_policies.config --path <stack>)"
        )


def test_the_policy_check_sees_every_preview_and_up() -> None:
    """Guards the check above against a detector that finds nothing."""
    seen = {
        (workflow, name, op.command, _stack_token(op.stack))
        for workflow, name, job in _all_jobs()
        for op in job_ops(job)
    }
    assert ("pr.yml", "preview", "preview", "$STACK") in seen
    assert ("main.yml", "up-dev", "up", "dev") in seen
    assert ("main.yml", "preview-prod", "preview", "prod") in seen
    assert ("promote.yml", "preview-prod", "preview", "prod") in seen
    assert ("promote.yml", "up-prod", "up", "prod") in seen
    assert ("drift.yml", "drift", "refresh", "$STACK") in seen


# --- concurrency -----------------------------------------------------------------------


@pytest.mark.parametrize(("workflow", "name", "job"), _job_params())
def test_every_job_that_mutates_a_stack_holds_that_stacks_lock(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    where = f"{workflow} job '{name}'"
    for op in job_ops(job):
        if not mutates(op):
            continue
        concurrency = job.get("concurrency")
        assert isinstance(concurrency, dict), f"{where}: mutates {op.stack} without concurrency"
        assert concurrency.get("group") == f"gantry-stack-{op.stack}", (
            f"{where}: group must be gantry-stack-{op.stack} (shared by every writer)"
        )
        assert concurrency.get("cancel-in-progress") is False, (
            f"{where}: an update must never be cancelled midway"
        )
        environment = job.get("environment") or {}
        env_name = environment.get("name") if isinstance(environment, dict) else environment
        expected = "production" if op.stack == "prod" else op.stack
        assert env_name == expected, f"{where}: {op.command} {op.stack} runs in '{expected}'"


def test_drift_check_never_mutates() -> None:
    ops = [
        op for _, _, job in [j for j in _all_jobs() if j[0] == "drift.yml"] for op in job_ops(job)
    ]
    assert ops, "drift.yml runs no Pulumi command"
    assert all(op.command == "refresh" and "--preview-only" in op.flags for op in ops)
    assert not any(mutates(op) for op in ops)


# --- the flow --------------------------------------------------------------------------


def test_triggers() -> None:
    on = {p.name: triggers(load_yaml(p)) for p in workflow_files()}
    assert "pull_request" in on["pr.yml"]
    assert on["main.yml"]["push"]["branches"] == ["main"]
    assert on["promote.yml"]["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in on["promote.yml"]
    assert on["drift.yml"]["schedule"], "drift.yml needs a nightly schedule"


def test_pr_runs_tests_before_previewing_only_affected_stacks() -> None:
    jobs = _jobs(WORKFLOWS / "pr.yml")
    assert any("make test" in str(s.get("run", "")) for s in jobs["test"]["steps"])
    preview = jobs["preview"]
    assert set(preview["needs"]) == {"test", "changes"}
    assert "needs.changes.outputs.include" in str(preview["strategy"]["matrix"]["include"])
    affected = str(jobs["changes"]["steps"])
    assert "affected_stacks.py" in affected
    assert "fetch-depth" in affected, "the diff against the base needs history"
    fail = [s for s in preview["steps"] if "exit 1" in str(s.get("run", ""))]
    assert fail and fail[-1]["if"] == "steps.preview.outputs.exit-code != '0'", (
        "pr.yml preview: the job must fail when the preview (policy) fails"
    )


def test_main_deploys_dev_then_previews_prod() -> None:
    jobs = _jobs(WORKFLOWS / "main.yml")
    assert jobs["up-dev"]["needs"] == "test"
    assert jobs["preview-prod"]["needs"] == "up-dev"


def test_promotion_deploys_the_commit_that_passed_dev_behind_review() -> None:
    jobs = _jobs(WORKFLOWS / "promote.yml")
    guard = str(jobs["passed-dev"]["steps"])
    assert "hasSuccessfulDeployment" in guard and "environment: 'dev'" in guard
    assert jobs["passed-dev"]["permissions"].get("deployments") == "read"
    up = jobs["up-prod"]
    assert set(up["needs"]) == {"passed-dev", "preview-prod", "cve-gate"}
    assert up["environment"]["name"] == "production"
    checkout = up["steps"][0]
    assert checkout["with"]["ref"] == "${{ needs.passed-dev.outputs.sha }}", (
        "promote.yml up-prod must check out exactly the verified commit"
    )


def test_pr_result_gates_on_every_other_pr_job() -> None:
    """Branch protection requires this one check; it must see every other job."""
    jobs = _jobs(WORKFLOWS / "pr.yml")
    result = jobs["result"]
    assert set(result["needs"]) == set(jobs) - {"result"}
    assert result["if"] == "always()", "pr.yml result must run even when a needed job failed"
    script = str(result["steps"][-1]["run"])
    assert "success|skipped" in script and "exit 1" in script


def test_the_pulumi_cli_is_pinned_once_and_matches_the_sdk() -> None:
    """The CLI version lives in setup-gantry only; the pulumi/actions steps reuse it."""
    setup = load_yaml(REPO / ".github" / "actions" / "setup-gantry" / "action.yml")
    cli = setup["inputs"]["pulumi-version"]["default"]
    sdk = re.search(r"^pulumi==(\S+)$", (REPO / "requirements.txt").read_text(), re.M)
    assert sdk and cli == sdk.group(1), "setup-gantry's Pulumi CLI must equal the pulumi pin"
    for path in workflow_files():
        assert "pulumi-version" not in path.read_text(encoding="utf-8"), (
            f"{path.name}: pin the Pulumi CLI in .github/actions/setup-gantry only"
        )
    for workflow, name, job in _all_jobs():
        if job_ops(job):
            first = [str(s.get("uses", "")) for s in job["steps"]][:2]
            assert "./.github/actions/setup-gantry" in first, (
                f"{workflow} job '{name}' runs Pulumi without setup-gantry first"
            )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_ci_stack_has_its_stack_file_and_policy_config(stack: str) -> None:
    """The workflows pass policies/config/<stack>.json: it must exist and be a JSON object."""
    assert (REPO / f"Pulumi.{stack}.yaml").is_file(), f"Pulumi.{stack}.yaml is missing"
    config = REPO / "policies" / "config" / f"{stack}.json"
    assert config.is_file(), (
        f"{config.relative_to(REPO)} is missing: previews of {stack} would fail"
    )
    assert isinstance(json.loads(config.read_text(encoding="utf-8")), dict)


# --- supply chain: CVE gate (S04), SBOM attestation and keyless signing ------------------

TRIVY_GATE = "trivy image"
SIGN_JOBS = {("main.yml", "sign-dev"): "up-dev", ("promote.yml", "sign-prod"): "up-prod"}


def _step_index(job: dict[str, Any], needle: str) -> int:
    """Index of the first step whose run script or action mentions needle; -1 when none."""
    for index, step in enumerate(job.get("steps", [])):
        if needle in str(step.get("run", "")) or needle in str(step.get("uses", "")):
            return index
    return -1


def _pulumi_step(job: dict[str, Any], command: str) -> int:
    for index, step in enumerate(job.get("steps", [])):
        if any(op.command == command for op in job_ops({"steps": [step]})):
            return index
    return -1


def test_the_cve_gate_script_uses_the_s04_threshold() -> None:
    script = (SCRIPTS / "cve_gate.sh").read_text(encoding="utf-8")
    trivy = re.search(r"trivy image[^\n]*\\\n[^\n]*", script)
    assert trivy, "cve_gate.sh must run trivy image"
    command = trivy.group(0)
    for flag in ("--exit-code 1", "--severity CRITICAL,HIGH", "--ignore-unfixed"):
        assert flag in command, f"cve_gate.sh: trivy needs {flag}"
    assert "status=1" in script and 'exit "$status"' in script, "a finding must fail the step"
    assert "manifests" in script, "every platform image of the index is scanned"


def test_promote_runs_the_cve_gate_before_up_prod() -> None:
    jobs = _jobs(WORKFLOWS / "promote.yml")
    gate = jobs["cve-gate"]
    assert gate["needs"] == "passed-dev"
    assert "cve-gate" in jobs["up-prod"]["needs"], "up-prod must wait for the CVE gate"
    assert gate["steps"][0]["with"]["ref"] == "${{ needs.passed-dev.outputs.sha }}"
    images = next(s for s in gate["steps"] if s.get("id") == "images")
    assert "--stack dev" in images["run"] and "--revision" in images["run"], (
        "the gate scans the digest this very commit deployed to dev"
    )
    assert images["env"]["REVISION"] == "${{ needs.passed-dev.outputs.sha }}"
    order = [_step_index(gate, n) for n in ("image_refs.py", "registry_login.sh", "cve_gate.sh")]
    assert -1 not in order and order == sorted(order), f"cve-gate step order: {order}"
    assert not job_ops(gate), "the gate reads outputs only; it never previews or updates"


@pytest.mark.parametrize(
    ("workflow", "job_name", "stack"),
    [
        ("main.yml", "up-dev", "dev"),
        ("promote.yml", "up-prod", "prod"),
    ],
)
def test_every_up_scans_what_it_deployed_and_fails_its_deployment(
    workflow: str, job_name: str, stack: str
) -> None:
    """After `up`, the job reads the stack's image digests and gates on them.

    The job runs in its environment, so a finding marks that deployment failed:
    for dev, promote.yml's passed-dev guard then refuses the commit.
    """
    job = _jobs(WORKFLOWS / workflow)[job_name]
    up = _pulumi_step(job, "up")
    refs = _step_index(job, "image_refs.py")
    gate = _step_index(job, "cve_gate.sh")
    assert -1 < up < refs < gate, f"{workflow} {job_name}: up, then outputs, then the gate"
    images = job["steps"][refs]
    assert images["id"] == "images"
    assert f"pulumi stack output --json --stack {stack}" in images["run"]
    assert job["outputs"]["images"] == "${{ steps.images.outputs.refs }}"
    assert all(not str(s.get("if", "")) for s in job["steps"][refs : gate + 1]), (
        "the gate is mandatory: no condition may skip it"
    )


@pytest.mark.parametrize(("workflow", "job_name"), list(SIGN_JOBS))
def test_signing_job_is_optional_keyless_and_signs_the_deployed_digests(
    workflow: str, job_name: str
) -> None:
    jobs = _jobs(WORKFLOWS / workflow)
    job = jobs[job_name]
    deploy = SIGN_JOBS[(workflow, job_name)]
    assert job["if"] == "vars.GANTRY_SIGN_IMAGES == 'true'", f"{job_name}: gated by the variable"
    assert deploy in ([job["needs"]] if isinstance(job["needs"], str) else job["needs"])
    assert job["env"]["IMAGES"] == f"${{{{ needs.{deploy}.outputs.images }}}}", (
        f"{job_name}: signs exactly the digests {deploy} read from the stack outputs"
    )
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert "environment" not in job, "signing needs no deploy approval; signer identities only"
    identities = [k for k in job["env"] if k.startswith("GANTRY_") and "SUBSCRIPTION" not in k]
    assert len(identities) == 3
    assert all("_SIGN_" in str(job["env"][k]) for k in identities), (
        f"{job_name}: log in with the signer identities, not the deploy ones"
    )
    uses = [action_name(str(s.get("uses", ""))) for s in job["steps"]]
    assert "sigstore/cosign-installer" in uses and "anchore/sbom-action" in uses
    sign = _step_index(job, "sign_images.sh")
    assert sign > max(uses.index("sigstore/cosign-installer"), uses.index("anchore/sbom-action"))
    assert _step_index(job, "registry_login.sh") < sign
    assert not job_ops(job), "signing never runs Pulumi"


def test_sign_script_attests_an_spdx_sbom_per_platform_and_signs_keylessly() -> None:
    script = (SCRIPTS / "sign_images.sh").read_text(encoding="utf-8")
    assert re.search(r'"\$syft" scan "registry:\$image" --output "spdx-json=', script)
    assert 'cosign attest --yes --type spdxjson --predicate "$sbom" "$image"' in script
    assert 'cosign sign --yes --recursive "$ref"' in script
    assert "--key" not in script, "keyless: no signing key anywhere"


def test_id_token_is_granted_only_to_oidc_jobs_and_signing_is_among_them() -> None:
    granted = {(w, n) for w, n, job in _all_jobs() if "id-token" in _writes(job)}
    assert set(SIGN_JOBS) <= granted
    assert ("promote.yml", "cve-gate") in granted
    assert ("promote.yml", "passed-dev") not in granted
    assert ("main.yml", "test") not in granted
    assert all(uses_oidc(job) for w, n, job in _all_jobs() if (w, n) in granted)


def test_supply_chain_actions_are_pinned_to_their_verified_release_commits() -> None:
    """SHAs read from each action repository's own release tag (see docs/go-image.md)."""
    expected = {
        "sigstore/cosign-installer": "6f9f17788090df1f26f669e9d70d6ae9567deba6",
        "anchore/sbom-action": "e22c389904149dbc22b58101806040fa8d37a610",
        "aquasecurity/setup-trivy": "3fb12ec12f41e471780db15c232d5dd185dcb514",
    }
    seen: dict[str, set[str]] = {}
    for path in workflow_files():
        for ref in re.findall(r"uses:\s*([\w.-]+/[\w./-]+@[0-9a-f]{40})", path.read_text()):
            name, sha = ref.split("@")
            if action_name(name) in expected:
                seen.setdefault(action_name(name), set()).add(sha)
    assert seen == {name: {sha} for name, sha in expected.items()}
