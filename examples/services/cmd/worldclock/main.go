// Command worldclock shows what a static Go binary needs from an image: the CA bundle for TLS and
// the zoneinfo database for named time zones.
//
//	worldclock -zone Asia/Shanghai   formats one fixed instant in a named zone
//	worldclock -roots                counts the CA certificates Go's system pool loaded
//	worldclock -fetch URL            makes an HTTPS request and prints the status
package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	zone := flag.String("zone", "", "a time zone name, e.g. Asia/Shanghai")
	roots := flag.Bool("roots", false, "count the system's CA certificates")
	fetch := flag.String("fetch", "", "an https:// URL to GET")
	flag.Parse()

	switch {
	case *zone != "":
		loc, err := time.LoadLocation(*zone)
		if err != nil {
			fail(err)
		}
		// A fixed instant, so the output does not depend on the clock.
		fmt.Println(time.Unix(1700000000, 0).In(loc).Format("2006-01-02 15:04:05 MST"))
	case *roots:
		pool, err := x509.SystemCertPool()
		if err != nil {
			fail(err)
		}
		//lint:ignore SA1019 on linux the system pool is read from files, so Subjects lists them.
		fmt.Println(len(pool.Subjects())) //nolint:staticcheck
	case *fetch != "":
		client := &http.Client{Timeout: 10 * time.Second}
		resp, err := client.Get(*fetch)
		if err != nil {
			fail(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	default:
		flag.Usage()
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "worldclock:", err)
	os.Exit(1)
}
