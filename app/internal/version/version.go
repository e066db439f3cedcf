// Package version reports which build of the service is running.
//
// Release builds stamp Version and Revision with the linker
// (-X github.com/gantry-dev/gantry/app/internal/version.Version=...); a plain
// `go build` from a git checkout still gets the revision from the module's
// embedded VCS data, so a binary never reports an empty revision when the
// information exists.
package version

import (
	"runtime"
	"runtime/debug"
)

// Version and Revision are set at link time with -X; the linker can only set
// package-level string variables, which is why these two are not constants
// or fields. Nothing in the service writes them.
var (
	Version  = "dev"
	Revision = ""
)

// Info describes one build.
type Info struct {
	Version   string
	Revision  string
	GoVersion string
}

// Get returns the build information, preferring the linker-stamped values
// and falling back to the VCS data embedded by the go command.
func Get() Info {
	return resolve(Version, Revision, debug.ReadBuildInfo)
}

// resolve is Get with its inputs injected so that tests can exercise every
// fallback without relying on how the test binary itself was built.
func resolve(version, revision string, read func() (*debug.BuildInfo, bool)) Info {
	info := Info{Version: version, Revision: revision, GoVersion: runtime.Version()}
	bi, ok := read()
	if !ok {
		if info.Revision == "" {
			info.Revision = "unknown"
		}
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	if info.Revision == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.Revision = s.Value
			}
		}
	}
	if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	if info.Revision == "" {
		info.Revision = "unknown"
	}
	return info
}
