// Package greeting shows a shared internal library package used by several binaries.
package greeting

import (
	"fmt"
	"strings"

	"example.com/services/internal/buildinfo"
)

// Greeting returns a friendly greeting for name, defaulting to "world".
func Greeting(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "world"
	}
	return fmt.Sprintf("Hello, %s!", name)
}

// Version returns a human-readable version string built from buildinfo.
func Version(program string) string {
	return fmt.Sprintf("%s %s (commit %s)", program, buildinfo.Version, buildinfo.Commit)
}
