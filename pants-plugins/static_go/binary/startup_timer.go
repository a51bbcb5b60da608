// startup-timer runs executables repeatedly, interleaved, with an invalid GOMEMLIMIT (the Go
// runtime exits in schedinit, before any user code) and prints the median wall time of each.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"time"
)

func runOnce(path string) (float64, error) {
	cmd := exec.Command(path)
	cmd.Env = []string{"GOMEMLIMIT=invalid-static-go-startup-probe"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	cmd.Wait()
	elapsed := time.Since(start)
	timer.Stop()
	if !bytes.Contains(stderr.Bytes(), []byte("malformed GOMEMLIMIT")) {
		out := stderr.String()
		if len(out) > 300 {
			out = out[:300]
		}
		return 0, fmt.Errorf("%s did not stop at the Go runtime's GOMEMLIMIT check (%s): %q", path, cmd.ProcessState, out)
	}
	return float64(elapsed.Nanoseconds()) / 1e6, nil
}

func main() {
	runs := flag.Int("n", 15, "runs per executable")
	flag.Parse()
	paths := flag.Args()
	times := make([][]float64, len(paths))
	out := json.NewEncoder(os.Stdout)
	for i := -2; i < *runs; i++ { // two warm-up rounds
		for j, p := range paths {
			ms, err := runOnce(p)
			if err != nil {
				out.Encode(map[string]any{"error": err.Error()})
				return
			}
			if i >= 0 {
				times[j] = append(times[j], ms)
			}
		}
	}
	medians := make([]float64, len(paths))
	for j, t := range times {
		sort.Float64s(t)
		medians[j] = t[len(t)/2]
	}
	out.Encode(map[string]any{"median_ms": medians, "runs": *runs})
}
