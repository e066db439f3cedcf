"""`make check`, `make rules` and `make render` on the config mistakes a newcomer makes.

Each runs for real on a copy of the repository whose stack file holds the
mistake: one message, the file and line, the key, the value given, what is
allowed, "did you mean" where a close name exists, exit 1 and no traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.make_runner import run_make

REPO = Path(__file__).resolve().parent.parent
COPIED = ("components", "gantry", "localcluster", "package", "policies", "scripts", "docs")


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """The parts of the repository `make check` reads, with the real .venv."""
    root = tmp_path / "repo"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    for path in [REPO / "Makefile", *REPO.glob("Pulumi.*yaml"), *REPO.glob("requirements*.txt")]:
        shutil.copy2(path, root / path.name)
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


def _edit(root: Path, stack: str, old: str, new: str) -> None:
    path = root / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _line_of(root: Path, stack: str, text: str) -> int:
    lines = (root / f"Pulumi.{stack}.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def _check(root: Path, stack: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/check_stack.py", "--stack", stack],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return [line[4:] for line in result.stderr.splitlines() if line.startswith("  - ")]


@pytest.mark.parametrize("stack", ["local", "dev", "prod"])
def test_committed_stacks_pass(stack: str) -> None:
    result = _check(REPO, stack)
    assert result.returncode == 0, result.stderr
    assert f"stack '{stack}'" in result.stdout


def test_aws_region_typo(sandbox: Path) -> None:
    _edit(sandbox, "dev", "region: eu-west-1", "region: eu-wset-1")
    line = _line_of(sandbox, "dev", "eu-wset-1")
    assert _problems(_check(sandbox, "dev")) == [
        f'Pulumi.dev.yaml:{line}: gantry:targets[0].region: given "eu-wset-1"; '
        "not an AWS region (pulumi_aws.Region of pulumi-aws 7.51.1 lists 46); "
        'did you mean "eu-west-1"?'
    ]


def test_azure_location_typo(sandbox: Path) -> None:
    _edit(sandbox, "prod", "location: westeurope", "location: westeruope")
    (problem,) = _problems(_check(sandbox, "prod"))
    line = _line_of(sandbox, "prod", "westeruope")
    assert problem.startswith(f"Pulumi.prod.yaml:{line}: gantry:targets[2].location: given ")
    assert problem.endswith('did you mean "westeurope"?')


def test_prod_with_two_replicas(sandbox: Path) -> None:
    _edit(
        sandbox,
        "prod",
        "  gantry:service:\n",
        "  gantry:service:\n    replicas: {min: 1, max: 2}\n",
    )
    line = _line_of(sandbox, "prod", "replicas: {min: 1")
    assert _problems(_check(sandbox, "prod")) == [
        f"Pulumi.prod.yaml:{line}: gantry:service.replicas.min: given 1; at least 3 in the "
        "prod profile (prod runs at least three replicas spread across zones)"
    ]


def test_typo_key_gets_did_you_mean(sandbox: Path) -> None:
    _edit(sandbox, "dev", "    log_level: debug", "    log_levle: debug")
    line = _line_of(sandbox, "dev", "log_levle")
    (problem,) = _problems(_check(sandbox, "dev"))
    assert problem.startswith(f"Pulumi.dev.yaml:{line}: gantry:service.log_levle: unknown key")
    assert problem.endswith('did you mean "log_level"?')


def test_every_mistake_in_one_message(sandbox: Path) -> None:
    _edit(sandbox, "prod", "region: us-east-1", "region: us-eats-1")
    _edit(sandbox, "prod", "location: westeurope", "location: westeruope")
    _edit(
        sandbox,
        "prod",
        "  gantry:service:\n",
        "  gantry:service:\n    replicas: {min: 1, max: 2}\n",
    )
    _edit(sandbox, "prod", "release_channel: STABLE", "release_chanel: STABLE")
    result = _check(sandbox, "prod")
    problems = _problems(result)
    assert result.stderr.startswith("make check: stack 'prod' has 4 problems:")
    assert [p.split(": ")[1] for p in problems] == [
        "gantry:targets[0].region",
        "gantry:targets[1].release_chanel",
        "gantry:targets[2].location",
        "gantry:service.replicas.min",
    ]


def test_yaml_syntax_error_names_the_file_and_line(sandbox: Path) -> None:
    _edit(sandbox, "dev", "      cloud: aws\n", "     cloud: aws\n")
    result = _check(sandbox, "dev")
    (problem,) = _problems(result)
    line = _line_of(sandbox, "dev", "cloud: aws")
    assert problem.startswith(f"Pulumi.dev.yaml:{line}:")
    assert "YAML syntax error" in problem
    assert "<unicode string>" not in result.stderr
    assert len(result.stderr.splitlines()) == 2


def test_duplicate_key_is_refused(sandbox: Path) -> None:
    _edit(
        sandbox, "dev", "  gantry:profile: dev\n", "  gantry:profile: dev\n  gantry:profile: prod\n"
    )
    (problem,) = _problems(_check(sandbox, "dev"))
    assert problem == "Pulumi.dev.yaml:6: gantry:profile: written twice; YAML would keep the last"


def test_plain_secret_is_refused_without_echoing_it(sandbox: Path) -> None:
    _edit(
        sandbox,
        "dev",
        "  gantry:profile: dev\n",
        "  gantry:profile: dev\n  gantry:devSlackWebhookUrl: https://hooks.example/T0/B0/not-a-real-token\n",
    )
    result = _check(sandbox, "dev")
    (problem,) = _problems(result)
    assert "gantry:devSlackWebhookUrl: holds a plain value" in problem
    assert "not-a-real-token" not in result.stderr + result.stdout


def test_stale_generated_file_names_make_docs(sandbox: Path) -> None:
    doc = sandbox / "docs" / "config-reference.md"
    doc.write_text(doc.read_text() + "\nhand edit\n")
    assert _problems(_check(sandbox, "dev")) == [
        "docs/config-reference.md: stale, generated from its sources; run `make docs`"
    ]


def test_a_missing_pack_config_names_make_docs(sandbox: Path) -> None:
    (sandbox / "policies" / "config" / "dev.json").unlink()
    problems = _problems(_check(sandbox, "dev"))
    assert problems == [
        "policies/config/dev.json: missing; gantry:policy.pack_config names it; run `make docs`",
        "policies/config/dev.json: stale, generated from its sources; run `make docs`",
    ]


@pytest.mark.parametrize("target", ["check", "rules", "render"])
def test_every_target_reading_a_stack_fails_the_same_way(sandbox: Path, target: str) -> None:
    _edit(sandbox, "dev", "region: eu-west-1", "region: eu-wset-1")
    result = run_make(sandbox, "-s", target, "STACK=dev", f"OUT={sandbox / 'out'}", timeout=300)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert 'gantry:targets[0].region: given "eu-wset-1"' in result.stderr
    assert 'did you mean "eu-west-1"?' in result.stderr
    assert not (sandbox / "out").exists() or not any((sandbox / "out").rglob("*.yaml"))


def test_the_readme_example_is_what_make_check_prints(sandbox: Path) -> None:
    _edit(sandbox, "dev", "region: eu-west-1", "region: eu-wset-1")
    _edit(sandbox, "dev", "      kubernetes_version:", "      kubernetes_verison:")
    _edit(sandbox, "dev", "  gantry:service:\n", "  gantry:servcie:\n")
    _edit(sandbox, "dev", "severities: [critical, warning]", "severities: [critical, warnign]")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("make check: stack 'dev' has")
    example = readme[start : readme.index("```", start)]
    assert _check(sandbox, "dev").stderr == example
