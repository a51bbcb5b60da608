// Tests the webserver's embedded assets via the same loopback selftest the binary runs.
package main

import "testing"

func TestSelftest(t *testing.T) {
	h, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	if err := selftest(h); err != nil {
		t.Fatal(err)
	}
}
