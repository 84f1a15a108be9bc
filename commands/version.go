package commands

import (
	"runtime"

	"ccproxy/model"
)

// VersionCmd prints the build stamp.
type VersionCmd struct{}

func (c *VersionCmd) Run(env *Env) error {
	return env.Emit(model.Version{
		Schema: model.SchemaVersion, Version: env.Build.Version, Commit: env.Build.Commit, BuildDate: env.Build.Date,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
	})
}
