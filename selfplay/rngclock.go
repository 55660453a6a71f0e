package selfplay

import (
	"fmt"
	"math/rand/v2"
)

// rngClock is the state of a game that keeps nothing between rounds but its
// round number and its random state.
type rngClock struct {
	round int
	rng   *rand.PCG
}

// start seeds the random state of a game that has not played yet.
func (c *rngClock) start(seed uint64) {
	if c.rng == nil {
		c.rng = newRNG(seed)
	}
}

// save returns the round number and the random state.
func (c *rngClock) save(seed uint64) (int, rngState) {
	c.start(seed)
	return c.round, saveRNG(c.rng)
}

// restore sets the round number and the random state; what names the
// state type in errors.
func (c *rngClock) restore(what string, seed uint64, round int, rng []byte) error {
	if round < 0 {
		return fmt.Errorf("selfplay: %s.Round is negative", what)
	}
	c.start(seed)
	if err := loadRNG(c.rng, rng); err != nil {
		return err
	}
	c.round = round
	return nil
}
