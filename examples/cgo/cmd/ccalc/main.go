// Command ccalc calls C code through cgo: gcd and crc32 of its arguments.
package main

/*
#include <stdlib.h>
#include "calc.h"
*/
import "C"

import (
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"unsafe"

	"example.com/cgo/internal/version"
)

func crc(s string) uint32 {
	p := C.CString(s)
	defer C.free(unsafe.Pointer(p))
	return uint32(C.calc_crc32((*C.uchar)(unsafe.Pointer(p)), C.size_t(len(s))))
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String("ccalc"), "libc", C.GoString(C.calc_libc()))
		return
	}
	args := flag.Args()
	if len(args) == 2 {
		a, err1 := strconv.ParseUint(args[0], 10, 64)
		b, err2 := strconv.ParseUint(args[1], 10, 64)
		if err1 == nil && err2 == nil {
			fmt.Printf("gcd(%d, %d) = %d\n", a, b, uint64(C.calc_gcd(C.uint64_t(a), C.uint64_t(b))))
			return
		}
	}
	for _, s := range args {
		got, want := crc(s), crc32.ChecksumIEEE([]byte(s))
		if got != want {
			fmt.Fprintf(os.Stderr, "crc32(%q): C says %08x, Go says %08x\n", s, got, want)
			os.Exit(1)
		}
		fmt.Printf("crc32(%q) = %08x\n", s, got)
	}
}
