package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// checkers maps a case kind to the function that checks a case of it. Each
// kind registers itself from its own file with register.
var checkers = map[string]func(t *testing.T, c *Case){}

func register(kind string, f func(t *testing.T, c *Case)) {
	if _, dup := checkers[kind]; dup {
		panic("golden: kind registered twice: " + kind)
	}
	checkers[kind] = f
}

// dir is the folder of cases under test: $GOLDEN_DIR, or the project's own.
func dir() string {
	if d := os.Getenv("GOLDEN_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "testdata", "golden")
}

// checker returns the function that checks a case, or an error naming the
// case's file and kind when no checker knows that kind (an unknown kind
// fails; it is never skipped).
func checker(c *Case) (func(t *testing.T, c *Case), error) {
	check, ok := checkers[c.Kind]
	if !ok {
		return nil, fmt.Errorf("golden: %s: unknown kind %q", c.File, c.Kind)
	}
	return check, nil
}

func TestGolden(t *testing.T) {
	cases, err := Load(dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			check, err := checker(c)
			if err != nil {
				t.Fatal(err)
			}
			check(t, c)
		})
	}
}
