// Package version reports what a cgo binary was built with.
package version

import (
	"fmt"
	"runtime"
)

// Version is set at link time with -X.
var Version = "dev"

// String describes the build: version, Go, platform.
func String(name string) string {
	return fmt.Sprintf("%s %s (%s, %s/%s)", name, Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
