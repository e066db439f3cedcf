"""The `gantry` provider plugin's entry point: serve the components to the engine (never returns).

Started by the Python language host after `pulumi package add <repository>.git/package`
(PulumiPlugin.yaml), or offline by package/bin/pulumi-resource-gantry. The
components live in the repository root, which this puts on the import path.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gantry.package.provider import serve  # noqa: E402

serve(sys.argv[1:])
