// Command webserver shows an HTTP server serving //go:embed assets, with a loopback-only -selftest.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"example.com/services/internal/greeting"
)

//go:embed web
var webFS embed.FS

// marker is present in the embedded index.html and style.css; -selftest checks for it.
const marker = "pants-static-go-marker"

func newHandler() (http.Handler, error) {
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.FS(sub)))
	mux.HandleFunc("/greet", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting.Greeting(r.URL.Query().Get("name")))
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting.Version("webserver"))
	})
	return mux, nil
}

func selftest(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Shutdown.
	defer srv.Shutdown(context.Background())

	client := &http.Client{Timeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	for _, path := range []string{"/", "/style.css"} {
		resp, err := client.Get(base + path)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		if !strings.Contains(string(body), marker) {
			return fmt.Errorf("GET %s: body lacks marker %q", path, marker)
		}
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	self := flag.Bool("selftest", false, "serve on 127.0.0.1:0, fetch own assets, report and exit")
	flag.Parse()

	h, err := newHandler()
	if err != nil {
		log.Fatal(err)
	}
	if *self {
		if err := selftest(h); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		fmt.Println("selftest ok")
		return
	}
	log.Printf("%s listening on %s", greeting.Version("webserver"), *addr)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
