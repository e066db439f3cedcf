"""The gantry application: the stack config, the program that wires the components, the driver.

`components/` holds the reusable components, which know nothing of a stack
file; this package reads `Pulumi.<stack>.yaml` into typed models
(`gantry.config`), maps them onto each component's args (`config_adapter`),
wires the components per target (`deployment`, `program`) and runs stacks
through the Automation API (`python -m gantry.driver`).
"""
