// Command hello shows a minimal CLI using a shared library and -X-stamped build info.
package main

import (
	"flag"
	"fmt"
	"os"

	"example.com/services/internal/buildinfo"
	"example.com/services/internal/greeting"
)

func main() {
	name := flag.String("name", "world", "who to greet")
	version := flag.Bool("version", false, "print version and exit")
	flag.Parse()

	if *version {
		fmt.Printf("hello version=%s commit=%s\n", buildinfo.Version, buildinfo.Commit)
		os.Exit(0)
	}
	fmt.Println(greeting.Greeting(*name))
}
