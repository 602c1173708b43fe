"""Small Word documents written in tests to pin one feature each (tracked changes, comments,
text boxes in mc:AlternateContent, notes, headers): the real files the tests also read have
few of these. Plain WordprocessingML as Word writes it, zipped with zipfile."""
from __future__ import annotations

import io
import zipfile

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml" '
      'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def p(text: str = "", style: str | None = None, *, num: tuple[int, int] | None = None, outline: int | None = None,
      runs: str | None = None) -> str:
    """A paragraph: `text` as one run (or `runs`, raw run XML), with a style, list numbering
    (numId, ilvl) or an outline level."""
    ppr = ""
    if style:
        ppr += f'<w:pStyle w:val="{style}"/>'
    if num:
        ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    if outline is not None:
        ppr += f'<w:outlineLvl w:val="{outline}"/>'
    body = runs if runs is not None else (f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else "")
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{body}</w:p>"


def r(text: str, *, bold: bool = False) -> str:
    return f'<w:r>{"<w:rPr><w:b/></w:rPr>" if bold else ""}<w:t xml:space="preserve">{text}</w:t></w:r>'


def table(rows: list[list[str]], *, header_rows: int = 0, bold_first: bool = False, caption: str | None = None) -> str:
    cap = f'<w:tblCaption w:val="{caption}"/>' if caption else ""
    out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>{cap}</w:tblPr>']
    for i, row in enumerate(rows):
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if i < header_rows else ""
        cells = "".join(f"<w:tc><w:p>{r(c, bold=bold_first and i == 0)}</w:p></w:tc>" for c in row)
        out.append(f"<w:tr>{trpr}{cells}</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


STYLES = f"""<w:styles {NS}>
<w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="de-DE"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Standard"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Titel"><w:name w:val="Title"/><w:basedOn w:val="Standard"/></w:style>
<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/><w:basedOn w:val="Standard"/>
  <w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/><w:basedOn w:val="Standard"/>
  <w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Kapitel"><w:name w:val="Kapitel"/><w:basedOn w:val="berschrift1"/></w:style>
<w:style w:type="paragraph" w:styleId="Unterpunkt"><w:name w:val="Unterpunkt"/><w:basedOn w:val="Standard"/>
  <w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="NurName"><w:name w:val="heading 4"/></w:style>
<w:style w:type="paragraph" w:styleId="Beschriftung"><w:name w:val="caption"/></w:style>
<w:style w:type="paragraph" w:styleId="TableCaption"><w:name w:val="Table Caption"/></w:style>
<w:style w:type="paragraph" w:styleId="Quellcode"><w:name w:val="Source Code"/></w:style>
<w:style w:type="paragraph" w:styleId="Inhalt1"><w:name w:val="toc 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Index1"><w:name w:val="index 1"/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>
</w:styles>"""

# numId 1: decimal "%1." / lowerLetter "%2)" below; numId 2: bullets; numId 3: the same list as 1
# restarted at 5 (startOverride); numId 4: legal "%1.%2." numbering.
NUMBERING = f"""<w:numbering {NS}>
<w:abstractNum w:abstractNumId="10">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="20">
  <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="30">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/><w:isLgl/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="10"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="20"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="10"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="30"/></w:num>
</w:numbering>"""


def notes(kind: str, texts: dict[int, str]) -> str:
    tag = kind[:-1]
    ref = "footnoteRef" if kind == "footnotes" else "endnoteRef"
    body = "".join(f'<w:{tag} w:id="{i}"><w:p><w:r><w:{ref}/></w:r>{r(" " + t)}</w:p></w:{tag}>'
                   for i, t in texts.items())
    return (f'<w:{kind} {NS}><w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
            f"{body}</w:{kind}>")


def docx(body: str, *, styles: str | None = STYLES, numbering: str | None = NUMBERING,
         footnotes: dict[int, str] | None = None, endnotes: dict[int, str] | None = None,
         headers: list[str] = (), footers: list[str] = (), comments: str | None = None,
         title: str | None = None, language: str | None = None, extra: dict[str, bytes] | None = None,
         drop: tuple[str, ...] = ()) -> bytes:
    """A .docx whose body is `body` (paragraph XML); headers/footers are their paragraphs' XML."""
    parts: dict[str, str | bytes] = {
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="word/document.xml"/>'
                       '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                       'metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
    }
    rels = []
    if styles:
        parts["word/styles.xml"] = styles
        rels.append(("styles", "styles.xml"))
    if numbering:
        parts["word/numbering.xml"] = numbering
        rels.append(("numbering", "numbering.xml"))
    if footnotes:
        parts["word/footnotes.xml"] = notes("footnotes", footnotes)
        rels.append(("footnotes", "footnotes.xml"))
    if endnotes:
        parts["word/endnotes.xml"] = notes("endnotes", endnotes)
        rels.append(("endnotes", "endnotes.xml"))
    if comments:
        parts["word/comments.xml"] = f"<w:comments {NS}>{comments}</w:comments>"
        rels.append(("comments", "comments.xml"))
    for kind, items in (("header", headers), ("footer", footers)):
        tag = "hdr" if kind == "header" else "ftr"
        for i, xml in enumerate(items, 1):
            parts[f"word/{kind}{i}.xml"] = f"<w:{tag} {NS}>{xml}</w:{tag}>"
            rels.append((kind, f"{kind}{i}.xml"))
    refs = "".join(f'<w:{k}Reference w:type="{"default" if n == 1 else "even"}" r:id="rId{i}"/>'
                   for i, (k, t) in enumerate(rels, 10) if k in ("header", "footer")
                   for n in [int(t.removesuffix(".xml")[len(k):])] if n <= 2)
    parts["word/document.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{body}'
                                  f"<w:sectPr>{refs}</w:sectPr></w:body></w:document>")
    parts["word/_rels/document.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i}" Type="{REL}{k}" Target="{t}"/>' for i, (k, t) in enumerate(rels, 10))
        + f'<Relationship Id="rId99" Type="{REL}hyperlink" Target="https://example.org/" TargetMode="External"/>'
        + "</Relationships>")
    core = "".join([f"<dc:title>{title}</dc:title>" if title else "",
                    f"<dc:language>{language}</dc:language>" if language else ""])
    parts["docProps/core.xml"] = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                                  'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                                  f"{core}</cp:coreProperties>")
    parts["[Content_Types].xml"] = _content_types(parts)
    parts.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            if name not in drop:
                z.writestr(name, content.encode() if isinstance(content, str) else content)
    return out.getvalue()


WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
TYPES = {"document": "document.main", "styles": "styles", "numbering": "numbering", "footnotes": "footnotes",
         "endnotes": "endnotes", "comments": "comments", "header": "header", "footer": "footer"}


def _content_types(parts: dict) -> str:
    """[Content_Types].xml naming each part as Word does (python-docx refuses a file without)."""
    out = ['<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
           '<Default Extension="xml" ContentType="application/xml"/>'
           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
           '<Override PartName="/docProps/core.xml" '
           'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>']
    for name in parts:
        stem = name.rpartition("/")[2].removesuffix(".xml").rstrip("0123456789")
        if name.startswith("word/") and stem in TYPES:
            out.append(f'<Override PartName="/{name}" ContentType="{WML}{TYPES[stem]}+xml"/>')
    return "".join(out) + "</Types>"


def text_box(text: str) -> str:
    """A run holding a text box as Word 2010+ writes it: a DrawingML shape in mc:Choice and the
    same text again as a VML shape in mc:Fallback."""
    inner = f"<w:txbxContent>{p(text)}</w:txbxContent>"
    return ("<w:r><mc:AlternateContent>"
            '<mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="3" name="Text Box 3"/>'
            '<a:graphic><a:graphicData><wps:wsp><wps:txbx>'
            f"{inner}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
            f'<mc:Fallback><w:pict><v:shape><v:textbox>{inner}</v:textbox></v:shape></w:pict></mc:Fallback>'
            "</mc:AlternateContent></w:r>")


def picture(alt: str) -> str:
    return (f'<w:r><w:drawing><wp:inline><wp:docPr id="5" name="Picture 5" descr="{alt}"/>'
            "<a:graphic><a:graphicData/></a:graphic></wp:inline></w:drawing></w:r>")
