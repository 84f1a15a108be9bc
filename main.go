// Command ccproxy reads, checks and changes the proxy settings of Windows machines that run
// the Citrix Cloud Connector, and speaks JSON to PowerShell, DSC, Intune and Configuration Manager.
package main

import (
	"os"
	"runtime/debug"

	"ccproxy/commands"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

func main() {
	env := commands.NewEnv(os.Stdin, os.Stdout, os.Stderr)
	info, _ := debug.ReadBuildInfo()
	env.Build = commands.WithVCS(commands.BuildInfo{Version: version, Commit: commit, Date: date}, info)
	os.Exit(commands.Main(env, os.Args[1:]))
}
