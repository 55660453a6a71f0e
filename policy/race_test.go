//go:build race

package policy

// raceEnabled is set under the race detector, whose sync.Pool drops items
// at random: allocation counts mean nothing there.
const raceEnabled = true
