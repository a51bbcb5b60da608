// Tests that v5 UUIDs are deterministic and match a known value.
package main

import "testing"

func TestNameUUID(t *testing.T) {
	// RFC 4122 / Python uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
	const want = "886313e1-3b8a-5372-9b90-0c9aee199e5d"
	if got := nameUUID("python.org").String(); got != want {
		t.Fatalf("nameUUID(python.org) = %s, want %s", got, want)
	}
	if got := nameUUID("python.org").Version(); got != 5 {
		t.Fatalf("version = %d, want 5", got)
	}
}
