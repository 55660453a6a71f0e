//go:build linux && amd64 && !purego

package cpu

import (
	"syscall"
	"testing"
)

// cpuSeconds returns the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkFMAPeak measures the machine's float32 fused multiply-add peak:
// 12 independent chains of 8-lane (AVX2) or 16-lane (AVX-512) FMAs with
// operands in registers, on every goroutine b.RunParallel starts (run with
// -cpu 1,2 for one core and two). It reports GFLOP/s counting 2 per
// multiply-add, per second of wall clock and of the process's CPU time
// (the peak of one core whatever else the machine runs, as long as the core
// itself is not shared): the denominator of the model's "fraction of peak"
// (bench/compare_llama.sh runs it in the same run as the training step).
func BenchmarkFMAPeak(b *testing.B) {
	const iters = 1 << 16
	for _, k := range []struct {
		name  string
		ok    bool
		flops float64
		loop  func(int)
	}{{"avx2", AVX2 && FMA, 192, fmaLoopAVX2}, {"avx512", AVX512F, 384, fmaLoopAVX512}} {
		b.Run(k.name, func(b *testing.B) {
			if !k.ok {
				b.Skip("not supported by this CPU")
			}
			cpu0 := cpuSeconds()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k.loop(iters)
				}
			})
			flops := k.flops * iters * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := cpuSeconds() - cpu0; cpu > 0 {
				b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
			}
		})
	}
}
