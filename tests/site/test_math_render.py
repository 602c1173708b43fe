"""A formula's MathML drawn by real Chromium (static_site/js/result/math.js, issue 58): laid out as
mathematics (a fraction's numerator above its denominator, a root around its radicand), with its
alt text for screen readers; a document's hostile MathML rebuilt from MathML Core alone (no
scripts, links, styles or HTML inside), too deep or too large shown as its alt text."""
from __future__ import annotations

QUADRATIC = """<math xmlns="http://www.w3.org/1998/Math/MathML" display="block" alttext="x equals ...">
<semantics><mrow><mi>x</mi><mo>=</mo><mfrac><mrow><mo>-</mo><mi>b</mi><mo>±</mo><msqrt><msup><mi>b</mi><mn>2</mn>
</msup><mo>-</mo><mn>4</mn><mi>a</mi><mi>c</mi></msqrt></mrow><mrow><mn>2</mn><mi>a</mi></mrow></mfrac></mrow>
<annotation encoding="application/x-tex">x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}</annotation></semantics></math>"""

HOSTILE = """<math><mi onclick="alert(1)" href="javascript:alert(1)" style="color:red" id="x" mathvariant="bold">x</mi>
<mtext><img src="x" onerror="alert(1)"><a href="https://example.org">link</a></mtext>
<maction actiontype="toggle"><mi>y</mi></maction><mspace width="url(javascript:1)"/>
<annotation-xml encoding="text/html"><script>alert(1)</script></annotation-xml></math>"""

RUN = """async (cases) => {
    const m = await import('./js/result/math.js');
    const out = {};
    for (const [name, mathml] of Object.entries(cases)) {
        const el = m.mathElement(mathml, {fallback: 'formula'});
        if (!el) { out[name] = null; continue; }
        document.body.append(el);
        const frac = el.querySelector('mfrac'), root = el.querySelector('msqrt');
        const box = (e) => e.getBoundingClientRect();
        out[name] = {
            html: el.outerHTML, tags: [...el.querySelectorAll('*')].map((e) => e.localName),
            attributes: [...el.querySelectorAll('*'), el].flatMap((e) => [...e.attributes].map((a) => a.name)),
            namespaces: [...new Set([...el.querySelectorAll('*'), el].map((e) => e.namespaceURI))],
            alttext: el.getAttribute('alttext'), height: box(el).height,
            fraction: frac && frac.children.length === 2 ? box(frac.children[0]).bottom <= box(frac.children[1]).top + 1 : null,
            root: root ? box(root).width > box(root.firstElementChild).width : null,
            text: el.textContent.replace(/\\s+/g, ''),
        };
    }
    return out;
}"""


def test_formulas_are_drawn_as_mathematics_and_hostile_markup_is_left_out(page, stack, page_errors):
    # Parsing the hostile formula makes Chromium check its handlers and style against the site's
    # Content Security Policy, which refuses them (said on the console); nothing of them is copied.
    page_errors.allow("violates the following Content Security Policy directive")
    page.goto(stack.site_url.rstrip("/") + "/")
    deep = "<math>" + "<mrow>" * 10_000 + "<mi>x</mi>" + "</mrow>" * 10_000 + "</math>"
    wide = "<math>" + "<mi>x</mi>" * 5_000 + "</math>"
    out = page.evaluate(RUN, {"quadratic": QUADRATIC, "hostile": HOSTILE, "deep": deep, "wide": wide,
                              "fenced": '<math><mfenced open="[" separators=";"><mi>a</mi><mi>b</mi></mfenced></math>',
                              "none": "<p>x</p>", "broken": "<math><mfrac><mi>x</mi></math>"})
    q = out["quadratic"]
    assert q["fraction"] is True and q["root"] is True and q["height"] > 30  # laid out, not a line of letters
    assert q["alttext"] == "x equals ..." and "annotation" not in q["tags"] and "frac" not in q["text"]
    assert q["namespaces"] == ["http://www.w3.org/1998/Math/MathML"] and q["text"] == "x=-b±b2-4ac2a"

    h = out["hostile"]
    assert set(h["attributes"]) == {"mathvariant", "alttext"}  # not onclick, href, style, id, width=url(...)
    assert h["namespaces"] == ["http://www.w3.org/1998/Math/MathML"]  # no img, a or script
    assert "script" not in h["html"] and "alert" not in h["html"] and "onerror" not in h["html"]
    assert h["text"] == "xy" and "maction" not in h["tags"] and h["alttext"] == "formula"

    assert out["deep"] is None and out["wide"] is None and out["none"] is None  # shown as alt text instead
    assert out["fenced"]["text"] == "[a;b)" and "mfenced" not in out["fenced"]["tags"]
    assert "mfrac" in out["broken"]["tags"]  # what the parser made of it, still MathML
