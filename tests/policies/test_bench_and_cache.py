"""The benchmark runs, and the pod-template cache cannot hand one resource another's data."""

from __future__ import annotations

import copy

from cases import workload
from gantry_policies import bench
from gantry_policies.podspec import pod_template
from gantry_policies.sdk_internals import unknown_checking_proxy
from helpers import POD_TYPES


def test_benchmark_measures_every_resource() -> None:
    timing = bench.measure(objects=40)
    assert timing.resources == 40 + 12  # plus three clusters' cloud resources
    assert timing.cpu > 0
    assert timing.wall > 0


def test_prod_shaped_stack_has_the_prod_proportions() -> None:
    stack = bench.prod_shaped_stack()
    assert len(stack) == 3 * sum(bench.PROD_TARGET_SHAPE.values())
    timing = bench.measure(shape="prod")
    assert timing.resources == len(stack)


def test_synthetic_workloads_differ_so_the_cache_cannot_flatter_the_benchmark() -> None:
    workloads = [props for rtype, props in bench.synthetic_stack(40) if "template" in str(props)]
    assert len({str(w["spec"]["template"]) for w in workloads}) == len(workloads)


def test_equal_content_shares_one_template_and_different_content_does_not() -> None:
    rtype = POD_TYPES["Deployment"]
    props = bench.engine_props(workload("Deployment"))
    first = pod_template(rtype, unknown_checking_proxy(copy.deepcopy(props)))
    second = pod_template(rtype, unknown_checking_proxy(copy.deepcopy(props)))
    assert first is second, "every policy of one resource reuses the same template"
    changed = copy.deepcopy(props)
    changed["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
    third = pod_template(rtype, unknown_checking_proxy(changed))
    assert third is not first
    assert third is not None and first is not None
    assert third.spec["containers"][0]["securityContext"]["privileged"] is True
    assert "privileged" not in first.spec["containers"][0]["securityContext"]


def test_same_template_under_another_kind_keeps_its_own_paths() -> None:
    deployment = bench.engine_props(workload("Deployment"))
    cron = bench.engine_props(workload("CronJob"))
    a = pod_template(POD_TYPES["Deployment"], unknown_checking_proxy(deployment))
    b = pod_template(POD_TYPES["CronJob"], unknown_checking_proxy(cron))
    assert a is not None and b is not None
    assert a.field_path(("spec", "hostPID")) == "spec.template.spec.hostPID"
    assert b.field_path(("spec", "hostPID")) == "spec.jobTemplate.spec.template.spec.hostPID"
