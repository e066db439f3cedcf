"""What the driver decides for each operation an interrupted run left in progress.

The state documents are shaped like `pulumi stack export` of the local stack
(URNs, provider references, Kubernetes inputs); the engine-side half (import,
targeted refresh) is exercised for real by tests/integration/test_interrupted_up.py.
"""

from __future__ import annotations

from typing import Any

from gantry.driver.pending import kubernetes_id, plan, pulumi_managers, restore_field_managers

STACK = "urn:pulumi:local::gantry::pulumi:pulumi:Stack::gantry-local"
SERVICE = "urn:pulumi:local::gantry::gantry:go_service:GoService::local-hello"
PROVIDER = (
    "urn:pulumi:local::gantry::gantry:targets:LocalCluster$pulumi:providers:kubernetes::local-k8s"
)
PREFIX = "urn:pulumi:local::gantry::gantry:go_service:GoService$"
NAMESPACE = PREFIX + "kubernetes:core/v1:Namespace::local-hello-namespace"
DEPLOYMENT = PREFIX + "kubernetes:apps/v1:Deployment::local-hello-deployment"
IMAGE = "urn:pulumi:local::gantry::gantry:image:GoImage$pulumi-python:dynamic:Resource::hello-ko"


def _resource(urn: str, **fields: Any) -> dict[str, Any]:
    return {"urn": urn, "type": urn.split("::")[-2].rpartition("$")[2], **fields}


def _kube(urn: str, name: str, namespace: str | None = None, **fields: Any) -> dict[str, Any]:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    defaults: dict[str, Any] = {
        "custom": True,
        "parent": SERVICE,
        "provider": f"{PROVIDER}::f7b3f2e4",
        "inputs": {"apiVersion": "v1", "kind": "X", "metadata": metadata},
    }
    return _resource(urn, **{**defaults, **fields})


def _state(
    pending: list[dict[str, Any]], extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    resources = [
        _resource(STACK, custom=False),
        _resource(PROVIDER, custom=True, id="f7b3f2e4", parent=STACK),
        _resource(SERVICE, custom=False, parent=STACK),
        *(extra or []),
    ]
    return {"resources": resources, "pending_operations": pending}


def _creating(resource: dict[str, Any]) -> dict[str, Any]:
    return {"type": "creating", "resource": resource}


def test_a_pending_kubernetes_create_is_adopted_with_its_id_and_refreshed() -> None:
    deployment = _kube(
        DEPLOYMENT, "hello", "hello", dependencies=[NAMESPACE, IMAGE], deletedWith=IMAGE
    )
    before = _state([_creating(_kube(NAMESPACE, "hello")), _creating(deployment)])
    decided = plan(before)
    assert [d.action for d in decided.decisions] == ["adopt", "adopt"]
    assert decided.refresh == (NAMESPACE, DEPLOYMENT)
    resources = {r["urn"]: r for r in decided.deployment["resources"]}
    assert resources[NAMESPACE]["id"] == "hello", "cluster-scoped: the name alone"
    assert resources[DEPLOYMENT]["id"] == "hello/hello"
    # The image never made it into the state: the adopted object must not point at it.
    assert resources[DEPLOYMENT]["dependencies"] == [NAMESPACE]
    assert "deletedWith" not in resources[DEPLOYMENT]
    assert decided.deployment["pending_operations"] == []
    assert before["pending_operations"], "the exported document itself is left as it was"


def test_a_pending_image_build_and_a_provider_are_cleared_to_be_made_again() -> None:
    provider = _resource(PROVIDER.replace("local-k8s", "other"), custom=True, parent=STACK)
    image = _resource(IMAGE, custom=True, inputs={"tags": ["0.1.0"]})
    decided = plan(_state([_creating(image), _creating(provider)]))
    assert [(d.action, d.urn) for d in decided.decisions] == [
        ("clear", IMAGE),
        ("clear", provider["urn"]),
    ]
    assert "makes it again" in decided.decisions[0].line()
    assert len(decided.deployment["resources"]) == 3
    assert decided.refresh == ()


def test_a_component_is_adopted_and_its_children_can_follow() -> None:
    component = _resource(SERVICE, custom=False, parent=STACK)
    child = _kube(NAMESPACE, "hello")
    state = _state([_creating(component), _creating(child)])
    state["resources"] = [r for r in state["resources"] if r["urn"] != SERVICE]
    decided = plan(state)
    assert [d.action for d in decided.decisions] == ["adopt", "adopt"]
    urns = [r["urn"] for r in decided.deployment["resources"]]
    assert urns.index(SERVICE) < urns.index(NAMESPACE), "parents stay before children"


def test_an_object_whose_parent_never_reached_the_state_is_cleared() -> None:
    orphan = _kube(NAMESPACE, "hello", parent="urn:pulumi:local::gantry::gantry:x:Gone::g")
    decided = plan(_state([_creating(orphan)]))
    assert decided.decisions[0].action == "clear"
    assert "parent is not in the state" in decided.decisions[0].reason


def test_pending_updates_and_deletes_are_read_back() -> None:
    existing = _kube(DEPLOYMENT, "hello", "hello", id="hello/hello")
    decided = plan(
        _state(
            [
                {"type": "updating", "resource": existing},
                {"type": "deleting", "resource": existing},
            ],
            extra=[existing],
        )
    )
    assert [d.action for d in decided.decisions] == ["refresh", "refresh"]
    assert decided.refresh == (DEPLOYMENT, DEPLOYMENT)
    assert len(decided.deployment["resources"]) == 4, "nothing added or dropped"


def test_kubernetes_ids_follow_the_providers_format() -> None:
    assert kubernetes_id({"inputs": {"metadata": {"name": "a", "namespace": "n"}}}) == "n/a"
    assert kubernetes_id({"inputs": {"metadata": {"name": "a"}}}) == "a"
    assert kubernetes_id({"inputs": {"metadata": {}}}) is None
    assert kubernetes_id({}) is None


def test_an_adopted_object_gets_back_the_field_manager_that_created_it() -> None:
    managed = [
        {"manager": "pulumi-kubernetes-0ld", "operation": "Apply"},
        {"manager": "kube-controller-manager", "operation": "Update"},
    ]
    refreshed = _kube(DEPLOYMENT, "hello", "hello", id="hello/hello")
    refreshed["outputs"] = {
        "__fieldManager": "pulumi-kubernetes-n3w",
        "metadata": {"name": "hello", "managedFields": managed},
    }
    assert pulumi_managers(refreshed) == ["pulumi-kubernetes-0ld"]
    fixed, restored = restore_field_managers({"resources": [refreshed]}, [DEPLOYMENT])
    assert restored == [DEPLOYMENT]
    assert fixed["resources"][0]["outputs"]["__fieldManager"] == "pulumi-kubernetes-0ld"
    assert refreshed["outputs"]["__fieldManager"] == "pulumi-kubernetes-n3w", "input untouched"
    # Two pulumi managers: no way to tell which one is ours, so nothing is guessed.
    managed.append({"manager": "pulumi-kubernetes-other", "operation": "Apply"})
    assert restore_field_managers({"resources": [refreshed]}, [DEPLOYMENT])[1] == []
