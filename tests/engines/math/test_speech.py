"""The formulas' speech (issue 58, chalicelib/engines/math): Speech Rule Engine's ClearSpeak words
for MathML, MathJax's MathML for LaTeX, in a bounded Node child; what a document's formula words
get (`spoken`, the MathML of a LaTeX formula, English where the page's language has no rules)."""
from __future__ import annotations

from chalicelib.engines import math
from chalicelib.media.flow import formula
from chalicelib.structure import elements

QUADRATIC = ('<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi><mo>=</mo><mfrac><mrow><mo>-</mo><mi>b</mi>'
             "<mo>±</mo><msqrt><msup><mi>b</mi><mn>2</mn></msup><mo>-</mo><mn>4</mn><mi>a</mi><mi>c</mi></msqrt></mrow>"
             "<mrow><mn>2</mn><mi>a</mi></mrow></mfrac></math>")


def test_the_engine_is_installed_by_the_projects_files():
    assert math.available(), "make venv installs chalicelib/engines/math's packages (npm ci) and Node.js"


def test_clearspeak_says_a_formula_as_a_teacher_does():
    got = math.run([{"id": 0, "mathml": QUADRATIC, "locale": "en"},
                    {"id": 1, "tex": r"\int_0^1 x^2\,dx = \frac{1}{3}", "locale": "en"},
                    {"id": 2, "tex": r"\frac{", "locale": "en"},
                    {"id": 3, "mathml": QUADRATIC, "locale": "de"}])
    assert got[0]["speech"] == ("x equals, the fraction with numerator negative b plus or minus the square root of b "
                                "squared minus 4 a c, and denominator 2 a")  # the rules' pauses as commas
    assert got[1]["speech"].startswith("the integral from 0 to 1 of x squared")
    assert "<msubsup>" in got[1]["mathml"] or "<munderover>" in got[1]["mathml"]  # MathJax's MathML for the LaTeX
    assert "merror" in got[2]["mathml"]  # a broken formula says so (speak() turns it into an error)
    assert got[3]["speech"].startswith("x ist gleich")  # the page's language where the rules have it


def test_a_binomial_is_n_choose_k_and_a_column_stays_a_column():
    got = math.run([{"id": 0, "tex": r"P(E) = {n \choose k} p^k", "locale": "en"},
                    {"id": 1, "tex": r"\binom{n}{k}", "locale": "en"},
                    {"id": 2, "tex": r"\begin{pmatrix}1\\2\end{pmatrix}", "locale": "en"},
                    {"id": 3, "tex": r"\binom{n}{k} \begin{pmatrix}1\\2\end{pmatrix}", "locale": "en"}])
    assert "n choose k" in got[0]["speech"] and got[1]["speech"] == "n choose k"
    assert "column matrix" in got[2]["speech"] and "choose" not in got[2]["speech"]
    assert got[3]["speech"].startswith("n choose k") and "column matrix" in got[3]["speech"]  # both, side by side


def test_an_align_of_one_line_is_its_equation_and_a_row_of_values_stays_a_matrix():
    """MathJax writes LaTeX's align* as a table: one line of it was said "1 lines, Line 1: ...". The
    one row's cells are the equation; two lines stay lines, a row of values a row matrix."""
    got = math.run([{"id": 0, "tex": r"\begin{align*} x &= a + b \end{align*}", "locale": "en"},
                    {"id": 1, "tex": r"\begin{align*} x &= a + b \\ y &= c \end{align*}", "locale": "en"},
                    {"id": 2, "tex": r"\begin{matrix} 1 & 2 & 3 \end{matrix}", "locale": "en"},
                    {"id": 3, "tex": r"\begin{aligned} \frac{1}{2} \end{aligned}", "locale": "en"}])
    assert math.pauses(got[0]["speech"]) == "x equals a plus b"
    assert got[1]["speech"].startswith("2 lines")
    assert "1 by 3 row matrix" in got[2]["speech"]
    assert "line" not in got[3]["speech"].lower() and "half" in got[3]["speech"]


def test_an_aligns_empty_cells_a_subscript_made_smaller_and_a_star_superscript():
    """What authors write for the page's look is not said: an align's empty cells ("& 0! = 1") were
    "blank", x_{_{a}} (an empty base's subscript, for a smaller one) "x sub, sub a", t^{\\star} "t raised
    to the star power". A matrix's empty cell is still a blank."""
    got = math.run([{"id": 0, "tex": r"\begin{align*} & 0! = 1 \\ & 1! = 1 \end{align*}", "locale": "en"},
                    {"id": 1, "tex": r"Z_{_{\text{Erik}}} = x_{_{i}}", "locale": "en"},
                    {"id": 2, "tex": r"t^{\star}_{df} \times SE", "locale": "en"},
                    {"id": 3, "tex": r"\begin{matrix} 1 & \\ 2 & 3 \end{matrix}", "locale": "en"}])
    assert "blank" not in got[0]["speech"] and "0 factorial" in got[0]["speech"]
    assert math.pauses(got[1]["speech"]) == "Z sub Erik, equals, x sub i"
    assert math.pauses(got[2]["speech"]).startswith("t sub d f star")
    assert "blank" in got[3]["speech"]


def test_partial_is_said_partial_in_english_only():
    got = math.run([{"id": 0, "tex": r"\frac{\partial f}{\partial x}", "locale": "en"},
                    {"id": 1, "tex": r"\partial f", "locale": "de"}])
    assert "partial f" in got[0]["speech"] and "differential" not in got[0]["speech"]
    assert "partial" not in got[1]["speech"]
    assert math.run([{"id": 0, "tex": r"\nabla \cdot E", "locale": "en"}])[0]["speech"].startswith("del ")


def spoken(*formulas: str, locale: str = "en") -> list[str]:
    """Each LaTeX formula's words (or its error), in one child."""
    got = math.run([math.job(k, {"latex": tex}, locale) for k, tex in enumerate(formulas)])  # as the worker sends it
    return [got[k].get("speech") or got[k].get("error") for k in range(len(formulas))]


def test_a_functions_argument_is_said_as_a_teacher_says_it():
    said = spoken(r"P(A, B) := \frac{|A \cap B|}{|B|}", r"\alpha_A(\lambda_i) + f(\hat{y}) + \min(K, M)",
                  r"\log(1 + r) + g(x^2)", r"T^{-1}\left(\begin{bmatrix}1&2\\3&4\end{bmatrix}\right) = 5",
                  r"\Pr(y | p) + |x| + \{x | x > 0\}", r"tp \times fp - f(x)", r"\sum_j (x_j - x_i)(x_j + 1)")
    said.append(spoken(r"P(A, B)", locale="de")[0])
    # a list, one term with a subscript or an accent, a matrix: no parentheses said; := in words
    assert said[0].startswith("P of A comma B is defined as the fraction with numerator")
    assert said[1] == "alpha sub A, of lambda sub i, plus f of y hat, plus min of K comma M"
    # one compound term, or a power, keeps them ("the log of 1 plus r" could be log 1, plus r)
    assert said[2] == "the log of, open paren, 1 plus r, close paren, plus g of, open paren, x squared, close paren"
    assert said[3].startswith("T inverse of the 2 by 2 matrix") and "paren" not in said[3]
    # a bar inside a function's argument is "given"; elsewhere it keeps its reading
    assert said[4] == "the probability of y given p, plus, the absolute value of x, plus the set of all x such that x is greater than 0"
    assert said[5] == "t p, times f p, minus f of x"  # a letter before a letter is a product; f(x) stays "f of x"
    assert "open paren" in said[6] and "times, open paren" in said[6]  # a sum's factors keep theirs
    assert "Klammer" in said[7] and "flattened" not in said[7]  # other languages: the rules as they are


def test_money_is_said_as_an_amount_and_a_bar_before_a_distribution_is_given():
    """$17.60 is "17.60 dollars" (SRE: "dollar sign 17.60", a source word heard), $1 "1 dollar";
    X | p ~ Beta(a, b) is "X given p" (SRE: "divides"), and a CamelCase name after ~ is a distribution;
    m | n alone still divides, and f(n) ~ g(n) is still "tilde"."""
    said = spoken(r"\frac{\$11000}{625\text{ hours}} = \$17.60", r"\$1 + \pounds 5",
                  r"\begin{align*} p &\sim \mathrm{Beta}(\alpha, \beta) \\ X \mid p &\sim \mathrm{NegativeBinomial}(n, p) \end{align*}",
                  r"m \mid n", r"f(n) \sim g(n)")
    assert math.pauses(said[0]) == "11000 dollars over 625 hours, equals 17.60 dollars" and "sign" not in said[0]
    assert said[1] == "1 dollar plus 5 pounds"  # LaTeX's \pounds, which MathJax does not know
    assert "X given p; is distributed as NegativeBinomial" in said[2] and "divides" not in said[2]
    assert said[3] == "m divides n" and "tilde" in said[4]


def test_quantities_with_units_approximations_maps_and_delta():
    """The units package's and siunitx's quantities are a number and its unit's words (MathJax knew
    neither: "backslash unit 2 times k g"), shown as the unit's symbols; an author's \\text{ m} after a
    number too. ≈ "is approximately equal to" (SRE: "almost equals"), ↦ "maps to" (SRE: "right arrow
    from bar"), Δ "Delta" (SRE: "triangle"), L^{-1}{F} "L inverse of F"."""
    got = math.run([{"id": 0, "tex": r"m=\unit[2]{kg}", "locale": "en"},
                    {"id": 1, "tex": r"k=\unitfrac[8]{N}{m}", "locale": "en"},
                    {"id": 2, "tex": r"a = \SI{9.8}{\meter\per\second\squared} + \qty{1}{\second}", "locale": "en"}])
    assert [math.pauses(got[k]["speech"]) for k in range(3)] == [
        "m equals 2 kilograms", "k equals 8 newtons per meter", "a equals 9.8 meters per second squared plus 1 second"]
    assert "<mtext>kg</mtext>" in got[0]["mathml"] and "backslash" not in got[1]["speech"]  # shown as printed
    said = spoken(r"x(2) \approx 3.44 \text{ m}", r"x \mapsto \frac{e^x}{1 + e^x}", r"\Delta t",
                  r"\mathcal{L}^{-1} \{ F \}", r"5 \text{ apples}", r"\det A \overset{\text{def}}{=} ad - bc")
    assert said[0].endswith("is approximately equal to 3.44 meters") and "almost" not in said[0]
    assert said[1].startswith("x maps to") and said[2] == "Delta t"
    assert said[3] == "script L inverse of F" and said[4] == "5 apples" and "is defined as" in said[5]


def test_limits_named_functions_and_transposes_are_said_in_words():
    said = spoken(r"\lim_{x\to 0} \frac{d}{dx} \log (x) = \infty", r"\sin(\pi t) + \log^2(x) + \log_2 x + \ln x + \det A",
                  r"A^\top + B^\intercal + \ell", r"\Gamma((\nu+1)/2) + x(y+z)", r"head_1")
    assert said[0] == "the limit as x approaches 0 of, d over d x, log of x, equals infinity"
    assert said[1] == "sine of pi t, plus, log squared of x, plus, the log base 2 of, x, plus natural log of x, plus determinant of A"
    assert said[2] == "A transpose, plus B transpose, plus ell"
    assert said[3].startswith("Gamma of, open paren") and "x times, open paren, y plus z" in said[3]
    assert " of " not in said[4]  # italic letters side by side are a product, never "h of e a d"


def test_what_authors_write_for_mathjax_is_read_as_they_mean_it():
    said = spoken(r"||A||_F + abs(x) + \{0,...,M-1\}", "y_t & = \\alpha_t \\\\\n z & = 2", r"\sum_{\substack{i \\ j}} x",
                  r"\bigcup_{n=1}^m X_n + \sin 45.0^\circ + \mathbf{\hat{i}}",
                  r"\left[\begin{matrix}f{\left(x,y \right)}; & 1\end{matrix}\right]")
    assert said[0] == "the norm of A, sub F, plus abs of x, plus the set 0 comma dot dot dot comma, M minus 1"
    assert said[1].startswith("2 lines, Line 1:, y sub t; equals, alpha sub t")  # alignment marks: an aligned block
    assert said[2].startswith("the sum over")  # a \\ inside braces is not a line of the formula
    assert said[3] == "the union from n equals 1 to m of, X sub n, plus sine of 45.0 degrees, plus bold i hat"
    assert "flattened" not in said[4] and "f of x comma y" in said[4]


def test_a_matrix_transposed_or_inverted_is_said_so_and_a_power_stays_a_power():
    said = spoken(r"(X^TX)^{-1} X^T y + M_{E,E}^T + \Sigma^{-1} + \begin{bmatrix}1&2\end{bmatrix}^T",
                  r"w^T x + \mathbf{v}^T + (1 + r)^T + \beta^T + x^{-1} + (x + 1)^{-1}", r"T^{-1}(v) + f^{-1}(x)")
    assert math.pauses(said[0]) == ("open paren, X transpose, X, close paren inverse, times X transpose, y plus, M sub E "
                                    "comma E transpose, plus Sigma inverse, plus the 1 by 2 row matrix, 1, 2, transpose")
    assert said[1] == ("w transpose, x plus bold v transpose, plus, open paren, 1 plus r, close paren, to the T power, "
                       "plus beta to the T power, plus x to the negative 1 power, plus, open paren, x plus 1, close "
                       "paren, to the negative 1 power")  # a lower-case letter's T before a product only
    assert said[1].count("transpose") == 2 and "inverse" not in said[1]
    assert said[2] == "T inverse of v, plus f inverse of x"  # a map's inverse applied: SRE's own words


def test_number_sets_powers_and_word_subscripts():
    said = spoken(r"\hat{f} \in \mathbb{R}^{n_{samples} \times n_\text{labels}}", r"x \in \mathbb{R}^n + ℂ^{n+1}",
                  r"y_{pred} - y_{true} + x_{ijk} + a_{xyz}",
                  "y_t & = \\begin{bmatrix} 1 & 0 \\end{bmatrix} \\alpha_t \\\\ z & = 2")
    assert said[0] == "f hat is a member of the real numbers raised to the, n sub samples, times, n sub labels, power"
    assert said[1] == "x is a member of the real numbers to the n-th power, plus the complex numbers raised to the n plus 1 power"
    assert said[2] == "y sub pred, minus, y sub true, plus, x sub i j k, plus, a sub x y z"  # indices stay letters
    # alignment marks beside a matrix's own: still an aligned block (a MathJax error before)
    assert math.pauses(said[3]).startswith("2 lines, Line 1:, y sub t; equals the 1 by 2 row matrix, 1, 0, times")


def test_marks_indices_braces_and_distributions_are_said_as_a_teacher_says_them():
    said = spoken(r"w^* + A^\dagger + l^{(i)}(\mathbf{w}, b) - y^{(i)}", r"\underbrace{a}_{\text{real}} + \overbrace{b}^{n}",
                  r"x \sim \mathcal{N}(0, 1) + f(n) \sim g(n) + \epsilon \sim \mathrm{Bernoulli}(p)",
                  r"\textrm{Var}[X] = \mathbb{E}[X^2] + \vdots + \ddots + \mathrm{e}^{x} + \langle x, y \rangle")
    assert said[0] == ("w star, plus A dagger, plus l superscript open paren i close paren of bold w, comma b, minus y "
                       "superscript open paren i close paren")  # an index in parentheses is not a power
    assert said[1] == "a underbrace real plus b overbrace n"
    assert said[2] == ("x is distributed as script N, of 0 comma 1, plus f of n, tilde g of n, plus epsilon is "
                       "distributed as Bernoulli of p")  # a distribution after ~ only
    assert said[3].startswith("Var of X equals E of, open bracket, X squared") and said[3].count("dot dot dot") == 2
    assert "normal" not in said[3] and "left angle bracket" in said[3]


def test_what_a_matrix_vector_or_constant_is_called():
    said = spoken(r"\lambda x^T = x^T A + |\mathbf{M}| + |A| + F^\dagger(x) + \Lambda_H^\dagger + n! + 1 + A_{i,coloc}")
    assert said[0] == ("lambda, x transpose equals x transpose, A plus the determinant of bold M, plus, the absolute "
                       "value of A, plus F dagger of x, plus, Lambda sub H dagger, plus n factorial plus 1 plus, A sub "
                       "i comma coloc")  # x^T a transpose where another x^T is; |bold M| a determinant
    got = math.run([{"id": 0, "locale": "en", "mathml": '<math><mi>i</mi><mi>\u210f</mi><mover accent="true"><mi>H</mi>'
                                                        "<mo>\u02c6</mo></mover></math>"}])
    assert got[0]["speech"] == "i h bar, H hat"  # SRE: "italic h over two pi", "H \u02c6"


def test_labels_upright_words_bold_letters_tables_and_relations():
    said = [math.pauses(s) for s in spoken(
        r"y^{\rm meas}_i + x^{\text{model}} + P_{fix} + {\rm aic} + \mathbf{Fx} + \mathbf{PH}^\mathsf{T} + \dot{x} + \ddot{x}",
        r"x \in \mathbb{R}^n + \begin{matrix} a & b \\ c & d\end{matrix} + y^T(Ax-b)",
        r"\sum_{\substack{0\le i\le m\\ 0<j<n}} P(i,j) + \begin{aligned} a &= b \\ c &= d\end{aligned}")]
    assert said[0] == ("y sub i, superscript meas plus x superscript model plus, P sub fix, plus aic plus bold F, bold x, plus "
                       "bold P, bold H transpose, plus x dot plus x double dot")  # a word is a label, not a power
    assert said[1] == ("x is a member of the real numbers to the n-th power, plus the 2 by 2 matrix, Row 1: a, b, Row 2: "
                       "c, d, plus y transpose, times, open paren, A x, minus b, close paren")
    assert said[2].startswith("the sum over 0 is less than or equal to i is less than or equal to m, comma, 0 is less than j")
    assert "2 lines, Line 1: a; equals b" in said[2]  # equations stay lines: not a matrix
    got = math.run([{"id": 0, "locale": "en", "mathml": "<math><mn>1</mn><mo>\u2a7d</mo><mi>i</mi><mo>+</mo><mn>12</mn>"
                                                        "<mo>\u00b0</mo><mn>28</mn><mo>\u2032</mo><mo>+</mo><mi>s</mi>"
                                                        "<mtext>%</mtext><mo>+</mo><mi>a</mi><mo>...</mo></math>"},
                    {"id": 1, "locale": "en", "mathml": '<math><mi>f</mi><mo>=</mo><mrow><mo fence="true">{</mo><mtable>'
                                                        "<mtr><mtd><mi>x</mi></mtd></mtr><mtr><mtd><mn>0</mn></mtd></mtr>"
                                                        '</mtable><mo fence="true">)</mo></mrow></math>'}])
    assert "1 is less than or equal to i" in got[0]["speech"] and "28 minutes" in got[0]["speech"]
    assert "percent" in got[0]["speech"] and "sign" not in got[0]["speech"] and "period" not in got[0]["speech"]
    assert "2 cases" in got[1]["speech"]  # Word's cases closed by its default parenthesis


def test_brackets_after_a_letter_hyphenated_names_congruence_and_bars():
    said = spoken(r"E[X]^2 + \mathrm{Var}_p[f(x)] + \mathbf{H}^\mathsf{T}[\mathbf{R} + \mathbf{S}]^{-1}",
                  r"\text{l1-ratio} + (\vec{x} - \vec{\mu})^\mathrm{T} + a \equiv b (mod c) + \overline{ABC}")
    assert said[0] == ("E open bracket X, close bracket squared plus, Var sub p, open bracket f of x, close bracket "
                       "plus bold H transpose, times, open bracket, bold R, plus bold S, close bracket inverse")
    # brackets after a letter said, a sign after them "plus"; a matrix group's as before; H^T not a map's power
    assert said[1].startswith("l 1 ratio plus, open paren, vector x minus vector mu, close paren transpose")
    assert "a is congruent to b" in said[1] and "m o d" not in said[1] and said[1].endswith("A B C bar")
    assert spoken(r"\text{penalizer} + 1 + H^T + 1")[0] == "penalizer plus 1 plus H transpose, plus 1"
    got = math.run([{"id": 0, "locale": "en", "mathml": "<math><mi>x</mi><mo>\u2236</mo><mo>=</mo><mi>y</mi></math>"}])
    assert got[0]["speech"] == "x is defined as y"  # Word's ratio sign and equals


def test_program_names_big_o_labels_and_styled_accents():
    said = spoken(r"\mathsf{min}\_\mathsf{resource} \times \mathsf{reduction}\_\mathsf{factor}^{\mathsf{min}\_\mathsf{rate}}",
                  r"O(d+n) + \mathsf{step} + C^{+}_{n} + \mathcal{\hat{H}}", r"\overbrace{x+\cdots+x}^{k}")
    assert said[0] == ("min underscore resource times reduction underscore factor raised to the min underscore rate "
                       "power")  # SRE: "sans serif min, bar sans serif resource"
    assert said[1] == "O of, open paren, d plus n, close paren, plus step plus, C sub n superscript plus, plus script H hat"
    assert said[2] == "x plus dot dot dot plus x overbrace k"
    got = math.run([{"id": 0, "locale": "en", "mathml": "<math><mover><mrow><mi>x</mi><mo>+</mo><mo>...</mo><mo>+</mo>"
                                                        "<mi>x</mi></mrow><mover><mo>\u23de</mo><mi>k</mi></mover></mover>"
                                                        "</math>"}])
    assert got[0]["speech"] == "x plus dot dot dot plus x overbrace k"  # the label over the brace; "..." an ellipsis
    under = math.run([{"id": 0, "locale": "en", "mathml": "<math><munder><mi>x</mi><mo>_</mo></munder><mo>+</mo><mi>a</mi>"
                                                          "<mo>_</mo><mi>b</mi></math>"}])[0]["speech"]
    assert under == "x over bar, plus a underscore b"  # Word's underbar is no brace nor underscore; a name's is


def test_an_inverse_before_a_sum_in_parentheses_multiplies_it_and_f_g_h_before_a_letter():
    said = spoken(r"\Sigma^{-1} (x - \mu) + R^{-1}(C P + N)", r"T^{-1}(v) + F^{-1}(x + 1) + G N")
    assert said[0] == ("Sigma inverse, times, open paren, x minus mu, close paren, plus R inverse, times, open paren, "
                       "C P, plus N, close paren")  # SRE: "Sigma to the negative 1 power"
    assert said[1] == "T inverse of v, plus F inverse of, open paren, x plus 1, close paren, plus G N"  # a map's: SRE's


def test_a_binomial_in_a_table_and_words_in_math_italics():
    got = math.run([math.job(0, {"latex": r"\begin{vmatrix} x & \binom{5}{3} \\ 1 & y\end{vmatrix}"}, "en"),
                    math.job(1, {"latex": r"\mathrm{Concat}(head_1, \ldots, head_h) + abcd + x_{ijk}"}, "en"),
                    math.job(2, {"mathml": "<math><mi>f</mi><mo>=</mo><mi>o</mi><mi>t</mi><mi>h</mi><mi>e</mi><mi>r</mi>"
                                           "<mi>w</mi><mi>i</mi><mi>s</mi><mi>e</mi></math>"}, "en"),
                    math.job(3, {"latex": r"head_1"}, "de")])
    assert "Column 2, 5 choose 3" in got[0]["speech"]  # ClearSpeak's preference said it only without a table
    assert math.pauses(got[1]["speech"]).startswith("Concat of head sub 1, comma dot dot dot comma, head sub h")
    assert "a b c d" in got[1]["speech"] and "i j k" in got[1]["speech"]  # not words: letters
    assert got[2]["speech"] == "f equals otherwise"
    assert math.words_in(r"\text{x} + head_1 + \mathrm{Concat} + tanh") == ["head"] and "words" not in math.job(
        3, {"latex": r"head_1"}, "de")  # commands are not words; only English has the rules


def test_vector_calculus_is_said_by_its_operations():
    said = spoken(r"\nabla \times \vec{\mathbf{B}} + \nabla \cdot \vec{E} + 2 \times 3 + a \cdot b")[0]
    assert said == "del cross vector bold B, plus del dot vector E plus 2 times 3 plus a times b"


def test_the_variable_a_is_said_as_its_letter_by_the_voice_and_the_article_is_not():
    assert math.voiced("a squared plus b sub a, equals (A", "en") == "eh squared plus b sub eh, equals (eh"
    assert math.voiced("x is a member of A", "en") == "x is a member of eh"  # ClearSpeak's article stays
    assert math.voiced("a sub k", "fr") == "a sub k"
    assert math.voiced("open paren, 1 minus a, close paren,", "en") == "open parenthesis, 1 minus eh, close parenthesis,"
    assert math.voiced("the exp of, x", "en") == "the exponential of, x"
    from chalicelib.engines import tts

    piper = tts.get_engine("piper")._voice  # the default English voice's phonemiser (espeak-ng)

    def sounds(text):
        return "".join(p for s in piper.phonemize(text) for p in s)

    assert "ɐ" in sounds("a squared") and "eɪ" not in sounds("a squared")  # why: the article "uh"
    assert sounds(math.voiced("a squared", "en")).startswith("ˈeɪ")  # the letter's name
    assert "aɪ" in sounds("I sub 2") and "ˈiː" in sounds("e to the x power")  # letters said as letters already


def test_the_rules_stops_inside_a_formula_are_pauses_not_sentence_ends():
    assert math.pauses("A equals the 2 by 2 matrix. Row 1: 5, 3 Row 2: 8, 2.") == \
        "A equals the 2 by 2 matrix, Row 1: 5, 3, Row 2: 8, 2"  # a pause between rows too
    assert math.pauses("x is 3.5") == "x is 3.5"
    assert math.pauses("Column 1,, the fraction") == "Column 1, the fraction"


def test_a_child_that_runs_out_of_time_fails_only_what_is_left():
    got = math.run([{"id": k, "tex": "x^2", "locale": "en"} for k in range(3)], deadline=0.0)
    assert all("error" in got[k] for k in range(3))


def page(words: list[dict], code: str) -> elements.Page:
    line = elements.Line.load({"text": " ".join(w["text"] for w in words), "confidence": 1.0, "box": None,
                               "words": words})
    return elements.Page(None, None, [line], language=elements.Language(code, 1.0, False))


def test_speak_fills_each_formula_word():
    words = [{"text": "Area:", "confidence": 1.0, "box": None},
             {"text": "A=\\pi{}r^2", "confidence": 1.0, "box": None, "formula": formula.from_latex(r"A = \pi r^2")},
             {"text": "[formula]", "confidence": 1.0, "box": None,
              "formula": formula.failed("This formula nests its parts more than 64 deep.", alt="a tower")},
             {"text": "[formula]", "confidence": 1.0, "box": None, "formula": formula.failed("Too long.")}]
    english, japanese = page(words, "en"), page([dict(w, formula=dict(w["formula"])) if "formula" in w else w
                                                 for w in words], "ja")
    assert math.speak([english, japanese]) == 2
    area, deep, long = (w.rest["formula"] for w in english.lines[0].words[1:])
    assert area["spoken"] == "A equals pi r squared" and "<msup>" in area["mathml"] and "language" not in area
    assert deep["spoken"] == "a tower" and long["spoken"] == "formula"  # never the job: said by alt text, else "formula"
    assert japanese.lines[0].words[1].rest["formula"]["language"] == "en"  # no Japanese rules: said in English
