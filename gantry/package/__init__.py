"""gantry's components as a Pulumi component package (`gantry`), for other projects.

Another project, in YAML, TypeScript, Go or Python, adds the package and uses
`gantry:index:GoImage`, `GoService`, `ObservabilityStack` and `AlertRules`
without cloning this program. Each exposed class here wraps the program's own
component of the same name: its inputs are the schema the package publishes,
validated with the models that check the stack config (one problem per bad
field, before anything is registered), then mapped onto the component's args
by gantry/config_adapter.py, as the program's are. How to add and use the
package: docs/component-package.md.
"""

NAME = "gantry"
"""The package name: resource types are `gantry:index:<Component>`."""

VERSION = "0.1.0"
"""The package version (semver). A release that removes or retypes an input moves the
major part (tests/package/test_compat.py); package/CHANGELOG.md has an entry for it."""
