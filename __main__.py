"""gantry: one image, then per target the service, its observability stack and alerts.

The normal Pulumi install runs this file through its Python language host;
`make up` runs the same `components.program.run` through the Automation API
(`python -m components.driver`). This file only calls it.
"""

from components.program import run

run()
