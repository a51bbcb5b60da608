// Command sizeof shows a dependency-free binary reporting its own size and target platform.
package main

import (
	"fmt"
	"os"
	"runtime"

	"example.com/tools/internal/humanize"
)

func main() {
	// os.Executable needs /proc on Linux; fall back to argv[0] (e.g. in an empty chroot).
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	fi, err := os.Stat(exe)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizeof:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes (%s) %s/%s %s\n",
		fi.Name(), fi.Size(), humanize.Bytes(fi.Size()), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
