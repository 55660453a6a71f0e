package reward_test

import (
	"context"
	"fmt"

	"github.com/evolve-go/evolve/reward"
)

// Math reads the answer the way math completions state it and compares
// it with the label by value.
func ExampleMath() {
	m := reward.Math{}
	for _, s := range []reward.Sample{
		{Completion: `<think>2+2=4, over 8</think> So the answer is $\boxed{\dfrac{1}{2}}$.`, Label: "0.5"},
		{Completion: "Mia baked 12 muffins a tray, 12 * 5 = 60 muffins.\n#### 60", Label: "60"},
		{Completion: `The golden ratio is $\frac{1+\sqrt{5}}{2}$.`, Label: "2"},
		{Completion: `The roots are $\boxed{3, -2}$.`, Label: `\{-2, 3\}`},
		{Completion: `So $x \in \boxed{[3, \infty)}$.`, Label: `x \geq 3`},
		{Completion: `So $x \in \boxed{(3, \infty)}$.`, Label: `x \geq 3`},
		{Completion: `Expanding gives $\boxed{x^2 + 2x + 1}$.`, Label: `(x+1)^2`},
	} {
		v, err := m.Score(context.Background(), s)
		fmt.Println(v, err)
	}
	// Output:
	// 1 <nil>
	// 1 <nil>
	// 0 <nil>
	// 1 <nil>
	// 1 <nil>
	// 0 <nil>
	// 1 <nil>
}

// Verify compares a gold answer with a completion directly; options set
// the conventions.
func ExampleMath_Verify() {
	ctx := context.Background()
	fmt.Println(reward.Math{}.Verify(ctx, "3", `\boxed{x = 3}`))
	fmt.Println(reward.Math{StrictEquations: true}.Verify(ctx, "3", `\boxed{x = 3}`))
	fmt.Println(reward.Math{}.Verify(ctx, `\frac{1}{3}`, "0.33"))
	fmt.Println(reward.Math{Precision: 2}.Verify(ctx, `\frac{1}{3}`, "0.33"))
	// Output:
	// true <nil>
	// false <nil>
	// false <nil>
	// true <nil>
}
