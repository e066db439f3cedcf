"""The ClusterImagePolicy as data: globs that policy-controller accepts, keyless identity."""

from __future__ import annotations

import fnmatch
import re

import pytest

from components.admission.policy import (
    API_VERSION,
    DEFAULT_FULCIO_URL,
    DEFAULT_REKOR_URL,
    cluster_image_policy,
    image_glob,
    keyless_authority,
)
from gantry.config.image import DEFAULT_SIGNER_SUBJECT, GITHUB_ACTIONS_ISSUER

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-prod/hello"
DIGEST = "sha256:" + "ab" * 32


def _policy_controller_regexp(glob: str) -> re.Pattern[str]:
    """How policy-controller compiles a glob (pkg/apis/glob): `**` any, `*` no `/`."""
    assert re.fullmatch(r"[a-zA-Z0-9\-_:/*.]+", glob), f"policy-controller rejects {glob!r}"
    text = glob.replace(".", r"\.").replace("**", "#").replace("*", "[^/]*").replace("#", ".*")
    return re.compile(f"^{text}$")


@pytest.mark.parametrize(
    "repository",
    [ECR, "europe-west1-docker.pkg.dev/p/gcp-prod/hello", "acr1.azurecr.io/hello",
     "127.0.0.1:5001/hello"],
)  # fmt: skip
def test_glob_covers_digest_and_tag_references_of_the_repository(repository: str) -> None:
    glob = image_glob(repository)
    compiled = _policy_controller_regexp(glob)
    # policy-controller matches the normalised name: repository@digest or repository:tag.
    assert compiled.match(f"{repository}@{DIGEST}")
    assert compiled.match(f"{repository}:0.1.0-abc")
    assert not compiled.match(f"{repository}/nested@{DIGEST}")
    assert not compiled.match(f"other.example.com/hello@{DIGEST}")
    # The pack's S02 check uses fnmatch on the deployed reference.
    assert fnmatch.fnmatch(f"{repository}:0.1.0-abc@{DIGEST}", glob)


@pytest.mark.parametrize("bad", ["", "hello", f"{ECR}:1.0", f"{ECR}@{DIGEST}", f"{ECR}*"])
def test_glob_refuses_what_is_not_a_registry_repository(bad: str) -> None:
    with pytest.raises(ValueError, match=r"repository|registry"):
        image_glob(bad)


def test_keyless_authority_pins_issuer_subject_and_transparency_log() -> None:
    authority = keyless_authority(issuer=GITHUB_ACTIONS_ISSUER, subject_regexp="^x$")
    assert authority["keyless"] == {
        "url": DEFAULT_FULCIO_URL,
        "identities": [{"issuer": GITHUB_ACTIONS_ISSUER, "subjectRegExp": "^x$"}],
    }
    assert authority["ctlog"] == {"url": DEFAULT_REKOR_URL}
    assert "key" not in authority


def test_cluster_image_policy_lists_each_glob_once_with_the_authority() -> None:
    authority = keyless_authority(issuer=GITHUB_ACTIONS_ISSUER, subject_regexp="^x$")
    obj = cluster_image_policy("signed", ["b*", "a*", "b*"], authority, "warn")
    assert obj["apiVersion"] == API_VERSION == "policy.sigstore.dev/v1beta1"
    assert obj["kind"] == "ClusterImagePolicy"
    assert obj["metadata"] == {"name": "signed"}
    assert obj["spec"] == {
        "mode": "warn",
        "images": [{"glob": "a*"}, {"glob": "b*"}],
        "authorities": [authority],
    }
    with pytest.raises(ValueError, match="at least one"):
        cluster_image_policy("signed", [], authority)


@pytest.mark.parametrize(
    ("subject", "admitted"),
    [
        ("https://github.com/gantry-dev/gantry/.github/workflows/main.yml@refs/heads/main", True),
        ("https://github.com/gantry-dev/gantry/.github/workflows/promote.yml@refs/tags/v1.2.0",
         True),
        ("https://github.com/gantry-dev/gantry/.github/workflows/main.yml@refs/heads/feature",
         False),
        ("https://github.com/gantry-dev/gantry/.github/workflows/main.yml@refs/pull/7/merge",
         False),
        ("https://github.com/evil/gantry/.github/workflows/main.yml@refs/heads/main", False),
        ("https://github.com/gantry-dev/gantryx/.github/workflows/main.yml@refs/heads/main",
         False),
    ],
)  # fmt: skip
def test_default_subject_admits_main_and_release_tags_of_this_repository_only(
    subject: str, admitted: bool
) -> None:
    assert bool(re.match(DEFAULT_SIGNER_SUBJECT, subject)) is admitted
