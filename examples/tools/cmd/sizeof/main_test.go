// Tests that the test binary can find and stat its own executable, as sizeof does.
package main

import (
	"os"
	"testing"
)

func TestSelfStat(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() <= 0 {
		t.Fatalf("size = %d", fi.Size())
	}
}
