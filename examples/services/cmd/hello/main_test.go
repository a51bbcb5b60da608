// Tests that the hello command's package builds and its greeting is wired up.
package main

import (
	"testing"

	"example.com/services/internal/greeting"
)

func TestGreetingWired(t *testing.T) {
	if greeting.Greeting("x") != "Hello, x!" {
		t.Fatal("unexpected greeting")
	}
}
