// SPDX-License-Identifier: GPL-2.0
// Grows a Go map forever at a known rate: mem_go_leak MiB_PER_S SECONDS.
// Every 100 ms it adds rate/10 MiB of fresh []byte to a map it never
// deletes from, writing every page (Go's allocator knows fresh pages from
// the kernel are zero and would not touch them). It writes "pid N" to
// $WL_INFO, waits for $WL_GATE like the C workloads (wl_common.h), and at
// the end "retained_bytes N" and "retained_per_s N" (bytes a second).
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

const chunk = 32 << 10 // a size class of its own: spans from the page heap

var kept = map[int][]byte{}

func info(key string, v int64) {
	path := os.Getenv("WL_INFO")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s %d\n", key, v)
	f.Close()
}

func gate() {
	path := os.Getenv("WL_GATE")
	if path == "" {
		return
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leak adds n bytes to the map: the growth site the tests look for.
//
//go:noinline
func leak(n int) int {
	added := 0
	for added < n {
		b := make([]byte, chunk)
		for i := 0; i < len(b); i += 4096 {
			b[i] = byte(i>>12) | 1
		}
		kept[len(kept)] = b
		added += chunk
	}
	return added
}

func arg(i int, dflt float64) float64 {
	if len(os.Args) > i {
		if v, err := strconv.ParseFloat(os.Args[i], 64); err == nil {
			return v
		}
	}
	return dflt
}

func main() {
	rate, secs := arg(1, 2), arg(2, 20)
	per := int(rate * (1 << 20) / 10)
	info("pid", int64(os.Getpid()))
	gate()
	start := time.Now()
	next := start
	total := 0
	for time.Since(start).Seconds() < secs {
		total += leak(per)
		next = next.Add(100 * time.Millisecond) // paced on the clock
		time.Sleep(time.Until(next))
	}
	el := time.Since(start).Seconds()
	info("retained_bytes", int64(total))
	info("retained_per_s", int64(float64(total)/el))
}
