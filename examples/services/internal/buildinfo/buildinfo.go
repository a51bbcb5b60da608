// Package buildinfo shows link-time variables set via -ldflags "-X example.com/services/internal/buildinfo.Version=...".
package buildinfo

// Version and Commit are overridden at link time with -X.
var (
	Version = "dev"
	Commit  = "none"
)
