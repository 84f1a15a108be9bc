package commands

import (
	"runtime"
	"runtime/debug"

	"ccproxy/model"
)

// VersionCmd prints the build stamp.
type VersionCmd struct {
	FormatFlag
}

func (c *VersionCmd) Run(env *Env) error {
	return env.EmitAs(model.Version{
		Schema: model.SchemaVersion, Version: env.Build.Version, Commit: env.Build.Commit, BuildDate: env.Build.Date,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
	}, c.Format)
}

// WithVCS fills what the linker flags did not stamp (commit and date "unknown") from the
// version-control information Go embeds in a build made inside a git checkout
// (vcs.revision, vcs.time, vcs.modified: 'go help buildvcs'). A commit built from a
// modified tree says so with a "-dirty" suffix, since it is not that commit.
func WithVCS(b BuildInfo, info *debug.BuildInfo) BuildInfo {
	if info == nil {
		return b
	}
	var rev, at string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if (b.Commit == "" || b.Commit == "unknown") && rev != "" {
		b.Commit = rev
		if dirty {
			b.Commit += "-dirty"
		}
	}
	if (b.Date == "" || b.Date == "unknown") && at != "" {
		b.Date = at
	}
	return b
}
