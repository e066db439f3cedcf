"""gantry: one image, then per target the service, its observability stack and alerts.

The normal Pulumi install runs this file through its Python language host;
`make up` runs the same `gantry.program.run` through the Automation API
(`python -m gantry.driver`). This file only calls it.
"""

from gantry.program import run

run()
