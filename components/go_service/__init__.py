"""The Go service on Kubernetes: pure manifest builders and the GoService component.

The builders (`manifests.render`) are the single source of every object; the
component registers what they return and `scripts/render_manifests.py` writes
the same objects to YAML for review and GitOps.
"""

from .spec import ServiceSpec, validate_image_reference

__all__ = ["ServiceSpec", "validate_image_reference"]
