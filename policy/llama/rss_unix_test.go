//go:build unix

package llama

import "syscall"

// peakRSS returns the process's peak resident set size in bytes
// (getrusage's ru_maxrss, in KiB on Linux), 0 if unknown.
func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// cpuSeconds returns the process's user and system CPU time so far, 0 if
// unknown. On a shared machine a benchmark's CPU time counts the work its
// threads did, where the wall clock also counts the time other processes
// held the cores.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
