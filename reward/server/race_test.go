//go:build race

package server_test

// raceEnabled reports a build with the race detector, which multiplies
// memory use.
const raceEnabled = true
