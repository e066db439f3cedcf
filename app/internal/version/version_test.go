package version

import (
	"runtime/debug"
	"testing"
)

func TestResolvePrefersLinkerValues(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Version: "v9.9.9"},
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "fromvcs"}},
		}, true
	}
	got := resolve("1.2.3", "abc123", read)
	if got.Version != "1.2.3" || got.Revision != "abc123" || got.GoVersion != "go1.26.8" {
		t.Fatalf("got %+v, want linker-stamped version and revision", got)
	}
}

func TestResolveFallsBackToVCSAndModuleVersion(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Version: "v0.4.0"},
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "deadbeef"}},
		}, true
	}
	got := resolve("dev", "", read)
	if got.Revision != "deadbeef" || got.Version != "v0.4.0" {
		t.Fatalf("got %+v, want revision and version from build info", got)
	}
}

func TestResolveWithoutBuildInfoSaysUnknown(t *testing.T) {
	got := resolve("dev", "", func() (*debug.BuildInfo, bool) { return nil, false })
	if got.Revision != "unknown" || got.Version != "dev" || got.GoVersion == "" {
		t.Fatalf("got %+v, want dev/unknown with the runtime's Go version", got)
	}
}

func TestResolveIgnoresDevelModuleVersion(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true
	}
	if got := resolve("dev", "", read); got.Version != "dev" || got.Revision != "unknown" {
		t.Fatalf("got %+v, want dev/unknown", got)
	}
}
