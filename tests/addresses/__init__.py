"""E-mail addresses from the world, to test every door against the outside oracle.

The oracle is email-validator as the product uses it (domain/email_address.py): no DNS,
strict, and `allow_smtputf8=False` for an address we must be able to write to. The addresses come
from three places:

- hypothesis strategies: RFC 5322 dot-atoms (any atext character, any number of atoms),
  domains of ASCII, hyphenated French, Unicode (IDNA) and punycode labels, under every
  top-level domain IANA delegates (iana-tlds.txt, with its source in its first line);
- email-validator's own test inputs (email-validator-cases.json, source inside);
- REAL_SHAPES: the shapes French people, schools and public bodies really have, that a
  narrowed pattern once refused.

`tests/e2e/schemathesis_hooks.py` teaches schemathesis `format: email` with `addresses()`.
"""

from __future__ import annotations

import json
import string
from functools import lru_cache
from pathlib import Path

import idna
from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent


def oracle(address: str, smtputf8: bool = False) -> ValidatedEmail | None:
    """email-validator's verdict (None: refused) with the product's options: no DNS, strict
    (RFC 5321's 64 octets before the `@`); `smtputf8`: a non-ASCII local part allowed,
    which the product refuses with its own message."""
    try:
        return validate_email(address, allow_smtputf8=smtputf8, check_deliverability=False, strict=True)
    except EmailNotValidError:
        return None


@lru_cache(maxsize=1)
def iana_tlds() -> tuple[str, ...]:
    """Every delegated top-level domain, lower case, IDN ones in punycode (`xn--p1ai`)."""
    lines = (HERE / "iana-tlds.txt").read_text("ascii").splitlines()
    return tuple(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def email_validator_cases() -> dict[str, list[str]]:
    """email-validator's own test inputs: `valid`, `valid_non_ascii_local`, `others`."""
    data = json.loads((HERE / "email-validator-cases.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if k != "source"}


# Shapes that French people, schools and public bodies have, each named by what the old
# pattern of domain/text_rules.py refused in it. Not one of them is refused now.
REAL_SHAPES: list[tuple[str, str]] = [
    ("four dot-separated parts", "jean.pierre.de.lafontaine@orange.fr"),
    ("five parts, an académie's mailbox", "ce.0593456a.vie.scolaire.secretariat@ac-lille.fr"),
    ("a part with + and _", "marie-claire.du_pont+mentorat@laposte.net"),
    ("a label over 24 characters", "contact@communauteagglomerationpaysbasque.fr"),
    ("more than three hyphens", "accueil@mairie-saint-remy-de-provence.fr"),
    ("an intercommunalité", "x@communaute-de-communes-du-pays-de-la-zorn.fr"),
    ("a hyphenated part over 12 letters", "secretariat@mairie-villeneuvelesavignon.fr"),
    ("a long town's name", "etat-civil@ville-saint-germain-en-laye.fr"),
    ("four labels before the TLD", "prenom.nom@eleves.lycee-rostand.ac-lille.education.fr"),
    ("five labels before the TLD", "direction@clg-jean-moulin.roubaix.nord.ac-lille.fr"),
    ("a 63-character label", "mission.locale@" + "a" * 63 + ".fr"),
    ("a .coop", "contact@mjc-roubaix.coop"),
    ("a .education", "vie-scolaire@college-jean-mace.education"),
    ("a .quebec", "info@maison-des-jeunes.quebec"),
    ("an .africa", "contact@solidarite-jeunesse.africa"),
    ("a .museum", "mediation@louvre.museum"),
    ("an .ong", "benevoles@entraide-scolaire.ong"),
    ("an .immo", "agence@habitat-jeunes.immo"),
    ("a .gouv.fr", "prenom.nom@interieur.gouv.fr"),
    ("a .school", "direction@ecole-bilingue.school"),
    ("an .eus", "kontaktua@gazteak.eus"),
    ("a Unicode domain", "mairie@saint-étienne-de-tinée.fr"),
    ("a Unicode domain with œ", "accueil@mairie-lœuilly.fr"),
    ("the same in punycode", "accueil@xn--mairie-luilly-woc.fr"),
    ("a punycode domain", "contact@xn--cole-lmentaire-jules-ferry-9kcfb.fr"),
    ("a Unicode TLD", "info@пример.рф"),
    ("a punycode TLD", "info@xn--e1afmkfd.xn--p1ai"),
    ("a Unicode domain in capitals", "Direction@CRÈCHE-LES-PITCHOUNS.FR"),
]

# The same shapes with a local part SES cannot write to (no SMTPUTF8): refused, with why.
NON_ASCII_LOCAL = [
    "zoé.martin@orange.fr",
    "hélène@mairie-saint-remy-de-provence.fr",
    "lеa@example.fr",
    "ölçü@örnek.com.tr",
]

_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~"
# Words that make the hyphenated labels of town halls and intercommunalités.
_WORDS = (
    "mairie",
    "ville",
    "communaute",
    "de",
    "communes",
    "du",
    "pays",
    "la",
    "les",
    "saint",
    "sainte",
    "sur",
    "en",
    "agglomeration",
    "metropole",
    "college",
    "lycee",
    "ecole",
    "elementaire",
    "academie",
    "mission",
    "locale",
    "villeneuve",
    "montigny",
    "bretonneux",
    "provence",
    "zorn",
    "remy",
    "germain",
    "laye",
    "val",
    "loire",
    "ccas",
)
# Letters of one script each: a label mixing scripts is seldom valid IDNA (bidi rules).
_SCRIPTS = (
    "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ0123456789",
    "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "абвгдежзийклмнопрстуфхцчшщъыьэюяё",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "אבגדהוזחטיכלמנסעפצקרשת",
    "中文网络邮件臺網中心商務台灣東京大学",
    "ひらがなのカタカナメール",
    "한국어메일주소도메인",
    "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอ",
)


def _idna_ok(label: str) -> bool:
    try:
        idna.encode(label, uts46=True)
    except (idna.IDNAError, UnicodeError):
        return False
    return True


def dot_atoms() -> st.SearchStrategy[str]:
    """RFC 5322 dot-atom local parts: any atext character, any number of atoms."""
    atom = st.text(st.sampled_from(_ATEXT), min_size=1, max_size=12)
    return st.lists(atom, min_size=1, max_size=12).map(".".join)


def unicode_labels() -> st.SearchStrategy[str]:
    """Internationalised labels: letters of one script, or any letters of Unicode."""
    one_script = st.sampled_from(_SCRIPTS).flatmap(
        lambda letters: st.text(st.sampled_from(letters), min_size=1, max_size=15)
    )
    any_letters = st.text(st.characters(categories=("Ll", "Lu", "Lo", "Lm", "Nd")), min_size=1, max_size=8)
    return st.one_of(one_script, any_letters).filter(_idna_ok)


def labels() -> st.SearchStrategy[str]:
    """Domain labels: LDH (up to 63 characters), hyphenated words, Unicode, punycode."""
    ldh = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", fullmatch=True)
    words = st.lists(st.sampled_from(_WORDS), min_size=2, max_size=9).map("-".join).filter(lambda w: len(w) <= 63)
    punycode = unicode_labels().map(lambda label: idna.encode(label, uts46=True).decode("ascii"))
    return st.one_of(ldh, words, unicode_labels(), punycode)


def tlds() -> st.SearchStrategy[str]:
    """Every IANA top-level domain; the IDN ones in punycode or in Unicode."""
    return st.sampled_from(iana_tlds()).flatmap(
        lambda tld: st.sampled_from([tld, idna.decode(tld)]) if tld.startswith("xn--") else st.just(tld)
    )


def domains() -> st.SearchStrategy[str]:
    return st.tuples(st.lists(labels(), min_size=1, max_size=6), tlds()).map(lambda p: ".".join([*p[0], p[1]]))


def addresses() -> st.SearchStrategy[str]:
    """Addresses email-validator accepts with `allow_smtputf8=False`: every one must pass
    every door of the product, and be written to."""
    return st.tuples(dot_atoms(), domains()).map("@".join).filter(lambda a: len(a) <= 254 and oracle(a) is not None)


def ascii_addresses() -> st.SearchStrategy[str]:
    """The same addresses in the form the product stores and returns: the domain in punycode.
    JSON Schema's `format: email` is RFC 5321's, ASCII only."""
    return addresses().map(lambda a: oracle(a).ascii_email)


def non_ascii_local_addresses() -> st.SearchStrategy[str]:
    """Valid addresses whose local part has non-ASCII letters (they need SMTPUTF8)."""
    letters = st.sampled_from(_SCRIPTS).flatmap(lambda s: st.text(st.sampled_from(s + "._-"), min_size=1, max_size=12))
    local = st.tuples(dot_atoms(), letters).map("".join).filter(lambda local: not local.isascii())
    return (
        st.tuples(local, domains())
        .map("@".join)
        .filter(lambda a: len(a) <= 254 and oracle(a, smtputf8=True) is not None)
    )


def email_format(value: str) -> bool:
    """JSON Schema's `format: email` as the server reads it, for a schema validator:
    an address under the product's rule that we can write to."""
    from chalicelib.domain.email_address import NotAnAddress, read_email

    try:
        return read_email(value).ascii is not None
    except NotAnAddress:
        return False
