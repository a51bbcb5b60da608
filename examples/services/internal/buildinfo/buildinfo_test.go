// Tests that buildinfo variables have non-empty defaults.
package buildinfo

import "testing"

func TestDefaults(t *testing.T) {
	if Version == "" || Commit == "" {
		t.Fatalf("Version=%q Commit=%q must not be empty", Version, Commit)
	}
}
