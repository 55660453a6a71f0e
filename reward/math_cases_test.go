package reward

import (
	"context"
	"strings"
	"testing"
)

// mathCase is a gold answer, a completion and the verdict the math says
// it deserves, with the reason.
type mathCase struct {
	gold, pred string
	want       bool
	why        string
}

// issueCases are the cases quoted in the issue that asked for Math: the
// false "correct"s of a last-number verifier and the formats it missed.
var issueCases = []mathCase{
	{"2", `$\frac{1+\sqrt{5}}{2}$`, false, "the golden ratio is about 1.618; its last digit is not the answer"},
	{"2", `So the ratio is \frac{1+\sqrt{5}}{2}`, false, "a number inside a formula without delimiters is not an answer"},
	{"2", "AZYUK2A", false, "a digit inside a word is not a number"},
	{"1", "[0,1)", false, "1 is an endpoint of an interval, not the answer"},
	{"1", "The solution set is $[0,1)$.", false, "an interval is not the number 1"},
	{"1000", "1 000", true, "a space separates thousands"},
	{"1000.99", "1000,99", true, "a decimal comma with two digits after it is unambiguous"},
	{"$1$", `$\cfrac{3}{3}$`, true, `\cfrac is a fraction`},
	{"$1$", `$\frac3{3}$`, true, "a one-digit fraction argument needs no braces"},
	{`$28\%$`, "28 percent", true, `"percent" is a percent sign`},
	{`$28\%$`, "28 pct", true, `"pct" is a percent sign`},
	{"$10$", `Answer \( (9+1) \)`, true, "9+1 is 10"},
	{"14916", `We first tried $\boxed{14{,}912}$, which fails. Final Answer: The final answer is $14{,}916$. I hope it is correct.`, true,
		"the final-answer sentence comes after the boxed intermediate and {,} separates thousands"},
}

// gsm8kCases are GSM8K-style: a plain-number gold, a worked solution.
var gsm8kCases = []mathCase{
	{"60", "Mia baked 36/3 = <<36/3=12>>12 muffins a tray, 12*5 = <<12*5=60>>60 muffins in all.\n#### 60", true, "the #### line states 60"},
	{"60", "Mia baked 12 a tray and 5 trays, 60 muffins.\n#### 62", false, "the final number is 62"},
	{"14", "Omar earns 21/60 = $0.35 a minute. In 40 minutes he earns 0.35 x 40 = $14.", true, "currency sign before the last number"},
	{"14", "Omar earned $14.00 in all.", true, "14.00 is 14"},
	{"14", "Omar earned $14.40 in all.", false, "14.40 is not 14"},
	{"9", "Lena has 80 / 4 = 20 dollars and needs 80 - 20 - 25 - 26 = 9 more.\nThe answer is 9.", true, "the answer sentence"},
	{"9", "The answer is 9 dollars.", true, "a unit word after the number"},
	{"58", "The answer is: 58", true, "answer with a colon"},
	{"58", "Answer: 57", false, "57 is not 58"},
	{"2468", "He pays $2,468.", true, "thousands comma and currency"},
	{"7654321", "The total is 7,654,321 dollars.", true, "several thousands groups"},
	{"3215000", "3,215,000", true, "thousands commas"},
	{"250", "250.0", true, "250.0 is 250"},
	{"2000.0", "2,000.0", true, "thousands comma and a decimal point"},
	{"3.45", "3,45", true, "a decimal comma"},
	{"0.375", "0,375", true, "a leading zero makes the comma decimal"},
	{"4.35", "Total : 4,35 € pour deux.", true, "a decimal comma before a currency sign"},
	{"0.7", ".7", true, "a leading decimal point"},
	{"2500.75", "$2,500.75", true, "currency sign before the number"},
	{"2500.75", "2,500.75€", true, "currency sign after the number"},
	{"2500.75", "it is not 12 but 2,500.75€", true, "the last number wins"},
	{"12", "the room is 3 by 4, so 12m² of carpet", true, "a unit after the number"},
	{"-8", "-8", true, "a negative number"},
	{"-8", "The temperature fell to -8 degrees.", true, "a negative number with a unit"},
	{"8", "The temperature fell to -8 degrees.", false, "-8 is not 8"},
	{"26", "Ravi picks 20 - 4 - 3 = <<20-4-3=13>>13 apples a day and sells them for 13 * 2 = $<<13*2=26>>26.\n#### 26", true, "GSM8K calculator annotations"},
	{"5", "It takes 6/2=<<6/2=3>>3 cups of flour, so 2+3=<<2+3=5>>5 cups in all.\n#### 5", true, "annotation then answer"},
	{"45000", "The gain was 120000-75000 = $<<120000-75000=45000>>45,000\n#### 45000", true, "the #### line"},
	{"720", "She swims 4*3=12 laps of 60 meters, 12*60=720 meters.\nThe answer is 720 meters.", true, "a unit word after the answer"},
	{"35", "It takes 35 minutes.", true, "number before a unit word"},
	{"35", "It takes 1 hour and 35 minutes, that is 95 minutes.", false, "the last number is 95"},
	{"0.25", "The probability is 1/4.", true, "1/4 is 0.25"},
	{"3/5", "P(win) = 3/5 Therefore, the team wins with probability 3/5.", true, "a plain fraction"},
	{"40", "It fell 40%.", false, "40% is 0.4, not 40 (Math-Verify's convention)"},
	{"0.4", "It fell 40%.", true, "40% is 0.4"},
	{"16", "So there are 16 possible codes. I hope it is correct.", true, "the last number"},
	{"8", "The divisors of 30 are 1, 2, 3, 5, 6, 10, 15 and 30; there are 8.", true, "the last number after a list"},
	{"30", "The divisors of 30 are 1, 2, 3, 5, 6, 10, 15 and 30; there are 8.", false, "30 is in the list, the answer is 8"},
	{"11", "I think the answer is 11 because 5+6=11.", true, "the answer word"},
	{"300", "**Answer:** 300", true, "Markdown bold answer"},
	{"300", "The final answer is 300", true, "final answer is"},
	{"300", "Final answer: 299", false, "299 is not 300"},
	{"4.2", "Each costs $4.20.", true, "4.20 is 4.2"},
	{"4.2", "Each costs $4.02.", false, "4.02 is not 4.2"},
	{"2500", "2.5e3", true, "an exponent"},
	{"24", "She has 24pears.", false, "24pears is one word"},
	{"3", "The answer is 3y.", false, "3y is a word, not the number 3"},
	{"7", "the 7th one", false, "an ordinal is not a number"},
	{"13", "9-4", false, "9-4 is 5"},
	{"5", "9-4", true, "9-4 is 5"},
	{"81", "3^4", true, "3^4 is 81"},
	{"28", "4 × 7", true, "4 × 7 is 28"},
	{"6", "18 ÷ 3", true, "18 ÷ 3 is 6"},
	{"35", "I don't know.", false, "no answer at all"},
	{"35", "", false, "an empty completion"},
}

// mathDatasetCases are MATH-style: LaTeX golds, boxed solutions.
var mathDatasetCases = []mathCase{
	{`\frac{17}{5}`, `$2+\frac{2}{5}+1=\boxed{\frac{17}{5}}$`, true, "boxed fraction"},
	{`\frac{17}{5}`, `\boxed{\dfrac{17}{5}}`, true, `\dfrac is \frac`},
	{`\frac{17}{5}`, `\boxed{\frac{34}{10}}`, true, "an unreduced fraction has the same value"},
	{`\frac{17}{5}`, `\boxed{3.4}`, true, "the exact decimal"},
	{`\frac{17}{3}`, `\boxed{5.666667}`, true, "decimal rounded to 6 places is 17/3 rounded"},
	{`\frac{17}{3}`, `\boxed{5.67}`, false, "5.67 is not 17/3 to 6 places"},
	{`\frac{17}{5}`, `\boxed{\frac{16}{5}}`, false, "16/5 is not 17/5"},
	{`\frac{1}{2}`, `\boxed{0.5}`, true, "0.5 is 1/2"},
	{`\frac{1}{2}`, `\boxed{\frac12}`, true, `\frac12 is 1/2`},
	{`\frac{1}{2}`, `\boxed{1/2}`, true, "1/2 is 1/2"},
	{`\frac{1}{2}`, `\boxed{50\%}`, true, "50% is 1/2"},
	{`-\frac{1}{2}`, `\boxed{\frac{-1}{2}}`, true, "the sign may sit in the numerator"},
	{`-\frac{1}{2}`, `\boxed{\frac{1}{-2}}`, true, "the sign may sit in the denominator"},
	{`-\frac{1}{2}`, `\boxed{\frac{1}{2}}`, false, "the sign matters"},
	{"7/8", `\frac{7}{8}`, true, "plain and LaTeX fractions"},
	{"-7/8", `-\frac{7}{8}`, true, "negative fractions"},
	{`2\sqrt{7}`, `\sqrt{28} = \boxed{2\sqrt{7}}`, true, "boxed radical"},
	{`2\sqrt{7}`, `\boxed{\sqrt{28}}`, true, "√28 is 2√7"},
	{`2\sqrt{7}`, `\boxed{\sqrt{27}}`, false, "√27 is not 2√7"},
	{`\frac{\sqrt{2}}{2}`, `\boxed{\frac{1}{\sqrt2}}`, true, "rationalised denominator"},
	{`\sqrt{7}`, `$\sqrt7 $`, true, "a one-character root needs no braces"},
	{`\sqrt{3}+\sqrt{7}`, `so it is $\boxed{\sqrt 3+\sqrt 7}$`, true, "roots with a space"},
	{`2`, `\boxed{\sqrt[3]{8}}`, true, "the cube root of 8 is 2"},
	{`6`, `\boxed{6\sqrt{3}}`, false, "6√3 is not 6"},
	{`1\sqrt{23}`, `\boxed{1}`, false, "√23 is not 1"},
	{`\frac{7}{3}\pi`, `So the volume is $\boxed{\frac73\pi}$.`, true, "one-digit fraction times π"},
	{`\frac{\pi}{2}`, `\boxed{\frac{1}{2}\pi}`, true, "π/2 is ½π"},
	{`\frac{\pi}{2}`, `\boxed{1.5708}`, false, "1.5708 is π/2 to 4 places only"},
	{`\frac{\pi}{2}`, `\boxed{1.570796}`, true, "π/2 to 6 places"},
	{`60^\circ`, `\boxed{60^\circ}`, true, "degrees"},
	{`60^\circ`, `\boxed{60}`, true, "a degree sign is dropped"},
	{`45^\circ`, `\boxed{45°}`, true, "Unicode degree sign"},
	{`60^\circ`, `\boxed{\frac{\pi}{3}}`, false, "degrees are not converted to radians (Math-Verify)"},
	{"3", "The squares below 50 ending in 4 or 9 are $2^2$, $3^2$ and $7^2$, so there are $\\boxed{3}$ of them.", true, "boxed inside a span"},
	{"0", "so the remainder is $\\boxed{0}.$", true, "boxed zero"},
	{`24\mbox{ cm}^2`, `$$\frac{1}{2}\times 6 \times 8 = \boxed{24\mbox{ cm}^2}.$$`, true, "units are dropped on both sides"},
	{"$340$ miles", `The trip is $\boxed{340\textnormal{ miles}}.$`, true, "units outside and inside the math"},
	{`-3,2`, `the integer roots are $\boxed{-3,2}.$`, true, "a list of roots"},
	{`-3,2`, `$\boxed{2,-3}$`, true, "a list in another order"},
	{`-3,2`, `$\boxed{-3}$`, false, "one root of two"},
	{`-3,2`, `$\boxed{-3,2,5}$`, false, "an extra root"},
	{"2", `so $2^{10} \equiv \boxed{2} \pmod{7}.$`, true, "boxed before a modulus"},
	{"$312_4$", `the sum is $\boxed{312_4}$. Note that $3_4+1_4=10_4$.`, true, "a number in base 4"},
	{"$312_4$", `the sum is $\boxed{322_4}$.`, false, "another base-4 number"},
	{"$(4,-7,12)$", `we find $(a,b,c) = \boxed{(4,-7,12)}.$`, true, "a tuple"},
	{"$(4,-7,12)$", `$\boxed{(4,12,-7)}$`, false, "a tuple's order matters"},
	{`2 \pm \sqrt{11}`, `$x = \boxed{2 \pm \sqrt{11}}.$`, true, "± answers"},
	{`2 \pm \sqrt{11}`, `$\boxed{2+\sqrt{11}, 2-\sqrt{11}}$`, true, "± is the set of both signs"},
	{`2 \pm \sqrt{11}`, `$\boxed{2+\sqrt{11}}$`, false, "one of the two"},
	{`\{2\pm\sqrt{3},-1\}`, `so the roots are $\boxed{\{2\pm\sqrt{3},-1\}}.$`, true, "± inside a set"},
	{`2 \sin a \sin b`, `\[\cos (a - b) - \cos (a + b) = \boxed{2 \sin a \sin b}.\]`, true, "product of functions"},
	{`2 \sin a \sin b`, `\boxed{2 \sin b \sin a}`, true, "factors in another order"},
	{`2 \sin a \cos b`, `\boxed{2 \sin b \cos a}`, false, "arguments swapped"},
	{`\frac{\pi s}{t+s}`, `the ratio is $\boxed{\frac{\pi s}{s + t}}$`, true, "a sum in another order"},
	{`\text{Marisol}`, `So $\boxed{\text{Marisol}}$ runs fastest.`, true, "a text answer"},
	{`\text{Marisol}`, `$\boxed{\text{marisol}}$`, true, "text compares case-insensitively"},
	{`\text{Marisol}`, `$\boxed{\text{Tobias}}$`, false, "another name"},
	{`\text{(C)}`, `$\boxed{\text{C}}$`, true, "a choice with or without brackets"},
	{`\text{(C)}`, `$\boxed{\text{(D)}}$`, false, "another choice"},
	{`[-2, -\frac{1}{3}) \cup (-\frac{1}{3}, 0) \cup (0, \infty)`, `$\boxed{[-2, -\tfrac13) \cup (-\tfrac13, 0) \cup (0, \infty)}.$`, true, "a union of intervals"},
	{`(-\infty, 2) \cup (2, \infty)`, `$\boxed{\mathbb{R} \setminus \{2\}}$`, true, "the same set of reals"},
	{`(-\infty, 2) \cup (2, \infty)`, `$\boxed{(2, \infty) \cup (-\infty, 2)}$`, true, "union in another order"},
	{`(-\infty, 2) \cup (2, \infty)`, `$\boxed{(-\infty, \infty)}$`, false, "2 is missing from the gold"},
	{`[1, 4]`, `$\boxed{[1, 3] \cup [3, 4]}$`, true, "touching closed intervals merge"},
	{`[1, 4]`, `$\boxed{[1, 3) \cup (3, 4]}$`, false, "3 is missing"},
	{`x \in \boxed{\{-3\} \cup [1,5)}.$`, `x \in \boxed{\{-3\} \cup [1,5)}.$`, true, "a point and an interval"},
	{`[2,5)`, `$[2,5)$`, true, "a half-open interval"},
	{`[2,6)`, `$[2,5)$`, false, "another endpoint"},
	{`(2,6)`, `$[2,6)$`, false, "brackets matter"},
	{`(-\infty, 4)`, `\boxed{(-\infty,4)}`, true, "an infinite interval"},
	{`(3, +\infty)`, `\boxed{(3, \infty)}`, true, "+∞ is ∞"},
	{`x^2+4x+4`, `\boxed{(x+2)^2}`, true, "a square expanded"},
	{`x^2+4x+4`, `\boxed{(x+2)^3}`, false, "another power"},
	{`x^2+4x+4`, `\boxed{(x-2)^2}`, false, "another sign"},
	{`\frac{y-5}{3}`, `$\frac{y}{3}-\frac{5}{3}$`, true, "a fraction split"},
	{`1+\cot^2(t)`, `$\csc^2(t)$`, true, "a trigonometric identity"},
	{`\sin^2 x + \cos^2 x`, `\boxed{1}`, true, "sin² + cos² = 1"},
	{`y+3m-2`, `$y-2$`, false, "a missing term"},
	{`(a+3)(b-1)`, `$(+3)(b-1)$`, false, "a missing variable"},
	{`3-4q`, `Thus $s-q=\boxed{3-4q}$.`, true, "an expression in a variable"},
	{`3-4q`, `Thus $s-q=\boxed{3-4r}$.`, false, "another variable"},
	{`\frac{3\sqrt{35}}{14}`, `\boxed{\frac{3\sqrt{35}}{14}}`, true, "a radical fraction"},
	{`\frac{3\sqrt{35}}{14}`, `\boxed{\frac{6\sqrt{35}}{28}}`, true, "an unreduced radical fraction"},
	{`\frac{\sqrt{\sqrt{7}+\sqrt{90}}}{8+3\sqrt{5}}`, `$\frac{\sqrt{\sqrt{90}+\sqrt{7}}}{3\sqrt{5}+8}$`, true, "nested radicals, terms swapped"},
	{`5`, `$\frac{21}{8}+\frac{\sqrt{410}}{8}$`, false, "about 5.156"},
	{`\frac{1}{7}`, `$0.142857142857$`, true, "a long decimal"},
	{`\frac{2}{3}`, `$0.667$`, false, "3 places are not 6"},
	{`\frac{2}{3}`, `$0.666667$`, true, "6 places"},
	{`(2,\frac{7}{4})`, `$(2,1.75)$`, true, "a decimal inside a pair"},
	{`(5, \frac{\pi}{3})`, `the polar coordinates are $\boxed{\left( 5, \frac{\pi}{3} \right)}.$`, true, `\left( and \right)`},
	{`\left(\frac{2}{7},\frac{5}{7}\right)`, `Thus, $(s,t) = \boxed{\left( \frac{2}{7}, \frac{5}{7} \right)}.$`, true, "an ordered pair"},
	{`\left(\frac{2}{7},\frac{5}{7}\right)`, `$\boxed{\left( \frac{5}{7}, \frac{2}{7} \right)}$`, false, "the pair reversed"},
	{`\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}`, `The matrix is $ \begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix} $.`, true, "a matrix"},
	{`\begin{bmatrix}2 & 0 \\0 & 2\end{bmatrix}`, `it is $ \begin{pmatrix}2 & 0 \\0 & 2\end{pmatrix} $`, true, "bmatrix and pmatrix"},
	{`\begin{pmatrix}2 & 5 \\7 & 1\end{pmatrix}`, `$ \left[\begin{array}{cc}2 & 5 \\7 & 1\end{array}\right] $`, true, "an array in brackets"},
	{`\begin{pmatrix}2 & 5 \\ 7 & 1\end{pmatrix}`, `$\begin{pmatrix}2 & 5 \\ 7 & 2\end{pmatrix}$`, false, "one entry differs"},
	{`\begin{pmatrix}2 & 5 \\ 7 & 1\end{pmatrix}`, `$\begin{pmatrix}2 & 7 \\ 5 & 1\end{pmatrix}$`, false, "the transpose"},
	{`\begin{pmatrix}5 & 1 \\ 3 & 3\end{pmatrix}`, `$\begin{pmatrix}1 & 0 \\ 2 & 3\end{pmatrix} + \begin{pmatrix}4 & 1 \\ 1 & 0\end{pmatrix}$`, true, "a matrix sum"},
	{`\begin{pmatrix}19 & 22 \\ 43 & 50\end{pmatrix}`, `$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} \begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$`, true, "a matrix product"},
	{`\begin{pmatrix} 4 \\ -1 \\ 5 \end{pmatrix}`, `$\boxed{\begin{pmatrix} 4 \\ -1 \\ 5 \end{pmatrix}}$`, true, "a column vector"},
	{`\begin{pmatrix}\frac{1}{4} & \frac{2}{5} \\ \frac{3}{8} & \frac{5}{6}\end{pmatrix}`, `$\begin{pmatrix}0.25 & 0.4 \\ 0.375 & \frac{5}{6}\end{pmatrix}$`, true, "decimal entries"},
	{`g(3) < g(0) < g(5)`, `so $\boxed{g(3) < g(0) < g(5)}.$`, true, "a chain of function values"},
	{`g(3) < g(0) < g(5)`, `so $\boxed{g(0) < g(3) < g(5)}.$`, false, "another order"},
	{`5+2i`, `\boxed{2i+5}`, true, "a complex number"},
	{`-1`, `\boxed{i^2}`, true, "i² is −1"},
	{`5`, `\boxed{\log_3 243}`, true, "log base 3 of 243"},
	{`1`, `\boxed{\ln e}`, true, "ln e"},
	{`24`, `\boxed{4!}`, true, "factorial"},
	{`15`, `\boxed{\binom{6}{2}}`, true, "binomial coefficient"},
	{`7`, `\boxed{|-7|}`, true, "absolute value"},
	{`\infty`, `\boxed{\infty}`, true, "infinity"},
	{`\infty`, `\boxed{-\infty}`, false, "the sign of infinity"},
	{`e`, `$\boxed{\text{e}}$`, true, "e as text"},
	{`\frac{1}{1999!}`, `\boxed{\frac{1}{2001!}}`, false, "tiny but different, compared exactly"},
	{`\frac{1}{3^{60}}`, `\boxed{\frac{1}{3^{59}}}`, false, "compared exactly"},
	{`2^{100}`, `\boxed{1267650600228229401496703205376}`, true, "a big power exactly"},
	{`2^{100}`, `\boxed{1267650600228229401496703205377}`, false, "off by one"},
	{`\dfrac{5}{6}`, "The answer is \\[ \\frac{5}{6} \\]", true, "display math"},
	{"$8$", `Result \[ 8 \]`, true, "display brackets"},
	{"$8$", "Result $ 8 $", true, "inline dollars"},
	{"$8$", "Result $$ 8 $$", true, "display dollars"},
	{"$8$", `Result \( 8 \)`, true, "inline parentheses"},
	{"$8$", "Result $ \n 8 \n $", false, "inline math cannot span lines"},
	{"$8$", "Result \\( \n 8 \n \\)", false, "inline math cannot span lines"},
	{"$8$", "Result \\[ \n 8 \n \\]", true, "display math may span lines"},
	{"$7/4$", `Cost $ \frac{1}{3} \$ = \frac{7}{4} $`, true, "an escaped dollar inside math"},
	{"$2/5$", `$\left( \frac{2}{5} \right)$`, true, "sizing commands"},
	{"$2/5$", `$\frac{2}{5} \text{liters}$`, true, "a text unit"},
	{"$2/5$", `$\frac{2}{5} \textbf{liters}$`, true, "a bold text unit"},
	{"$2/5$", `$m = \frac{2}{5}$`, true, "an assignment answers its value"},
	{`\$2814.06`, `the account holds $\boxed{\$2814.06}$ after 3 years.`, true, "currency inside a box"},
	{"$4.35$", `so one kilo costs $4.35 in all. Final Answer: The final answer is 4.35.`, true, "final answer in plain text"},
	{`m \ge 3`, `$$\boxed{m \ge 3}$$`, true, "an inequality"},
	{`\frac{2}{7}`, `$\frac{2}{7} \approx 0.29$`, true, "an approximation after the value is dropped"},
	{`0.29`, `$t \approx 0.29$`, true, "t ≈ 0.29 is 0.29"},
	{`\sqrt{11}`, `\boxed{3.316625}`, true, "√11 to 6 places"},
	{`10000`, `\boxed{10^4}`, true, "a power of ten"},
	{`2500`, `\boxed{2.5 \times 10^{3}}`, true, "scientific notation"},
	{`\frac{-1+\sqrt{5}}{2}`, `\boxed{\frac{\sqrt{5}-1}{2}}`, true, "terms swapped"},
	{"7", `\boxed{\text{7}}`, true, `\text around a number`},
	{"composite", `$\boxed{composite}$`, true, "a word written as letters"},
	{`\text{composite}`, `$composite$`, true, "text and letters"},
	{`\text{Neither}`, `$Neither$`, true, "text and letters, capitalised"},
	{`\text{F}`, `$F$`, true, "a text letter"},
	{"g", `$\text{H}$`, false, "another letter"},
}

// numinaCases are NuminaMath-style: several solutions, assignments,
// ratios and sets of tuples.
var numinaCases = []mathCase{
	{`(2,5,1),(5,2,1),(1,1,3),(3,1,1)`, `$\boxed{(1, 1, 3), (3, 1, 1), (5, 2, 1), (2,5,1)}$`, true, "a set of tuples in another order"},
	{`(2,5),(5,2,1),(1,1,3),(3,1,1)`, `$\boxed{(1, 1, 3), (3, 1, 1), (5, 2, 1), (2,5,1)}$`, false, "one tuple differs"},
	{`(m,n)=(4,7)`, `$(4,7)$`, true, "an assignment of a pair"},
	{`(m,n)=(4,7)`, `$(7,4)$`, false, "the pair reversed"},
	{`(1;0;2),(1;-3;2),(0;0;2)`, `\boxed{(0, 0, 2), (1, -3, 2), (1, 0, 2)}`, true, "semicolons inside tuples"},
	{`2\leq|w|\leq \frac{5}{2}`, `$w \in \left[-\frac{5}{2}, -2\right] \cup \left[2, \frac{5}{2}\right]$`, true, "an absolute-value inequality as a union"},
	{`-9;-7;-4;-1`, `$\boxed{\{-9, -7, -4, -1\}}$`, true, "a semicolon list as a set"},
	{`PQ=6,RS=9`, `$\boxed{6, 9}$`, true, "assignments answered by values"},
	{`(13,5)or(5,13)`, `$\boxed{(5,13),\ (13,5)}$`, true, `"or" joins solutions`},
	{`S_{ADE}:S=5:18`, `$\boxed{5:18}$`, true, "a ratio"},
	{`V_{A}:V_{B}=9:14`, `$9:14$`, true, "a ratio of volumes"},
	{`V_{A}:V_{B}=9:14`, `$14:9$`, false, "the ratio reversed"},
	{`\frac{PM}{MQ}=\frac{2}{\sqrt{5}}`, `$\frac{2}{\sqrt{5}}$`, true, "a ratio of lengths"},
	{`p=3,q=5;p=5,q=3`, `$(3,5),(5,3)$`, true, "groups of assignments as tuples"},
	{`(a,b,c)=(2,9,4)`, `$(2,9,4)$`, true, "an assignment of a triple"},
	{`(3,1),(1,3),(-2,-15),(-15,-2)`, "the pairs are:\n\n\\[\n\\boxed{(1, 3)}, \\boxed{(3, 1)}, \\boxed{(-2, -15)}, \\boxed{(-15, -2)}\n\\]", true, "several boxes form a set"},
	{`\(\boxed{3}\) and \(\boxed{-4}\).`, `$\boxed{-4,3}$.`, true, "boxes joined by and"},
	{`$4$ and $5$ and $6$`, `$\boxed{4,5,6}$`, true, "spans joined by and"},
	{`$14,9$ or $27$`, `$14,9,27$`, true, "spans joined by or"},
	{`\boxed{x = -2,\ q = \frac{11}{5}}`, `$\boxed{-2, \frac{11}{5}}$`, true, "assignments in a list"},
	{`\boxed{b=3,\,-6,\,-9}`, `$\boxed{-9,-6,3}$`, true, "one assignment then values"},
	{`\[ \boxed{t = -3 \text{ and } t = \dfrac{7}{4}} \]`, `$t=-3,t=\frac{7}{4}$`, true, "and inside a box"},
	{`0<g(t)<2`, `$(0,2)$`, true, "an inequality chain as an interval"},
	{`\(\boxed{7 \text{ and } 10}\)`, `$\boxed{7,10}$`, true, `\text{ and } is a comma`},
	{`-41 < a < 17`, `$$(-41, 17)$$`, true, "a chain as an open interval"},
	{`-41 < a < 17`, `$$[-41, 17)$$`, false, "a bracket differs"},
	{`-3 \le x \le 8`, `$x \in [-3,8]$`, true, "x ∈ [−3, 8] is the interval"},
	{`x \in [-3,8]`, `$-3 \le x \le 8$`, false, "a gold set is not answered by restating an inequality"},
	{`x > 3`, `$(3, \infty)$`, true, "a gold inequality as an interval"},
	{`x \geq 3`, `$[3, \infty)$`, true, "closed at 3"},
	{`x \geq 3`, `$(3, \infty)$`, false, "open at 3"},
	{`2x - 6 < 0`, `$(-\infty, 3)$`, true, "a linear inequality solved"},
	{`-2x + 6 < 0`, `$(3, \infty)$`, true, "a negative slope flips the side"},
	{`x \neq 3`, `$(-\infty, 3) \cup (3, \infty)$`, true, "everything but 3"},
	{`\pm 2025`, `$2025$`, false, "one sign of two"},
	{`\pm 2025`, `${-2025, 2025}$`, true, "both signs"},
	{`k=2, 4, 6`, `$k=2, 4, 6$`, true, "the same list"},
	{`k=4, 6, 8`, `$k=2, 4, 6$`, false, "another list"},
	{`E = (0, 2)`, `$E = (0, 2)$`, true, "an assigned interval"},
	{`E = (0, 2)`, `$E = (0, 2.5)$`, false, "another endpoint"},
	{`23, 51, and 88`, `$23, 51, \text{ and } 88$`, true, "an Oxford comma"},
	{`23, 51, and 88`, `$25, 50, and 88$`, false, "other numbers"},
	{`10:30`, `$10:30$`, true, "a time, compared as written"},
	{`10:30`, `$1:30$`, false, "another time"},
	{`0.45 \text{ yuan}`, `$$\boxed{0.45 \text{ yuan}}$$`, true, "a currency unit"},
	{`(4, 9), (9, 4)`, `$$\boxed{(x, y) = (4, 9) \quad \text{and} \quad (9, 4)}$$`, true, "an assignment then a pair"},
	{`b_2 = 5, b_{11} = 14`, `$$\boxed{b_{11} = 14, \quad b_2 = 5}$$`, true, "assignments in another order"},
	{`b_2 = 5, b_{11} = 14`, `$$\boxed{b_{11} = 5, \quad b_2 = 14}$$`, false, "each assignment keeps its variable"},
	{`b +2w = 0`, `$0$`, false, "an equation is not its right side"},
	{`3x + y = 2`, `$2$`, false, "an equation is not its right side"},
	{`c^2 + d = 0`, `$0$`, false, "an equation is not its right side"},
	{`5 = 7m+n`, `$7m+n$`, false, "an equation is not its side"},
	{`t=4`, `$4$`, true, "an assignment answered by its value"},
	{`4`, `$t=4$`, true, "a value answered by an assignment"},
	{`|CD|=3`, `$$3$$`, true, "an assigned length"},
	{`C:D=2`, `$$2$$`, true, "an assigned ratio"},
	{`g(t)=5`, `$$5$$`, true, "an assigned function value"},
	{`w = 2 + 2 = 4`, `$w = 3+1 = 4$`, true, "chains keep the first left and last right side"},
	{`y = 13`, `$y = 6+6+1 = 9 =13$`, true, "a chain ending in 13"},
	{`y = 2/7`, `$y = 1+1 = 2/7 \approx 5$`, true, "an approximation after the chain is dropped"},
	{`13`, `$y\approx13$`, true, "y ≈ 13 is 13"},
	{`2/9`, `$y=2/9\approx0.2$`, true, "the value before the approximation"},
	{`y >= 4`, `So $y \geq 4$ holds.`, true, "ASCII and LaTeX ≥"},
	{`y < 6`, `We get $y \lt 6$.`, true, `\lt`},
	{`y \leq 1`, `Hence $y <= 1$.`, true, "ASCII ≤"},
	{`y > 2`, `Hence $y \gt 2$.`, true, `\gt`},
	{`y != 7`, `We get $y \neq 7$.`, true, "ASCII ≠"},
	{`y > 2`, `Hence $y < 2$.`, false, "the opposite inequality"},
	{`y \geq 4`, `So $y \leq 4$`, false, "the opposite inequality"},
	{`y \leq 9`, `$9 \geq y$`, true, "an inequality read backwards"},
	{`y \geq 9`, `$9 \leq y$`, true, "an inequality read backwards"},
	{`y < 2`, `$-y > -2$`, true, "both sides negated"},
	{`y < 2`, `$y > -2$`, false, "another inequality"},
	{`y <= 2`, `$-y >= -2$`, true, "both sides negated"},
	{`y < 2`, `$3y < 6$`, true, "both sides tripled"},
	{`3x+6y-2=0`, `$y=-\frac{1}{2}x+\frac{1}{3}$`, true, "a line solved for y"},
	{`x^2/9 + y^2/5 = 1`, `$x^2/18 + y^2/10 = 1/2$`, true, "an ellipse scaled"},
	{`12x-7y+5z-30=0`, `$-12x+7y-5z+30=0$`, true, "a plane with both sides negated"},
	{`12x-7y+5z-30=0`, `$12x-7y+5z+30=0$`, false, "another plane"},
	{`2x+y-3z+4=0`, `$$2(x-1)+(y-3)-3(z-3)=0\Rightarrow\boxed{2x+y-3z+4=0}.$$`, true, "a boxed plane"},
	{`y = 5x - 2`, `$\boxed{y = -2 + 5x}$`, true, "terms in another order"},
	{`y = 5x - 2`, `$\boxed{y = -5x + 2}$`, false, "signs swapped"},
	{`x^2 = 9`, `$\boxed{x = 3}$`, false, "one root of two"},
	{`G_m = \sum_{j=0}^{m-1} G_j G_{m-j-1}`, `$G_m = \sum_{j=0}^{m-1} G_{m-j-1} G_j$`, true, "a sum with factors swapped"},
	{`G_m = \sum_{j=0}^{m-1} G_j G_{m-j-1}`, `$G_m = \sum_{j=0}^{m-2} G_j G_{m-j-2}$`, false, "another sum"},
	{`210`, `\boxed{\sum_{k=1}^{20} k}`, true, "a sum with numeric bounds"},
	{`(5,2)`, `${2,5}$`, false, "a pair against a set in another order"},
	{`(2,5)`, `${2,5}$`, true, "a pair against a set in the same order"},
	{`\{2,5\}`, `$(5,2)$`, true, "a gold set takes a tuple in any order"},
	{`(4,5,6)`, `$4,5,6$`, true, "a gold tuple takes a list in its order"},
	{`(4,5,6)`, `$6,5,4$`, false, "a gold tuple takes a list in its order only"},
}

// openThoughtsCases are OpenThoughts-style: long reasoning, boxes
// everywhere.
var openThoughtsCases = []mathCase{
	{`$$\boxed{3}, \boxed{5}, \boxed{11}$$`, `$${3, 5, 11}$$`, true, "boxes separated by commas form a set"},
	{`$$g(u) = 2u$$`, `$$g(u) = 2u$$`, true, "the same function"},
	{`$$\text{The diagonals bisect each other}$$`, `$$\text{The diagonals bisect each other}$$`, true, "the same sentence"},
	{`$$\text{The diagonals bisect each other}$$`, `$$\text{The diagonals are equal}$$`, false, "another sentence"},
	{`$$(1, 4), (2, 2), (4, 1)$$`, `$$\boxed{(1, 4), (2, 2), (4, 1)}$$`, true, "pairs in one box"},
	{`$$x = \frac{1}{3}, x = \frac{-2 \pm \sqrt{7}}{3}$$`, `$$\boxed{x = \frac{1}{3}, x = \frac{-2 \pm \sqrt{7}}{3}}$$`, true, "± inside a fraction"},
	{`$$853$$`, `$$\boxed{853}$$`, true, "a boxed number"},
	{`$$9 \text{ and } 12$$`, `$$\boxed{9 \text{ and } 12}$$`, true, `"and" in text`},
	{`$$(3, 1), (5, 7)$$`, `$$\boxed{(3, 1)} \quad \text{and} \quad \boxed{(5, 7)}$$`, true, "boxes joined by and"},
	{`$$(4, 2), (2, 4)$$`, `$$\boxed{(4, 2)} \text{ for the first case and } \boxed{(2, 4)}$$`, true, "boxes joined within 70 bytes"},
	{`$$m = 30, r = 6$$`, `$$\boxed{m = 30} \quad \text{and} \quad \boxed{r = 6}$$`, true, "boxed assignments"},
	{`$${4,5,6}$$`, `\boxed{4} and \boxed{5} and \boxed{6}`, true, "boxes joined by and"},
	{`$${4,5,6}$$`, `\boxed{4},\boxed{5},\boxed{6}`, true, "boxes joined by commas"},
	{`\boxed{7} cups and \boxed{9} plates`, `$\boxed{7,9}$`, true, "boxes 10 bytes apart with and"},
	{`\boxed{7} then many more words \boxed{9}`, `$\boxed{7,9}$`, false, "boxes far apart without a separator: only the last counts"},
	{`$t_{1}=2^{\frac{1+\sqrt{5}}{2}},\quadt_{2}=2^{\frac{1-\sqrt{5}}{2}}$`, `$\boxed{2^{\frac{\sqrt{5}+1}{2}}} \quad \text{and} \quad \boxed{2^{-\frac{\sqrt{5}-1}{2}}}$`, true, "two roots boxed separately"},
	{`$y_{1}=x^{2}-6x+11, y_{2}=2x^{2}+8x+5$`, `\($y_1 = \boxed{(x - 3)^2 + 2} \) and \( y_2 = \boxed{2(x + 2)^2 - 3} \) `, true, "two boxed polynomials"},
	{"615", "Right, so \\boxed{615}.,but let me explain once more.\n\n**Final Answer**\n\\boxed{615}", true, "the same box repeated"},
	{"007", " so the code is \\boxed{007}.\n\nChecking: the last three digits are 007, so \\boxed{007} stands.\n\n**Final Answer**\n\\boxed{007}", true, "leading zeros"},
	{"214", "<think>So 500 - 286 = 214. Therefore, the answer is 214. But wait, let me check", true, "an unfinished thought is read whole"},
	{"214", "<think>So the answer is 214.</think>\nThe answer is $\\boxed{214}$.", true, "the answer after the thinking"},
	{"214", "<think>So the answer is 214.</think>\nI am not sure.", false, "an answer stated only while thinking does not count"},
	{"214", "<think>Maybe 213.</think>\n**Final Answer**\n\\boxed{214}", true, "after the thinking"},
	{"214", "<think>Maybe 214.</think>\n**Final Answer**\n\\boxed{213}", false, "the answer after the thinking is 213"},
	{`3, -5`, "<think>... g(n) = n gives n = 3 or n = -5 ...</think> So the integers are \\[ \\boxed{-5} \\quad \\text{and} \\quad \\boxed{3}. \\]", true, "two boxes after the thinking"},
	{"15", `a total drop of $\boxed{15\%}$`, false, "15% is 0.15, not 15"},
	{`15\%`, `$$\frac{3}{20} \times 100\% = \boxed{15\%}$$ Final Answer: The final answer is $15\%$. I hope it is correct.`, true, "percent in the final answer"},
	{`$35\%$`, `$35$ %`, true, "a percent sign after the span"},
	{`$35\%$`, `$35$ percent`, true, "a percent word after the span"},
	{`$35\%$`, `$\boxed{35}$ pct`, true, "a percent word after the box"},
	{`$35\%$`, `$\boxed{35 pct}$`, true, "a percent word in the box"},
	{`$35\%$`, `$\boxed{35 percent}$`, true, "a percent word in the box"},
	{`$35\%$`, `$\boxed{35 percentage}$`, true, "a percentage word in the box"},
	{`$35\%$`, "35 %", true, "a spaced percent sign"},
	{"48000016", `Since $20,\!000,\!000 + 28,\!000,\!016 = 48,\!000,\!016$, the sum is $\boxed{48,\!000,\!016}$`, true, `thousands written with \!`},
	{`22222222200`, `is $\boxed{22,\! 222,\! 222,\! 200}$`, true, "thousands with spaces after the commas"},
	{`45678`, `is $\boxed{45,\! 678}$`, true, "thousands"},
	{`45678`, `is $\boxed{45, 678}$`, false, "a comma and a space separate list items"},
	{"3999960", "So the sum is $24 \\cdot 166665 = \\boxed{3999960}$.", true, "a large boxed number"},
	{`\boxed{3}\boxed{8}`, `$\boxed{3,8}$`, true, "adjacent boxes"},
	{`$\boxed{12 cm} ++++ \boxed{5}$`, `${12 cm,5}$`, true, "units in a set"},
}

// completionCases are model outputs with several candidate answers.
var completionCases = []mathCase{
	{"5", "Thus, the value is $5$. We can check: $2 + 3 = 5$.", true, "a checking equation ends in the answer"},
	{"5", "Therefore $a = 2$ and $b = 3$, so $a + b = 5$.", true, "an equation answer counts by its right side"},
	{"5", "The answer is $x$ where x = 5", true, "the number after the answer word ends later than $x$"},
	{"2", "The answer is $\\boxed{2}$.\n\nWait, let me double-check. $1+1 = 2$. Yes.", true, "the box beats later spans"},
	{"3", `I think it's \boxed{3}. Hmm, actually it is \boxed{2}.`, false, "two boxes with a comma between form the set {3, 2}"},
	{"2", `I think it's \boxed{3}. Hmm, actually it is \boxed{2}.`, false, "the set {3, 2} is not 2"},
	{`\frac{5}{2}`, `$\frac{5}{2}$ or $2.5$`, true, "5/2 and 2.5 are one value: the set has one element"},
	{"3.14", `$\approx 3.14$`, false, "an approximation with nothing before it is no answer (Math-Verify)"},
	{"6", `The number of ways is $\binom{4}{2} = 6$.`, true, "an equation ending in the answer"},
	{"42", `\textbf{Answer: } 42`, true, "a bold answer word"},
	{"-4", `$\boxed{−4}$`, true, "a Unicode minus"},
	{"4", `$\boxed{−4}$`, false, "−4 is not 4"},
	{"1/2", "one half", false, "words are not numbers"},
	{`8`, `$\boxed{8\,\text{cm}}$`, true, "a unit after a thin space"},
	{`1.5 \mathrm{~m}`, `$\boxed{1.5}$`, true, "a roman unit with a tie"},
	{`36\pi`, `$36 \pi \text{ cm}^2$`, true, "a unit with a power"},
	{`36\pi`, `$113.097336$`, true, "36π to 6 places"},
	{`y=\frac{1}{2}x-3`, `$\boxed{x-2y-6=0}$`, true, "a line in general form"},
	{`(a,b)=(1,2)`, `$\boxed{a=1,b=2}$`, true, "an assigned pair answered by assignments in order"},
	{`e^{i\pi}`, `$-1$`, true, "Euler's identity"},
	{`\cos^2\theta - \sin^2\theta`, `$\cos 2\theta$`, true, "a double-angle identity"},
	{`\frac{-b+\sqrt{b^2-4ac}}{2a}`, `$\boxed{\frac{\sqrt{b^2-4ac}-b}{2a}}$`, true, "the quadratic formula rearranged"},
	{`\dfrac{x^2-1}{x-1}`, `$x+1$`, true, "equal wherever both are defined"},
	{`\sqrt[4]{16}`, `$2$`, true, "a fourth root"},
	{`(1, 2, 3)`, `$\langle 1, 2, 3 \rangle$`, true, "angle brackets make a tuple"},
	{`-1 < x < 1`, `$(-1,1)$`, true, "a gold chain as an interval"},
	{`(-1,1)`, `$-1 < x < 1$`, false, "a gold interval is not answered by a chain"},
	{`\det A = 5`, `$5$`, false, "det A is not a variable: not an assignment"},
	{`\text{June 5}`, `$\boxed{\text{June 5}}$`, true, "a date as text"},
}

func allMathCases() map[string][]mathCase {
	return map[string][]mathCase{
		"issue": issueCases, "gsm8k": gsm8kCases, "math": mathDatasetCases,
		"numina": numinaCases, "openthoughts": openThoughtsCases, "completion": completionCases,
	}
}

func TestMathCases(t *testing.T) {
	n := 0
	for set, cases := range allMathCases() {
		for i, c := range cases {
			n++
			got, err := Math{}.Verify(context.Background(), c.gold, c.pred)
			if err != nil || got != c.want {
				t.Errorf("%s[%d] (%s): Verify(%q, %.200q) = %v, %v; want %v", set, i, c.why, c.gold, c.pred, got, err, c.want)
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d cases", n)
	}
	t.Logf("%d cases", n)
}

// Every case whose gold is a plain number and whose verdict is "wrong"
// must stay wrong: a false "correct" teaches a policy to exploit it.
func TestMathNoFalseCorrectOnNumbers(t *testing.T) {
	for set, cases := range allMathCases() {
		for i, c := range cases {
			if _, err := ParseNumber(c.gold); err != nil || c.want || strings.ContainsAny(c.gold, `\$`) {
				continue
			}
			if got, _ := (Math{}).Verify(context.Background(), c.gold, c.pred); got {
				t.Errorf("%s[%d] (%s): %q judged correct for gold %q", set, i, c.why, c.pred, c.gold)
			}
		}
	}
}

// The false "correct"s the issue found in a last-number verifier, each a
// test of its own, against Math and against Numeric (Math for numeric
// labels).
func TestMathIssueFalsePositives(t *testing.T) {
	for _, c := range []struct{ name, gold, pred string }{
		{"last-number-of-formula", "2", `$\frac{1+\sqrt{5}}{2}$`},
		{"last-number-of-bare-formula", "2", `the ratio is \frac{1+\sqrt{5}}{2}`},
		{"digit-inside-word", "2", "AZYUK2A"},
		{"endpoint-of-interval", "1", "[0,1)"},
		{"endpoint-of-interval-in-math", "1", "So $x \\in [0,1)$."},
	} {
		t.Run(c.name, func(t *testing.T) {
			if ok, err := (Math{}).Verify(context.Background(), c.gold, c.pred); ok || err != nil {
				t.Errorf("Math: %q judged %v, %v for gold %q", c.pred, ok, err, c.gold)
			}
			if v, err := (Numeric{}).Score(context.Background(), Sample{Completion: c.pred, Label: c.gold}); v != 0 || err != nil {
				t.Errorf("Numeric: %q scored %v, %v for gold %q", c.pred, v, err, c.gold)
			}
		})
	}
}
