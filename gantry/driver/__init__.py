"""Run gantry's stacks through the Pulumi Automation API: `python -m gantry.driver`.

The program is `gantry.program.run`, passed as an inline program: the
engine takes its language runtime from this process over `--client`, so no
`pulumi-language-python` binary is needed, and the same code runs with the
normal Pulumi install or with the toolchain `scripts/bootstrap.sh` builds.
"""
