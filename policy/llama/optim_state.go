package llama

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// optimMagic starts an optimizer state file.
const optimMagic = "EVOLVE-ADAMW-1\n"

// SaveState writes the optimizer's state — the step count and the first
// and second moments, float32 little-endian — so that LoadState continues
// training exactly where it stopped. The configuration (AdamW) is not
// written: the caller recreates the optimizer with the same one.
func (o *Optimizer) SaveState(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(optimMagic)
	var hdr [16]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(o.step))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(len(o.mom)))
	bw.Write(hdr[:])
	for _, v := range [][]float32{o.mom, o.vel} {
		encode(bw, v)
	}
	return bw.Flush()
}

// LoadState reads a state written by SaveState for an optimizer of the
// same model shape. It checks the header and the size and that every
// moment is finite (and every second moment ≥ 0) before changing
// anything.
func (o *Optimizer) LoadState(r io.Reader) error {
	head := make([]byte, len(optimMagic)+16)
	if _, err := io.ReadFull(r, head); err != nil {
		return fmt.Errorf("llama: optimizer state: %w", err)
	}
	if string(head[:len(optimMagic)]) != optimMagic {
		return errors.New("llama: optimizer state: not an AdamW state file")
	}
	step := binary.LittleEndian.Uint64(head[len(optimMagic):])
	n := binary.LittleEndian.Uint64(head[len(optimMagic)+8:])
	if n != uint64(len(o.mom)) || step > math.MaxInt32 {
		return fmt.Errorf("llama: optimizer state: %d moments at step %d, want %d for this model", n, step, len(o.mom))
	}
	buf := make([]byte, 8*len(o.mom))
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("llama: optimizer state: %w", err)
	}
	mom, vel := make([]float32, len(o.mom)), make([]float32, len(o.vel))
	decode(mom, buf[:4*len(mom)])
	decode(vel, buf[4*len(mom):])
	for i := range mom {
		if m, v := float64(mom[i]), float64(vel[i]); math.IsNaN(m) || math.IsInf(m, 0) || !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("llama: optimizer state: moment %d is (%v, %v)", i, m, v)
		}
	}
	o.step, o.mom, o.vel = int(step), mom, vel
	return nil
}
