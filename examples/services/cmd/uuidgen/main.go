// Command uuidgen shows use of a third-party module (github.com/google/uuid) from the module proxy.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/google/uuid"

	"example.com/services/internal/greeting"
)

func nameUUID(name string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceDNS, []byte(name))
}

func main() {
	name := flag.String("name", "example.com", "name for the deterministic v5 (SHA-1, DNS namespace) UUID")
	version := flag.Bool("version", false, "print version and exit")
	flag.Parse()

	if *version {
		fmt.Println(greeting.Version("uuidgen"))
		return
	}
	v4, err := uuid.NewRandom()
	if err != nil {
		fmt.Fprintln(os.Stderr, "uuidgen:", err)
		os.Exit(1)
	}
	fmt.Println(greeting.Greeting("uuidgen"))
	fmt.Println("v4:", v4)
	fmt.Printf("v5(%s): %s\n", *name, nameUUID(*name))
}
