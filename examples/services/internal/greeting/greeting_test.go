// Tests for the greeting package; uses a testdata/ fixture the build must ignore.
package greeting

import (
	"os"
	"strings"
	"testing"
)

func TestGreeting(t *testing.T) {
	want, err := os.ReadFile("testdata/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := Greeting("Gopher"); got != strings.TrimSpace(string(want)) {
		t.Fatalf("Greeting(Gopher) = %q, want %q", got, want)
	}
	if got := Greeting("  "); got != "Hello, world!" {
		t.Fatalf("Greeting(blank) = %q", got)
	}
}

func TestVersion(t *testing.T) {
	if got := Version("prog"); !strings.HasPrefix(got, "prog ") {
		t.Fatalf("Version = %q", got)
	}
}
