"""HTML mail bodies as the text an operator reads: blocks and line breaks, lists, tables,
quoted replies, hidden parts, preformatted text, Outlook's empty paragraphs."""

from __future__ import annotations

import pytest

from chalicelib.domain.inbound_mail import html_to_text


@pytest.mark.parametrize(
    "html, text",
    [
        ("<P CLASS=x>Bonjour</P><DIV>Un <B>élève</B> de 4e</DIV>", "Bonjour\nUn élève de 4e"),
        ("Ligne 1<br>Ligne 2<BR/>Ligne 3<br><br>Fin", "Ligne 1\nLigne 2\nLigne 3\n\nFin"),
        ("<ul><li>Nom : Léo</li><li>Âge : 15</li></ul>", "- Nom : Léo\n- Âge : 15"),
        ("<table><tr><th>Nom</th><th>Âge</th></tr><tr><td>Léo</td><td>15</td></tr></table>", "Nom  Âge\nLéo  15"),
        (
            "<p>Merci</p><blockquote><p>Question ?</p><blockquote>Plus "
            "ancien</blockquote><p>Suite</p></blockquote><p>Fin</p>",
            "Merci\n> Question ?\n> > Plus ancien\n> Suite\nFin",
        ),
        ("<blockquote>cité<br></blockquote>après", "> cité\nafter".replace("after", "après")),
        (
            "<head><title>Titre</title><style>p{color:red}</style></head><body><script>alert(1)</script><p>Texte</p>"
            "<noscript>x</noscript></body>",
            "Texte",
        ),
        ("<svg><title>logo</title><svg>inner</svg>still</svg><p>après</p>", "après"),
        ("<p>Un</p><p></p><p></p><p></p><p>Deux</p>", "Un\n\nDeux"),
        ("<p>Un</p><p></p><p>Deux</p>", "Un\n\nDeux"),
        ("<pre>a\r\nb\rc\xa0d\ne</pre><p>fin</p>", "a\nb\nc d\ne\nfin"),
        ("<pre>a</pre></pre><p>b   c</p><pre>d\ne</pre>", "a\nb c\nd\ne"),
        ("<p>a   \n  b\t c</p>", "a b c"),
        ("<p>x</p></blockquote></pre></svg><p>y</p>", "x\ny"),
        ("<div>un</div>\n\n\n\n<div>deux</div>", "un\ndeux"),
        ("<p>Bonjour&nbsp;Léo &amp; co &lt;3</p>", "Bonjour Léo & co <3"),
        ("<img src=x.png/><p>après image</p><hr/><p>fin</p>", "après image\nfin"),
        ("<p>Texte   </p>   <p>  suite</p>", "Texte\nsuite"),
        ("<pre>a\n\nb</pre>", "a\n\nb"),
        ("<pre>a</pre>x\ny", "a\nx y"),
        ("<pre><pre>a</pre>b\nc</pre>d\ne", "a\nb\nc\nd e"),
        ("<blockquote>a<br><br>b</blockquote>", "> a\n>\n> b"),
        ("<p>Un</p><div>Deux</div>", "Un\nDeux"),
        ("<blockquote>" * 11 + "profond" + "</blockquote>" * 11 + "<p>fin</p>", "> " * 10 + "profond\nfin"),
        (
            "<blockquote>" * 11 + "a<br><br>b" + "</blockquote>" * 11,
            "> " * 10 + "a\n" + "> " * 9 + ">\n" + "> " * 10 + "b",
        ),
    ],
)
def test_html_reads_as_text(html, text):
    assert html_to_text(html) == text


def test_only_the_first_characters_allowed_are_read():
    assert html_to_text("<p>Bonjour</p><p>Au revoir</p>", max_chars=14) == "Bonjour"


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>a</p> 3 < 5", "a\n3 < 5"),
        ("<!DOCTYPE html><p>a</p><p>b</p>", "a\nb"),
        ("<><p>a</p><p>b</p>", "<>\na\nb"),
        ("<p>a</p>x > y<p>b</p>", "a\nx > y\nb"),
        ("<!-- a --><p>x</p><!-- b --><p>y</p>", "x\ny"),
        ("<!---->x", "x"),
        ("<!-- a --><!-- b -->x", "x"),
    ],
)
def test_markup_oddities_read_as_a_browser_shows_them(html, text):
    assert html_to_text(html) == text


def test_a_tag_is_at_most_2000_characters_long():
    assert html_to_text("a <" + "b" * 1999 + ">") == "a"
    assert html_to_text("a <" + "b" * 2000 + ">") == "a <" + "b" * 2000 + ">"
