//go:build !race

package preference_test

const raceEnabled = false
