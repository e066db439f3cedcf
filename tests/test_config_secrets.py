"""Secret config keys are found by their type, `SecretKey`, wherever a model has one."""

from __future__ import annotations

from pydantic import Field

from gantry.config.base import Model, SecretKey
from gantry.config.secrets import secret_key_values
from gantry.config.stack import StackConfig
from scripts.render_manifests import load_stack


class _Leaf(Model):
    token: SecretKey
    note: str = "not-a-secret"


class _Tree(Model):
    direct: SecretKey = "directKey"
    optional: SecretKey | None = None
    leaves: list[_Leaf] = Field(default_factory=list)
    by_name: dict[str, _Leaf] = Field(default_factory=dict)
    plain: str = "plainValue"


def test_every_secret_key_field_is_found_however_deep() -> None:
    tree = _Tree(
        optional="optionalKey",
        leaves=[_Leaf(token="listKey")],
        by_name={"a": _Leaf(token="dictKey")},
    )
    assert sorted(secret_key_values(tree)) == ["dictKey", "directKey", "listKey", "optionalKey"]


def test_unset_optional_keys_and_plain_strings_are_not_secrets() -> None:
    assert list(secret_key_values(_Tree())) == ["directKey"]


def test_the_committed_stacks_name_their_secrets() -> None:
    """Receivers' keys (dev, prod); local and existing targets' keys are found the same way."""
    assert load_stack("local").secret_keys() == []
    assert load_stack("dev").secret_keys() == ["devSlackWebhookUrl"]
    assert load_stack("prod").secret_keys() == ["prodPagerdutyRoutingKey", "prodSlackWebhookUrl"]


def test_an_existing_targets_kubeconfig_and_registry_password_are_secrets() -> None:
    config = StackConfig.model_validate(
        {
            "profile": "dev",
            "policy": {"pack_config": "policies/config/dev.json"},
            "targets": [
                {
                    "cloud": "existing",
                    "name": "onprem",
                    "kubeconfig_secret": "onpremKubeconfig",
                    "registry": {"address": "r.example/a", "password_secret": "registryToken"},
                }
            ],
        }
    )
    assert "onpremKubeconfig" in config.secret_keys()
    assert "registryToken" in config.secret_keys()
