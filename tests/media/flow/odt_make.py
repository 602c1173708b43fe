"""Small OpenDocument texts written in tests to pin one feature each (tracked deletions,
annotations, text boxes, notes, list styles, master-page headers): ODF as LibreOffice writes
it, zipped with zipfile (mimetype first, stored)."""
from __future__ import annotations

import io
import zipfile

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:math="http://www.w3.org/1998/Math/MathML" office:version="1.3"')

STYLES = """<office:styles>
<style:default-style style:family="paragraph"><style:text-properties fo:language="fr" fo:country="FR"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph"/>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard"/>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading"/>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Title"/>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="1"/>
<style:style style:name="Caption" style:family="paragraph" style:parent-style-name="Standard"/>
<style:style style:name="Table" style:family="paragraph" style:parent-style-name="Caption"/>
<style:style style:name="Preformatted_20_Text" style:display-name="Preformatted Text" style:family="paragraph"/>
<style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph"/>
<style:style style:name="Strong" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
<text:list-style style:name="Numbering_20_123" style:display-name="Numbering 123">
  <text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/>
  <text:list-level-style-number text:level="2" style:num-suffix=")" style:num-format="a"/>
  <text:list-level-style-number text:level="3" style:num-suffix="." style:num-format="1" text:display-levels="3"/>
</text:list-style>
<text:list-style style:name="Roman"><text:list-level-style-number text:level="1" style:num-prefix="(" style:num-suffix=")" style:num-format="i" text:start-value="3"/></text:list-style>
<text:list-style style:name="Bullets"><text:list-level-style-bullet text:level="1" text:bullet-char="•"/></text:list-style>
</office:styles>"""


def p(text: str, style: str | None = None) -> str:
    return f'<text:p{f" text:style-name={chr(34)}{style}{chr(34)}" if style else ""}>{text}</text:p>'


def h(text: str, level: int) -> str:
    return f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{text}</text:h>'


def odt(body: str, *, automatic: str = "", master: str = "", title: str | None = None,
        language: str | None = None, styles: bool = True, outline_style: str = "", drop: tuple[str, ...] = (),
        extra: dict[str, bytes] | None = None) -> bytes:
    """An .odt whose office:text holds `body`; `master` is a master page's inner XML
    (style:header, style:footer ...)."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>'
               f"<office:automatic-styles>{automatic}</office:automatic-styles>"
               f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    styles_xml = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}>'
                  + STYLES.replace("</office:styles>", outline_style + "</office:styles>") +
                  f'<office:master-styles><style:master-page style:name="Standard">{master}</style:master-page>'
                  "</office:master-styles></office:document-styles>")
    meta = "".join([f"<dc:title>{title}</dc:title>" if title else "",
                    f"<dc:language>{language}</dc:language>" if language else ""])
    meta_xml = f'<office:document-meta {NS}><office:meta>{meta}</office:meta></office:document-meta>'
    parts: dict[str, str | bytes] = {"content.xml": content, "meta.xml": meta_xml}
    if styles:
        parts["styles.xml"] = styles_xml
    parts["META-INF/manifest.xml"] = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        + "".join(f'<manifest:file-entry manifest:full-path="{n}" manifest:media-type="text/xml"/>' for n in parts)
        + "</manifest:manifest>")
    parts.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        for name, data in parts.items():
            if name not in drop:
                z.writestr(name, data.encode() if isinstance(data, str) else data, zipfile.ZIP_DEFLATED)
    return out.getvalue()
